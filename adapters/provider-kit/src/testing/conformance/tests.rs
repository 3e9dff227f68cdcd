//! Unit tests of the conformance check.

use super::*;

#[test]
fn media_types_match_with_parameters_and_wildcards() {
    assert!(media_matches("application/json", "application/json"));
    assert!(media_matches("application/*", "application/json"));
    assert!(media_matches("*/*", "text/plain"));
    assert!(!media_matches(
        "application/json",
        "application/x-www-form-urlencoded"
    ));
}
