//! The mails of a BSP sender: one to its contact address at each change of its review.

use crate::waba::WabaEvent;

use super::super::execute::Tx;
use super::super::{WhatsAppService, WhatsAppServiceError};
use super::accounts::WabaRecord;

impl WhatsAppService {
    /// One mail per status change to the sender's contact address, if it gave one.
    pub(super) fn notify_bsp(
        &self,
        tx: &mut Tx<'_>,
        record: &WabaRecord,
        events: &[WabaEvent],
    ) -> Result<(), WhatsAppServiceError> {
        let Some(details) = &record.bsp else {
            return Ok(());
        };
        let Some(to) = &details.contact_email else {
            return Ok(());
        };
        for event in events {
            let (status, news) = match event {
                WabaEvent::Submitted { .. } => ("submitted", "was submitted for review".to_owned()),
                WabaEvent::ReviewStarted { .. } => (
                    "in review",
                    "is in review (usually 24 to 48 hours)".to_owned(),
                ),
                WabaEvent::Approved { .. } => (
                    "approved",
                    "was approved: it can send messages now".to_owned(),
                ),
                WabaEvent::Rejected { reason, .. } => (
                    "rejected",
                    format!("was rejected: {reason}. Correct it and submit it again."),
                ),
                WabaEvent::Resubmitted { .. } => (
                    "resubmitted",
                    "was corrected and submitted again".to_owned(),
                ),
                WabaEvent::NumberVerificationRequired { .. } => (
                    "verify your number",
                    format!(
                        "needs proof that you own {}: request a code by SMS or voice call, then \
                         enter it",
                        details.phone
                    ),
                ),
                WabaEvent::NumberVerified { .. } => (
                    "number verified",
                    format!("has its number {} verified", details.phone),
                ),
                _ => continue,
            };
            tx.enqueue(self.core.mail_job(
                to,
                format!("WhatsApp sender {}: {status}", details.display_name),
                format!("Your WhatsApp sender \"{}\" {news}", details.display_name),
            )?);
        }
        Ok(())
    }
}
