//! Onramp's sinch adapter.
