//! URL path pieces built from values we do not control (ids from Sinch or configuration).

/// Percent-encodes `text` as one path segment: every byte but the RFC 3986 unreserved
/// characters (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`, so an id can never add a segment or a
/// query to the path.
pub fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("abc-123_~."), "abc-123_~.");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(segment("é?"), "%C3%A9%3F");
    }
}
