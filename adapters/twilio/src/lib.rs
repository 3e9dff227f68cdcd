//! Onramp's twilio adapter.
