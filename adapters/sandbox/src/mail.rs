//! [`SandboxMailbox`]: the [`Mailer`] port delivering into an in-memory mailbox that tests and
//! people read back.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use onramp_domain::ids::TenantId;
use onramp_domain::ports::{Clock, Mail, Mailer, ProviderError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::lock;

/// `ProviderError::Unavailable` reason of the sends failed on purpose by
/// [`SandboxMailbox::fail_next`].
pub const MAILBOX_OUTAGE_REASON: &str = "sandbox mailbox outage";

/// Every mail the sandbox has "sent", per tenant, in memory.
///
/// De-duplicated by (tenant, [`Mail::key`]): a retried outbox job delivers once, and a tenant
/// cannot suppress another tenant's mail by reusing its key. Cheap to clone: clones share the
/// same mailbox.
#[derive(Clone)]
pub struct SandboxMailbox {
    clock: Arc<dyn Clock>,
    // A std `Mutex` (see `SandboxInbox`): never held across an `.await`.
    state: Arc<Mutex<State>>,
}

/// One delivered mail as the recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxMail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// The idempotency key it was sent with (the outbox job's id).
    pub key: String,
    /// When it arrived, from the mailbox's clock; RFC 3339 in JSON.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
}

#[derive(Default)]
struct State {
    /// Oldest first.
    mails: Vec<(TenantId, SandboxMail)>,
    keys: HashSet<(TenantId, String)>,
    /// Sends still to fail on purpose.
    failures_left: u32,
}

impl SandboxMailbox {
    /// An empty mailbox that stamps mails with `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// The mails of `tenant`, oldest first: all of them, or only those to `to` (compared
    /// ignoring ASCII case, as people type addresses). Other tenants' mail is never included.
    pub fn mail_to(&self, tenant: TenantId, to: Option<&str>) -> Vec<SandboxMail> {
        lock(&self.state)
            .mails
            .iter()
            .filter(|(owner, mail)| {
                *owner == tenant && to.is_none_or(|to| mail.to.eq_ignore_ascii_case(to))
            })
            .map(|(_, mail)| mail.clone())
            .collect()
    }

    /// Makes the next `n` sends fail with [`ProviderError::Unavailable`] (reason
    /// [`MAILBOX_OUTAGE_REASON`], no `retry_after`) without delivering anything, for retry
    /// tests. Replaces any count still pending; `0` ends the outage.
    pub fn fail_next(&self, n: u32) {
        lock(&self.state).failures_left = n;
    }
}

impl std::fmt::Debug for SandboxMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.state);
        f.debug_struct("SandboxMailbox")
            .field("mails", &state.mails.len())
            .field("failures_left", &state.failures_left)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Mailer for SandboxMailbox {
    /// Delivers `mail` once per (tenant, key); a repeated key succeeds and delivers nothing.
    ///
    /// # Errors
    /// [`ProviderError::Unavailable`] while [`SandboxMailbox::fail_next`] has sends left to fail.
    async fn send(&self, mail: &Mail) -> Result<(), ProviderError> {
        let received_at = self.clock.now();
        let mut state = lock(&self.state);
        if state.failures_left > 0 {
            state.failures_left -= 1;
            return Err(ProviderError::Unavailable {
                retry_after: None,
                reason: MAILBOX_OUTAGE_REASON.to_owned(),
            });
        }
        if state.keys.insert((mail.tenant, mail.key.clone())) {
            state.mails.push((
                mail.tenant,
                SandboxMail {
                    to: mail.to.clone(),
                    subject: mail.subject.clone(),
                    body: mail.body.clone(),
                    key: mail.key.clone(),
                    received_at,
                },
            ));
        }
        Ok(())
    }
}
