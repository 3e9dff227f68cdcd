//! Unit tests of the Graph API calls' input checks and URLs.

use super::*;

fn graph(base: &str) -> Graph {
    Graph::new(HttpSettings::parse(base).unwrap(), "v23.0").unwrap()
}

#[test]
fn urls_put_the_version_first_and_keep_a_base_path() {
    let g = graph("https://graph.facebook.com");
    assert_eq!(
        g.url(&["106540352242922", "messages"]).unwrap(),
        "https://graph.facebook.com/v23.0/106540352242922/messages"
    );
    let g = graph("http://127.0.0.1:9/proxy/");
    assert_eq!(
        g.url(&["oauth", "access_token"]).unwrap(),
        "http://127.0.0.1:9/proxy/v23.0/oauth/access_token"
    );
}

#[test]
fn a_bad_version_or_a_base_that_cannot_take_a_path_is_refused() {
    let settings = HttpSettings::parse("https://graph.facebook.com").unwrap();
    assert!(matches!(
        Graph::new(settings, "23.0"),
        Err(ProviderError::Unauthorized { .. })
    ));
    let settings = HttpSettings::parse("mailto:meta@example.com").unwrap();
    assert!(matches!(
        Graph::new(settings, "v23.0"),
        Err(ProviderError::Unauthorized { .. })
    ));
}

#[test]
fn recipients_lose_their_plus_and_must_be_at_most_fifteen_digits() {
    assert_eq!(recipient("+16505551234").unwrap(), "16505551234");
    assert_eq!(recipient("16505551234").unwrap(), "16505551234");
    for bad in ["", "+", "+1 650", "whatsapp:+1650", "+1234567890123456"] {
        assert!(
            matches!(recipient(bad), Err(ProviderError::Rejected { code, .. }) if code == "invalid_number"),
            "{bad:?}"
        );
    }
}

#[test]
fn ids_and_tokens_are_checked_before_they_travel() {
    assert!(check_id("102290129340398", "WABA id").is_ok());
    assert!(matches!(
        check_id("1/../2", "WABA id"),
        Err(ProviderError::Rejected { .. })
    ));
    assert!(matches!(
        check_token("EAA a", "token"),
        Err(ProviderError::Unauthorized { .. })
    ));
    assert!(matches!(
        check_token("", "token"),
        Err(ProviderError::Unauthorized { .. })
    ));
}
