//! Onramp's telnyx adapter.
