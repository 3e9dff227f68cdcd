//! Issue 5 (WhatsApp) properties, one file per decider: the WABA onboarding's Embedded Signup
//! saga and BSP path, channel link codes and end-user session tokens, plus example tests.

mod bsp;
mod link;
mod signup;
mod token;
