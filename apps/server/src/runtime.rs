//! The production implementations of the runtime ports: system clock, UUIDv7 ids, CSPRNG codes.

use onramp_domain::ports::{Clock, CodeGenerator, IdGen};
use onramp_domain::verification::OtpCode;
use rand::RngExt;
use time::OffsetDateTime;
use uuid::Uuid;

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// UUIDv7 ids (time-ordered, DESIGN.md section 4).
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7;

impl IdGen for UuidV7 {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// Codes drawn uniformly from `0..1_000_000` with `rand::rng()`, a reseeding CSPRNG.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomCodes;

impl CodeGenerator for RandomCodes {
    fn otp(&self) -> OtpCode {
        let n: u32 = rand::rng().random_range(0..1_000_000);
        OtpCode::from_draw(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..200)
            .map(|_| RandomCodes.otp().expose().to_string())
            .collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(
            codes.len() > 190,
            "200 draws from a million should almost never collide"
        );
    }

    #[test]
    fn ids_are_version_7() {
        assert_eq!(UuidV7.new_id().get_version_num(), 7);
    }
}
