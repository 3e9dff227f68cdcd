//! The provider chain per channel and the choice of the next provider.

use serde::{Deserialize, Serialize};

use super::breaker::Availability;
use crate::ports::ProviderId;
use crate::verification::Channel;

/// The ordered provider chains and the breaker settings (configuration, e.g.
/// `ONRAMP_VOICE_PROVIDERS=telnyx,twilio`, `ONRAMP_SMS_PROVIDERS=telnyx,twilio,sinch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailoverPolicy {
    /// Providers tried for voice calls, in order.
    pub voice: Vec<ProviderId>,
    /// Providers tried for SMS, in order.
    pub sms: Vec<ProviderId>,
    /// When breakers open and for how long.
    pub breaker: super::BreakerPolicy,
}

impl Default for FailoverPolicy {
    fn default() -> Self {
        Self {
            voice: vec![ProviderId::Telnyx, ProviderId::Twilio],
            sms: vec![ProviderId::Telnyx, ProviderId::Twilio, ProviderId::Sinch],
            breaker: super::BreakerPolicy::default(),
        }
    }
}

impl FailoverPolicy {
    /// The chain of `channel`.
    pub fn chain(&self, channel: Channel) -> &[ProviderId] {
        match channel {
            Channel::Voice => &self.voice,
            Channel::Sms => &self.sms,
        }
    }
}

/// A provider of the chain passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkippedProvider {
    /// The provider.
    pub provider: ProviderId,
    /// `circuit_open`, `probe_in_flight`, `not_configured`.
    pub reason: String,
}

/// The choice of the next provider for one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// Call this provider; `probe` when its breaker is half-open and this call is the probe
    /// (record it with [`super::BreakerCommand::BeginProbe`] before calling).
    Use {
        /// The provider.
        provider: ProviderId,
        /// True for a half-open probe.
        probe: bool,
    },
    /// Every provider of the chain was tried or is unavailable (P-FO-3).
    Exhausted,
}

/// Picks the first provider of `chain`, in order, that was not `tried` for this delivery and
/// whose breaker lets a call through (P-FO-1, P-FO-2). Returns the pick and the providers passed
/// over because of their breaker.
pub fn pick(
    chain: &[ProviderId],
    tried: &[ProviderId],
    availability: impl Fn(ProviderId) -> Availability,
) -> (Pick, Vec<SkippedProvider>) {
    let mut skipped = Vec::new();
    for &provider in chain {
        if tried.contains(&provider) {
            continue;
        }
        match availability(provider) {
            Availability::Available => {
                return (
                    Pick::Use {
                        provider,
                        probe: false,
                    },
                    skipped,
                );
            }
            Availability::ProbeDue => {
                return (
                    Pick::Use {
                        provider,
                        probe: true,
                    },
                    skipped,
                );
            }
            Availability::Open { .. } => skipped.push(SkippedProvider {
                provider,
                reason: "circuit_open".into(),
            }),
            Availability::ProbeInFlight => skipped.push(SkippedProvider {
                provider,
                reason: "probe_in_flight".into(),
            }),
        }
    }
    (Pick::Exhausted, skipped)
}
