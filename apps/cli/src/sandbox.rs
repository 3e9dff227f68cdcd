//! The guard of the commands that read codes from the sandbox inbox (`onramp demo`, `onramp
//! bench journeys`): they verify phones they make up, so they must never run where codes reach
//! real phones.

use anyhow::{Context, ensure};

use onramp_domain::ports::ProviderId;

use crate::client::{Client, IntegrationSummary};

/// The code-delivering providers ([`ProviderId::REAL`]: with credentials in force for any of
/// them, the tenant's or the server's, codes go there instead of the sandbox inbox) that are
/// live in `integrations`, in their order.
fn live_code_providers(integrations: &[IntegrationSummary]) -> Vec<&str> {
    integrations
        .iter()
        .filter(|i| {
            i.live && ProviderId::parse(&i.provider).is_some_and(|p| ProviderId::REAL.contains(&p))
        })
        .map(|i| i.provider.as_str())
        .collect()
}

/// Fails unless the sandbox delivers the tenant's codes: journeys read codes from its inbox,
/// and with a live provider they would call and text the real phones they make up.
///
/// # Errors
/// A live code-delivering provider (named in the message), or `GET /v1/integrations` failing.
pub async fn require_sandbox(client: &Client) -> anyhow::Result<()> {
    let integrations = client
        .unrecorded()
        .integrations()
        .await
        .context("reading the tenant's integrations")?;
    let live = live_code_providers(&integrations);
    ensure!(
        live.is_empty(),
        "this command needs the sandbox to deliver the tenant's codes (it reads them from the \
         sandbox inbox), but {} would call and text real phones",
        live.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `GET /v1/integrations` as the server answers it (a tenant with its own Twilio
    /// credentials, PayPal from the server's environment), trimmed to two breakers.
    const ANSWER: &str = r#"{"data": [
        {"provider": "telnyx", "live": false, "status": "not_configured", "source": "none", "fields": [], "breakers": [{"channel": "voice", "status": "closed"}]},
        {"provider": "twilio", "live": true, "status": "pending", "source": "tenant", "fields": [], "breakers": [{"channel": "sms", "status": "closed"}]},
        {"provider": "sinch", "live": false, "status": "not_configured", "source": "none", "fields": [], "breakers": []},
        {"provider": "stripe", "live": false, "status": "not_configured", "source": "none", "fields": [], "breakers": []},
        {"provider": "paypal", "live": true, "status": "active", "source": "server", "fields": [], "breakers": []}
    ]}"#;

    #[test]
    fn a_live_code_provider_is_named_and_live_payment_providers_do_not_count() {
        let list: crate::client::IntegrationList =
            serde_json::from_str(ANSWER).expect("the server's answer parses");
        assert_eq!(live_code_providers(&list.data), vec!["twilio"]);
    }

    #[test]
    fn without_live_code_providers_the_sandbox_delivers() {
        let mut list: crate::client::IntegrationList =
            serde_json::from_str(ANSWER).expect("the server's answer parses");
        list.data.retain(|i| i.provider != "twilio");
        assert!(live_code_providers(&list.data).is_empty());
    }
}
