//! A stand-in for the process environment, for the `…Credentials::from_vars(get)` constructors
//! every adapter has: tests pass variables without touching `std::env` (which is shared by
//! every test thread of the binary).

/// A variable lookup over `pairs` (name, value), in the shape the adapters'
/// `from_vars(get: impl Fn(&str) -> Option<String>)` take: the value of the first pair with that
/// name, or None. The pairs are copied, so the lookup borrows nothing.
///
/// ```
/// let get = onramp_provider_kit::testing::env_vars(&[("X_API_KEY", "key"), ("X_EMPTY", "")]);
/// assert_eq!(get("X_API_KEY").as_deref(), Some("key"));
/// assert_eq!(get("X_EMPTY").as_deref(), Some(""));
/// assert_eq!(get("X_UNSET"), None);
/// ```
pub fn env_vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let owned: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    move |name| {
        owned
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_gives_its_value_and_unknown_names_give_none() {
        let get = env_vars(&[("A", "1"), ("B", " 2 "), ("EMPTY", "")]);
        assert_eq!(get("A").as_deref(), Some("1"));
        assert_eq!(get("B").as_deref(), Some(" 2 "));
        assert_eq!(get("EMPTY").as_deref(), Some(""));
        assert_eq!(get("a"), None);
        assert_eq!(get("C"), None);
    }

    #[test]
    fn the_first_pair_of_a_repeated_name_wins() {
        let get = env_vars(&[("A", "first"), ("A", "second")]);
        assert_eq!(get("A").as_deref(), Some("first"));
    }

    #[test]
    fn the_lookup_outlives_the_pairs_it_was_made_from() {
        let get = {
            let name = String::from("OWNED");
            let value = String::from("value");
            env_vars(&[(name.as_str(), value.as_str())])
        };
        assert_eq!(get("OWNED").as_deref(), Some("value"));
    }
}
