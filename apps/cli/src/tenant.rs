//! `onramp tenant create`: a new tenant and its API key, shown once.

use anyhow::Context;

use crate::client::Client;

/// Creates tenant `name` with the admin token and prints its id and API key.
///
/// # Errors
/// The request failing (`UNAUTHORIZED` for a wrong admin token, validation of the name).
pub async fn create(admin: &Client, name: &str) -> anyhow::Result<()> {
    let tenant = admin
        .create_tenant(name)
        .await
        .context("creating the tenant")?;
    println!("Tenant created");
    println!("  id       {}", tenant.id);
    println!("  name     {}", tenant.name);
    println!("  api key  {}", tenant.api_key);
    println!();
    println!("Store the API key now: Onramp keeps only a hash of it and will not show it again.");
    println!("  export ONRAMP_API_KEY={}", tenant.api_key);
    Ok(())
}
