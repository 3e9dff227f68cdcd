//! Flow templates are tenant-supplied TOML: any text either loads or is refused with an error
//! (never a panic), and a flow that loads round-trips through its definition JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onramp_domain::flow::Flow;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(flow) = Flow::from_toml(&text) {
        let json = flow.to_definition_json();
        let back = match Flow::from_definition_json(&json) {
            Ok(back) => back,
            Err(e) => panic!("the definition JSON of a loaded flow is refused: {e}\n{json}"),
        };
        assert_eq!(
            back, flow,
            "the definition JSON round trip changed the flow"
        );
        assert_eq!(back.digest(), flow.digest());
    }
});
