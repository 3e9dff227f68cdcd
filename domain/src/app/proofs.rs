//! The proof a step needs, found through one lookup keyed by the step's kind (issue 11, item
//! 5): a new step kind that completes on something outside the session adds its flow step, its
//! decider rule and one source here.
//!
//! Every source reads in the step's [`Tx`] (from the database, never the decide cache: only
//! the session is read first) and offers only what belongs to the same session and step of the
//! same tenant; the session decider then checks that the answers name it.

use serde_json::Value;
use uuid::Uuid;

use crate::flow::{StepId, StepKind};
use crate::ids::{OrderId, SessionId, TrialId, VerificationId, WabaAccountId};
use crate::order::{OrderState, OrderStatus};
use crate::session::{StepProof, VerifiedPhone};
use crate::trial::TrialState;
use crate::verification::{VerificationState, VerificationStatus};

use super::execute::Tx;
use super::whatsapp::accounts::WabaRecord;
use super::{SessionService, SessionServiceError};

/// What a step's answers prove.
#[derive(Debug, Default)]
pub(crate) struct Proof {
    /// A phone verification approved for this session (`phone_verification`).
    pub phone: Option<VerifiedPhone>,
    /// A trial, an order or a WhatsApp account of this session step.
    pub step: Option<StepProof>,
}

/// The UUID of answer `field`, if it holds one.
fn id_in(answers: &Value, field: &str) -> Option<Uuid> {
    answers
        .get(field)
        .and_then(Value::as_str)
        .and_then(|t| Uuid::parse_str(t).ok())
}

impl SessionService {
    /// The proof step `step` of kind `kind` of `session` needs, from its answers; an empty
    /// proof for kinds that need none, or when the answers name nothing that proves the step.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn step_proof(
        &self,
        tx: &mut Tx<'_>,
        session: SessionId,
        step: &StepId,
        kind: StepKind,
        answers: &Value,
    ) -> Result<Proof, SessionServiceError> {
        let mut proof = Proof::default();
        match kind {
            StepKind::PhoneVerification => {
                if let Some(id) = id_in(answers, "verification_id") {
                    proof.phone = self
                        .approved_phone(tx, session, VerificationId::new(id))
                        .await?;
                }
            }
            StepKind::CardOnFileTrial => {
                if let Some(id) = id_in(answers, "trial_id").map(TrialId::new) {
                    let trial = tx.load::<TrialState>(id).await?;
                    let started = trial.is_some_and(|t| {
                        t.session_id == Some(session)
                            && t.step.as_ref() == Some(step)
                            && t.started_at.is_some()
                    });
                    proof.step = started.then_some(StepProof::Trial(id));
                }
            }
            StepKind::PaypalCheckout => {
                if let Some(id) = id_in(answers, "order_id").map(OrderId::new) {
                    let order = tx.load::<OrderState>(id).await?;
                    let captured = order.is_some_and(|o| {
                        o.session_id == Some(session)
                            && o.step.as_ref() == Some(step)
                            && o.status() == OrderStatus::Captured
                    });
                    proof.step = captured.then_some(StepProof::Order(id));
                }
            }
            StepKind::WhatsAppSignup | StepKind::WhatsAppSender => {
                if let Some(id) = id_in(answers, "waba_account_id").map(WabaAccountId::new) {
                    let record = tx.load::<WabaRecord>(id).await?;
                    let far_enough = record.is_some_and(|r| {
                        r.session_id == Some(session)
                            && r.step.as_ref() == Some(step)
                            && r.proves_its_step()
                    });
                    proof.step = far_enough.then_some(StepProof::Waba(id));
                }
            }
            _ => {}
        }
        Ok(proof)
    }

    /// A phone verification step's proof: the verification is approved and belongs to this
    /// session of this tenant.
    async fn approved_phone(
        &self,
        tx: &mut Tx<'_>,
        session: SessionId,
        id: VerificationId,
    ) -> Result<Option<VerifiedPhone>, SessionServiceError> {
        let Some(v) = tx.load::<VerificationState>(id).await? else {
            return Ok(None);
        };
        Ok(match (v.status, v.session_id, v.phone) {
            (VerificationStatus::Approved, Some(s), Some(phone)) if s == session => {
                Some(VerifiedPhone {
                    verification_id: id,
                    phone,
                })
            }
            _ => None,
        })
    }
}
