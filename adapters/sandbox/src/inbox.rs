//! [`SandboxInbox`]: the "phones" of the sandbox, where every simulated delivery lands.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use onramp_domain::ids::TenantId;
use onramp_domain::phone::PhoneNumber;
use onramp_domain::verification::Channel;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One simulated delivery attempt as the recipient (or a person watching the sandbox) sees it.
///
/// Rejected attempts are recorded too (status [`SandboxStatus::Failed`]), so a tester can see
/// that the voice call went unanswered before the SMS arrived. Attempts refused because the
/// provider was unavailable are not recorded: a real provider never receives them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SandboxMessage {
    /// The delivery id (`CodeDelivery::delivery_id`, a UUID), unique in the inbox.
    pub id: String,
    /// The tenant the code was sent for.
    pub tenant: TenantId,
    /// Destination, E.164 (`+12025550123`).
    pub to: String,
    /// Voice call or SMS.
    pub channel: Channel,
    /// The SMS text, or for a voice call the spoken script with the digits read one by one.
    pub body: String,
    /// The one-time code in clear (the sandbox is the phone, so it shows what the phone shows).
    pub code: String,
    /// Whether the code reached the phone.
    pub status: SandboxStatus,
    /// For a failed attempt, the rejection code (`call_not_answered`, `sms_undelivered`,
    /// `undeliverable`); `None` when delivered.
    pub failure: Option<String>,
    /// When the attempt was made, from the sender's clock; RFC 3339 in JSON.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Outcome of one recorded attempt.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SandboxStatus {
    /// The code reached the phone.
    Delivered,
    /// The provider refused the delivery; see [`SandboxMessage::failure`].
    Failed,
}

/// Every message the sandbox has "sent", in memory or persisted as JSON lines.
///
/// Cheap to clone: clones share the same messages. Deduplicated by delivery id, so the server's
/// outbox re-running a job cannot make a message appear twice.
#[derive(Clone)]
pub struct SandboxInbox {
    // A std `Mutex` rather than tokio's (the reasoning of mini-redis's `Db`): the lock is held
    // only for a lookup, a push, or one short append to a local file, never across an `.await`,
    // so an async mutex would only add overhead.
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    /// Oldest first.
    messages: Vec<SandboxMessage>,
    /// Delivery id -> position in `messages`.
    by_id: HashMap<String, usize>,
    /// (tenant, recipient) -> positions in `messages`, oldest first: `messages_to` reads one
    /// recipient's messages without scanning every message (issue 11, item 8).
    by_recipient: HashMap<(TenantId, String), Vec<usize>>,
    /// The JSON-lines file, opened for appending; `None` for an in-memory inbox.
    file: Option<File>,
}

/// What [`SandboxInbox::record_once`] did.
#[derive(Debug)]
pub(crate) enum Recorded {
    /// The message is new and was stored.
    New(SandboxMessage),
    /// A message with that delivery id was already stored; it is returned unchanged.
    Existing(SandboxMessage),
}

impl SandboxInbox {
    /// An empty inbox that lives as long as the process.
    pub fn in_memory() -> SandboxInbox {
        Self::from_inner(Inner {
            messages: Vec::new(),
            by_id: HashMap::new(),
            by_recipient: HashMap::new(),
            file: None,
        })
    }

    /// Persists messages as JSON lines (one [`SandboxMessage`] per line) appended to `path`,
    /// created if missing (mode 0600 on unix: it holds codes in clear), and loads the existing
    /// ones at open, so the inbox survives a restart. Deduplicates by delivery id (the first line
    /// wins). A last line without its newline, left by a crash in the middle of a write, is cut
    /// off: that send never returned, so the outbox will run it again. Lines are written but not
    /// fsynced; only one process may have the file open.
    ///
    /// # Errors
    /// The file cannot be opened, read or truncated, or a complete line is not a
    /// [`SandboxMessage`] (`InvalidData`, naming the line).
    pub fn open_file(path: &Path) -> std::io::Result<SandboxInbox> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        let mut text = String::new();
        file.read_to_string(&mut text)?;

        let complete = text.rfind('\n').map_or(0, |newline| newline + 1);
        if complete < text.len() {
            file.set_len(u64::try_from(complete).map_err(std::io::Error::other)?)?;
        }
        let mut inner = Inner {
            messages: Vec::new(),
            by_id: HashMap::new(),
            by_recipient: HashMap::new(),
            file: None,
        };
        for (index, line) in text[..complete].lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let message: SandboxMessage = serde_json::from_str(line).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: line {}: {e}", path.display(), index + 1),
                )
            })?;
            inner.insert(message);
        }
        inner.file = Some(file);
        Ok(Self::from_inner(inner))
    }

    /// The messages sent to `to` for `tenant`, oldest first, failed attempts included.
    pub fn messages_to(&self, tenant: TenantId, to: &PhoneNumber) -> Vec<SandboxMessage> {
        let inner = self.lock();
        inner
            .by_recipient
            .get(&(tenant, to.as_str().to_owned()))
            .map(|positions| {
                positions
                    .iter()
                    .filter_map(|&at| inner.messages.get(at))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every message of `tenant`, oldest first, failed attempts included.
    pub fn all(&self, tenant: TenantId) -> Vec<SandboxMessage> {
        self.lock()
            .messages
            .iter()
            .filter(|m| m.tenant == tenant)
            .cloned()
            .collect()
    }

    /// The message recorded for delivery id `id`, if any.
    pub(crate) fn find(&self, id: &str) -> Option<SandboxMessage> {
        let inner = self.lock();
        inner
            .by_id
            .get(id)
            .and_then(|&at| inner.messages.get(at))
            .cloned()
    }

    /// Stores `message` unless its id is already present (checked and stored under one lock, so
    /// two concurrent sends of one delivery record it once). For a file inbox the line is
    /// appended before the message becomes visible.
    ///
    /// # Errors
    /// Writing to the file failed; nothing was stored.
    pub(crate) fn record_once(&self, message: SandboxMessage) -> std::io::Result<Recorded> {
        let mut inner = self.lock();
        if let Some(existing) = inner
            .by_id
            .get(&message.id)
            .and_then(|&at| inner.messages.get(at))
        {
            return Ok(Recorded::Existing(existing.clone()));
        }
        if let Some(file) = inner.file.as_mut() {
            let mut line = serde_json::to_string(&message).map_err(std::io::Error::other)?;
            line.push('\n');
            file.write_all(line.as_bytes())?;
        }
        inner.insert(message.clone());
        Ok(Recorded::New(message))
    }

    fn from_inner(inner: Inner) -> SandboxInbox {
        SandboxInbox {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing that runs under the lock can panic between two related updates (lookups go
        // through `get`, and allocation failure aborts), so a poisoned lock's data is still sound.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    /// Adds `message` unless its id is present (first one wins).
    fn insert(&mut self, message: SandboxMessage) {
        if self.by_id.contains_key(&message.id) {
            return;
        }
        let at = self.messages.len();
        self.by_id.insert(message.id.clone(), at);
        self.by_recipient
            .entry((message.tenant, message.to.clone()))
            .or_default()
            .push(at);
        self.messages.push(message);
    }
}

impl std::fmt::Debug for SandboxInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("SandboxInbox")
            .field("messages", &inner.messages.len())
            .field("persistent", &inner.file.is_some())
            .finish()
    }
}
