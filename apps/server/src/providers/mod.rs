//! The real providers behind the `VerificationSender` port: credentials (server-wide from the
//! providers' usual environment variables, or a tenant's own, stored sealed), the sender
//! directory the delivery jobs use, and each provider's webhook verification.

mod credentials;
mod directory;

pub use credentials::{ProviderClient, ProviderCredentials, ServerCredentials, WhatsAppClients};
pub use directory::{ProviderDirectory, Sandboxes};
