//! Random provider-style ids for the sandbox's objects, and the poison-tolerant lock the
//! in-memory simulators share.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// `len` random lowercase hex digits (from UUIDv4s: ids only need to be unique, not secret).
pub(crate) fn random_hex(len: usize) -> String {
    let mut hex = String::with_capacity(len + 32);
    while hex.len() < len {
        hex.push_str(&format!("{:032x}", uuid::Uuid::new_v4().as_u128()));
    }
    hex.truncate(len);
    hex
}

/// `len` random decimal digits, the first not `0`: the shape of Meta's Graph ids (WABA, phone
/// number, business, allocation config), which are numeric strings.
pub(crate) fn random_digits(len: usize) -> String {
    random_hex(len)
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            // A hex digit's value (0..16) folded onto decimal digits: ids only need to be
            // unique, a slight bias does not matter.
            let value = char::from(b).to_digit(16).unwrap_or(0);
            let digit = if i == 0 { 1 + value % 9 } else { value % 10 };
            char::from_digit(digit, 10).unwrap_or('0')
        })
        .collect()
}

/// Locks `mutex`, ignoring poison: the simulators' critical sections only look up, insert and
/// assign (lookups go through `get`, allocation failure aborts), so a panic elsewhere cannot
/// leave their data half-updated.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_has_the_asked_length_and_only_hex_digits() {
        for len in [0, 16, 24, 32, 40] {
            let hex = random_hex(len);
            assert_eq!(hex.len(), len);
            assert!(
                hex.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
        }
        assert_ne!(random_hex(24), random_hex(24));
    }

    #[test]
    fn random_digits_are_decimal_without_a_leading_zero() {
        for len in [1, 15, 40] {
            let digits = random_digits(len);
            assert_eq!(digits.len(), len);
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits}");
            assert!(!digits.starts_with('0'), "{digits}");
        }
        assert_ne!(random_digits(15), random_digits(15));
    }
}
