//! Random provider-style ids for the sandbox's payment objects, and the poison-tolerant lock the
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
}
