//! Magic numbers and names: destinations (and BSP display names) whose sandbox behaviour is
//! fixed, like the providers' test numbers. All are in the North American fictional range 555-0100 to 555-0199 (NANPA reserves
//! it for films and books, so no real phone can ever be called), which libphonenumber accepts
//! as valid. The UK's Ofcom drama range +44 7700 900xxx would read better but libphonenumber
//! rejects it as invalid, so [`PhoneNumber::parse`](onramp_domain::phone::PhoneNumber::parse)
//! would refuse it before it reached a sender.

use onramp_domain::verification::Channel;

/// Voice calls are never answered ([`CODE_CALL_NOT_ANSWERED`]); SMS is delivered. Exercises
/// the voice-to-SMS fallback.
pub const VOICE_NEVER_ANSWERED: &str = "+12025550101";
/// More numbers that behave as [`VOICE_NEVER_ANSWERED`]: `+1 202 555 0110` to `0119`. A demo
/// run spends 2 of a phone's 5 sends per hour (the failed call and the fallback SMS), so a
/// demo repeated within the hour moves on to the next of these.
pub const VOICE_NEVER_ANSWERED_RANGE: std::ops::RangeInclusive<u32> = 110..=119;

/// Whether `to` (E.164) is [`VOICE_NEVER_ANSWERED`] or in [`VOICE_NEVER_ANSWERED_RANGE`].
pub fn voice_never_answered(to: &str) -> bool {
    to == VOICE_NEVER_ANSWERED
        || to
            .strip_prefix("+1202555")
            .filter(|rest| rest.len() == 4)
            .and_then(|rest| rest.parse::<u32>().ok())
            .is_some_and(|n| VOICE_NEVER_ANSWERED_RANGE.contains(&n))
}

/// SMS always fails ([`CODE_SMS_UNDELIVERED`]); voice calls are delivered.
pub const SMS_ALWAYS_FAILS: &str = "+12025550102";
/// Undeliverable on every channel ([`CODE_UNDELIVERABLE`]).
pub const UNDELIVERABLE: &str = "+12025550103";
/// The provider is unavailable on every channel ([`OUTAGE_REASON`]), for retries and failover.
pub const PROVIDER_UNAVAILABLE: &str = "+12025550104";

/// A WhatsApp user who has not joined the sandbox ([`CODE_NOT_JOINED`]), like Twilio's error
/// 63015 for a recipient that never sent `join <code>` to Twilio's sandbox number (PROVIDERS.md
/// section 4). Voice calls and SMS are delivered.
pub const WHATSAPP_NOT_JOINED: &str = "+12025550105";

/// `ProviderError::Rejected` code for an unanswered voice call.
pub const CODE_CALL_NOT_ANSWERED: &str = "call_not_answered";
/// `ProviderError::Rejected` code for an SMS the network did not deliver.
pub const CODE_SMS_UNDELIVERED: &str = "sms_undelivered";
/// `ProviderError::Rejected` code for a destination unreachable on any channel.
pub const CODE_UNDELIVERABLE: &str = "undeliverable";
/// `ProviderError::Rejected` code for a WhatsApp message to [`WHATSAPP_NOT_JOINED`].
pub const CODE_NOT_JOINED: &str = "not_joined";
/// `ProviderError::Unavailable` reason for [`PROVIDER_UNAVAILABLE`].
pub const OUTAGE_REASON: &str = "sandbox outage";

/// What the sandbox does with one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The code reaches the phone.
    Delivered,
    /// The delivery is refused with this `Rejected` code.
    Rejected(&'static str),
    /// The provider is down; nothing is recorded.
    Unavailable,
}

/// The fixed behaviour for `to` (E.164) on `channel`; every number not listed is delivered.
pub(crate) fn outcome(to: &str, channel: Channel) -> Outcome {
    match (to, channel) {
        (_, Channel::Voice) if voice_never_answered(to) => {
            Outcome::Rejected(CODE_CALL_NOT_ANSWERED)
        }
        (SMS_ALWAYS_FAILS, Channel::Sms) => Outcome::Rejected(CODE_SMS_UNDELIVERED),
        (UNDELIVERABLE, _) => Outcome::Rejected(CODE_UNDELIVERABLE),
        (PROVIDER_UNAVAILABLE, _) => Outcome::Unavailable,
        _ => Outcome::Delivered,
    }
}

/// The fixed behaviour of a WhatsApp message to `to` (E.164); every number not listed is
/// delivered.
pub(crate) fn whatsapp_outcome(to: &str) -> Outcome {
    match to {
        WHATSAPP_NOT_JOINED => Outcome::Rejected(CODE_NOT_JOINED),
        UNDELIVERABLE => Outcome::Rejected(CODE_UNDELIVERABLE),
        PROVIDER_UNAVAILABLE => Outcome::Unavailable,
        _ => Outcome::Delivered,
    }
}

/// A BSP display name containing this word (ignoring case) is rejected at its first review
/// ([`SenderState::Error`](onramp_domain::ports::SenderState::Error) with
/// [`REJECTED_DISPLAY_NAME_REASON`]); corrections containing it are rejected again.
pub const BSP_REJECTED: &str = "Rejected";
/// A BSP display name containing this word (ignoring case) is suspended at its review
/// ([`SenderState::Suspended`](onramp_domain::ports::SenderState::Suspended), reason
/// `SUSPENDED`), unless it also contains [`BSP_REJECTED`].
pub const BSP_SUSPENDED: &str = "Suspended";
/// A BSP display name containing these words (ignoring case) stays `IN_PROGRESS` at the first
/// poll and gets its decision at the second.
pub const BSP_SLOW_REVIEW: &str = "Slow Review";
/// A BSP display name containing these words (ignoring case) waits in
/// [`SenderState::PendingVerification`](onramp_domain::ports::SenderState::PendingVerification)
/// until its number is verified (a code requested by SMS or voice call, found in the sandbox
/// inbox, and given back); its review goes on from there.
pub const BSP_UNVERIFIED_NUMBER: &str = "Unverified Number";
/// The `ERROR` reason of a sender rejected for [`BSP_REJECTED`].
pub const REJECTED_DISPLAY_NAME_REASON: &str =
    "display name does not follow WhatsApp's display name guidelines";

/// Whether `text` contains the magic `word`, ignoring ASCII case.
pub(crate) fn mentions(text: &str, word: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&word.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_voice_never_answered_range_is_0110_to_0119_and_nothing_around_it() {
        assert!(voice_never_answered("+12025550101"));
        assert!(voice_never_answered("+12025550110"));
        assert!(voice_never_answered("+12025550119"));
        for other in [
            "+12025550109",
            "+12025550120",
            "+12025550102",
            "+120255501100",
            "+442025550110",
        ] {
            assert!(!voice_never_answered(other), "{other}");
        }
        assert_eq!(
            outcome("+12025550115", Channel::Voice),
            Outcome::Rejected(CODE_CALL_NOT_ANSWERED)
        );
        assert_eq!(outcome("+12025550115", Channel::Sms), Outcome::Delivered);
    }

    #[test]
    fn each_magic_number_has_its_outcome_per_channel() {
        use Channel::{Sms, Voice};
        let table = [
            (
                VOICE_NEVER_ANSWERED,
                Voice,
                Outcome::Rejected(CODE_CALL_NOT_ANSWERED),
            ),
            (VOICE_NEVER_ANSWERED, Sms, Outcome::Delivered),
            (SMS_ALWAYS_FAILS, Voice, Outcome::Delivered),
            (
                SMS_ALWAYS_FAILS,
                Sms,
                Outcome::Rejected(CODE_SMS_UNDELIVERED),
            ),
            (UNDELIVERABLE, Voice, Outcome::Rejected(CODE_UNDELIVERABLE)),
            (UNDELIVERABLE, Sms, Outcome::Rejected(CODE_UNDELIVERABLE)),
            (PROVIDER_UNAVAILABLE, Voice, Outcome::Unavailable),
            (PROVIDER_UNAVAILABLE, Sms, Outcome::Unavailable),
            (WHATSAPP_NOT_JOINED, Voice, Outcome::Delivered),
            (WHATSAPP_NOT_JOINED, Sms, Outcome::Delivered),
            ("+12025550199", Voice, Outcome::Delivered),
            ("+442079460018", Sms, Outcome::Delivered),
        ];
        for (to, channel, expected) in table {
            assert_eq!(outcome(to, channel), expected, "{to} by {channel:?}");
        }
    }

    #[test]
    fn each_magic_number_has_its_whatsapp_outcome() {
        let table = [
            (WHATSAPP_NOT_JOINED, Outcome::Rejected(CODE_NOT_JOINED)),
            (UNDELIVERABLE, Outcome::Rejected(CODE_UNDELIVERABLE)),
            (PROVIDER_UNAVAILABLE, Outcome::Unavailable),
            (VOICE_NEVER_ANSWERED, Outcome::Delivered),
            (SMS_ALWAYS_FAILS, Outcome::Delivered),
            ("+12025550199", Outcome::Delivered),
        ];
        for (to, expected) in table {
            assert_eq!(whatsapp_outcome(to), expected, "{to}");
        }
    }

    #[test]
    fn magic_names_are_found_ignoring_case_anywhere_in_the_text() {
        assert!(mentions("ACME REJECTED Ltd", BSP_REJECTED));
        assert!(mentions("acme slow review", BSP_SLOW_REVIEW));
        assert!(!mentions("Acme Slow-Review", BSP_SLOW_REVIEW));
        assert!(!mentions("Acme", BSP_SUSPENDED));
    }
}
