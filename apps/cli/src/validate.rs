//! `onramp flow validate`: loads flow templates with the domain's own loader, so a template
//! that passes here loads on the server.

use std::path::PathBuf;

use onramp_domain::flow::Flow;

/// Validates each file; prints `OK` or the precise error per file. Returns whether all passed.
pub fn validate(files: &[PathBuf]) -> bool {
    let mut all_ok = true;
    for file in files {
        match check(file) {
            Ok(summary) => println!("OK    {}  {summary}", file.display()),
            Err(error) => {
                all_ok = false;
                println!("FAIL  {}  {error}", file.display());
            }
        }
    }
    all_ok
}

fn check(file: &PathBuf) -> Result<String, String> {
    let source = std::fs::read_to_string(file).map_err(|e| format!("cannot read the file: {e}"))?;
    let flow = Flow::from_toml(&source).map_err(|e| e.to_string())?;
    let optional = flow.steps().iter().filter(|s| !s.required()).count();
    let seconds: u64 = flow
        .steps()
        .iter()
        .map(|s| u64::from(s.estimated_seconds()))
        .sum();
    Ok(format!(
        "{} v{}: {} steps ({optional} optional), ~{} to complete",
        flow.id(),
        flow.version(),
        flow.steps().len(),
        crate::demo::duration_text(seconds)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("onramp-cli-{}-{name}", std::process::id()));
        std::fs::write(&path, text).expect("temp file written");
        path
    }

    #[test]
    fn the_shipped_templates_validate() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/flows");
        let files = vec![
            dir.join("conversational-profile.toml"),
            dir.join("platform-setup.toml"),
        ];
        assert!(validate(&files));
    }

    #[test]
    fn a_template_with_an_unknown_kind_fails_with_the_step_named() {
        let path = temp_file(
            "bad.toml",
            "id = \"x\"\nversion = 1\ntitle = \"X\"\ndescription = \"\"\n[[steps]]\nid = \"s\"\nkind = \"signature\"\ntitle = \"Sign\"\n",
        );
        let err = check(&path).expect_err("unknown kind");
        assert!(
            err.contains("step `s` has unknown kind `signature`"),
            "{err}"
        );
        assert!(!validate(std::slice::from_ref(&path)));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_missing_file_fails() {
        assert!(check(&PathBuf::from("/nonexistent/flow.toml")).is_err());
    }
}
