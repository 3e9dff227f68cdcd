//! WhatsApp Business Account onboardings as stored: the record, its commit, its view, the
//! provider references that route webhooks to it, and the proof a session's WhatsApp step needs.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::decider::Decider;
use crate::flow::{StepId, StepKind};
use crate::ids::{SessionId, TenantId, WabaAccountId};
use crate::ports::{AggregateKind, ListQuery, ProviderId, StreamId};
use crate::session::{SessionCommand, SessionDecider, SessionState, StepProof};
use crate::waba::{
    QualityMark, SignupIds, StepFailure, WabaCommand, WabaDecider, WabaEvent, WabaPath, WabaState,
    WabaStatus,
};

use super::super::aggregates::whatsapp::WabaRecords;
use super::super::execute::Tx;
use super::super::persist::Versioned;
use super::super::{WhatsAppService, WhatsAppServiceError};

/// The details of a sender submitted to a BSP, as the user gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BspDetails {
    /// The business's display name.
    pub display_name: String,
    /// The sender's number, E.164.
    pub phone: String,
    /// Where progress notifications are mailed.
    pub contact_email: Option<String>,
    /// Free details (description, website, ...).
    #[serde(default)]
    pub details: Vec<(String, String)>,
}

/// One WABA onboarding as stored: the decider's state and what the app keeps beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WabaRecord {
    pub id: Option<WabaAccountId>,
    pub session_id: Option<SessionId>,
    pub step: Option<StepId>,
    pub bsp: Option<BspDetails>,
    pub state: WabaState,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub created_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub updated_at: Option<OffsetDateTime>,
}

pub(crate) fn waba_stream(id: WabaAccountId) -> StreamId {
    StreamId::new(AggregateKind::WabaAccount, id)
}

/// The stream that maps a provider reference (a WABA id, phone number id, sender id or
/// message id) to what it belongs to; written once, at version 0.
pub(crate) fn whatsapp_ref_stream(provider: ProviderId, reference: &str) -> StreamId {
    StreamId::new(
        AggregateKind::WhatsAppRef,
        format!("{provider}:{reference}"),
    )
}

/// What a WhatsApp reference points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum WhatsAppTarget {
    /// A WABA onboarding.
    Account { id: WabaAccountId },
    /// A message of a conversation (a session's, or a client's).
    Message { conversation: uuid::Uuid, seq: u32 },
}

/// A WABA onboarding as the API shows it: never a token or a PIN, not even sealed (P-WABA-3).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WabaAccountView {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: WabaAccountId,
    /// `embedded_signup` (Meta) or `bsp` (Sinch).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub path: WabaPath,
    /// `code_received`, `token_exchanged`, `webhooks_subscribed`, `credit_line_shared`,
    /// `active`, `signup_expired`; or `submitted`, `in_review`, `approved`, `rejected`,
    /// `resubmitted`.
    pub status: String,
    /// The session it was started from, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Uuid))]
    pub session_id: Option<SessionId>,
    /// Embedded Signup: the WABA's id at Meta.
    pub waba_id: Option<String>,
    /// Embedded Signup: the phone number's id at Meta.
    pub phone_number_id: Option<String>,
    /// Embedded Signup: the client's business id.
    pub business_id: Option<String>,
    /// Embedded Signup: the saga's steps done, in order (`code_exchange`,
    /// `webhook_subscription`, `credit_line_sharing`, `phone_registration`).
    pub steps_done: Vec<String>,
    /// Embedded Signup: the step due next, if any.
    pub next_step: Option<String>,
    /// The last failed step, its reason and time.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub last_failure: Option<StepFailure>,
    /// When the business token expires (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub token_expires_at: Option<OffsetDateTime>,
    /// True when the token nears its expiry and could not be refreshed.
    pub token_expiring: bool,
    /// The latest quality rating (`green`, `yellow`, `red`) and when Meta reported it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub quality: Option<QualityMark>,
    /// BSP: the sender's id at the BSP.
    pub sender_id: Option<String>,
    /// BSP: the display name submitted.
    pub display_name: Option<String>,
    /// BSP: the sender's number.
    pub phone: Option<String>,
    /// BSP: submissions so far (the first and every resubmission).
    pub submissions: u32,
    /// BSP: the last rejection's reason.
    pub rejection: Option<String>,
    /// BSP: why the review stopped being followed (the BSP no longer knows the sender), until
    /// a report or `POST .../retry` polls again.
    pub review_failure: Option<crate::waba::ReviewFailure>,
    /// Meta's last review decision on the WABA (`APPROVED`, `REJECTED`, `PENDING`,
    /// `DEFERRED`), from `account_review_update`.
    pub account_review: Option<String>,
    /// Meta's last `account_update` event word (`PARTNER_ADDED`, `ACCOUNT_VIOLATION`, ...).
    pub account_event: Option<String>,
    /// The message templates' statuses Meta reported (`message_template_status_update`), by
    /// template id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub templates: std::collections::BTreeMap<String, crate::waba::TemplateMark>,
    /// BSP: the proof that the business owns the sender's number: `not_required`,
    /// `required` (request a code: `POST .../register`), `code_sent` (give it back: `POST
    /// .../verify`) or `verified`.
    pub number_verification: String,
    /// BSP: how the last code was sent (`sms`, `voice`), if one was.
    pub number_verification_method: Option<String>,
    /// BSP: codes sent to the number so far.
    pub verification_codes_sent: u32,
    /// Created at (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub created_at: Option<OffsetDateTime>,
    /// Last change (RFC 3339).
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub updated_at: Option<OffsetDateTime>,
}

impl WabaRecord {
    pub(crate) fn view(&self) -> Result<WabaAccountView, WhatsAppServiceError> {
        let s = &self.state;
        Ok(WabaAccountView {
            id: self.id.ok_or(WhatsAppServiceError::WabaNotFound)?,
            path: s.path.ok_or(WhatsAppServiceError::WabaNotFound)?,
            status: s.status.as_str().to_owned(),
            session_id: self.session_id,
            waba_id: s.signup.as_ref().map(|i| i.waba_id.as_str().to_owned()),
            phone_number_id: s
                .signup
                .as_ref()
                .map(|i| i.phone_number_id.as_str().to_owned()),
            business_id: s.signup.as_ref().map(|i| i.business_id.as_str().to_owned()),
            steps_done: s.steps_done.iter().map(|x| x.as_str().to_owned()).collect(),
            next_step: s.next_step().map(|x| x.as_str().to_owned()),
            last_failure: s.last_failure.clone(),
            token_expires_at: s.token_expires_at,
            token_expiring: s.token_expiring,
            quality: s.quality,
            sender_id: s.sender_id.clone(),
            display_name: self.bsp.as_ref().map(|b| b.display_name.clone()),
            phone: self.bsp.as_ref().map(|b| b.phone.clone()),
            submissions: s.submissions,
            rejection: s.rejection.clone(),
            review_failure: s.review_failure.clone(),
            account_review: s.account_review.clone(),
            account_event: s.account_event.clone(),
            templates: s.templates.clone(),
            number_verification: s.number.as_str().to_owned(),
            number_verification_method: s.number_method.map(|m| m.as_str().to_owned()),
            verification_codes_sent: s.codes_sent,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }

    /// Whether the account is far enough along to prove its session step: active for
    /// `whatsapp_signup`, submitted (any BSP status) for `whatsapp_sender`.
    pub(crate) fn proves_its_step(&self) -> bool {
        match self.state.path {
            Some(WabaPath::EmbeddedSignup) => self.state.status == WabaStatus::Active,
            Some(WabaPath::Bsp) => self.state.submissions > 0,
            None => false,
        }
    }

    pub(crate) fn signup_ids(&self) -> Result<&SignupIds, WhatsAppServiceError> {
        self.state
            .signup
            .as_ref()
            .ok_or(WhatsAppServiceError::WabaNotFound)
    }
}

impl WhatsAppService {
    pub(crate) fn waba_decider(&self) -> WabaDecider {
        WabaDecider::with_code_ttl(self.policy.code_ttl)
    }

    pub(crate) async fn load_waba(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
    ) -> Result<Versioned<WabaRecord>, WhatsAppServiceError> {
        self.core
            .load_versioned(tenant, &waba_stream(id))
            .await?
            .ok_or(WhatsAppServiceError::WabaNotFound)
    }

    /// Decides `command` on the account `id` as `tx` reads it and records its events; answers
    /// the record after them and the events.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::WabaNotFound`]; [`WhatsAppServiceError::Waba`] when the decider refuses.
    pub(crate) async fn decide_waba(
        &self,
        tx: &mut Tx<'_>,
        id: WabaAccountId,
        command: &WabaCommand,
    ) -> Result<(WabaRecord, Vec<WabaEvent>), WhatsAppServiceError> {
        let current = tx
            .load::<WabaRecord>(id)
            .await?
            .ok_or(WhatsAppServiceError::WabaNotFound)?;
        let decider = self.waba_decider();
        let events = decider.decide(&current.state, command)?;
        let after = tx.apply(&WabaRecords(&decider), id, events.clone())?;
        Ok((after, events))
    }

    /// Completes, in `tx`, the session step account `record` was made for, when the account
    /// proves it and that step is the session's current one; anything else is left as it is
    /// (the client may submit the step itself later).
    pub(crate) async fn complete_waba_step(
        &self,
        tx: &mut Tx<'_>,
        record: &WabaRecord,
    ) -> Result<(), WhatsAppServiceError> {
        let (Some(id), Some(session), Some(step)) = (record.id, record.session_id, &record.step)
        else {
            return Ok(());
        };
        if !record.proves_its_step() {
            return Ok(());
        }
        let Some(current) = tx.load::<SessionState>(session).await? else {
            return Ok(());
        };
        let flow = self.core.flow_of(&current)?;
        let command = SessionCommand::SubmitStep {
            proof: Some(StepProof::Waba(id)),
            step: step.clone(),
            answers: serde_json::json!({ "waba_account_id": id.to_string() }),
            verified_phone: None,
            at: self.core.clock.now(),
        };
        if let Ok(events) = SessionDecider::new(&flow).decide(&current, &command) {
            self.core.apply_session(tx, &flow, session, events)?;
        }
        Ok(())
    }

    /// Points the WhatsApp reference `reference` of `provider` at `target` in `tx` (a new one,
    /// or one pointing elsewhere).
    pub(crate) async fn point_whatsapp_ref(
        &self,
        tx: &mut Tx<'_>,
        provider: ProviderId,
        reference: &str,
        target: &WhatsAppTarget,
    ) -> Result<(), WhatsAppServiceError> {
        let key = whatsapp_ref_stream(provider, reference).id;
        tx.load::<WhatsAppTarget>(&key).await?;
        tx.record(key, target.clone())?;
        Ok(())
    }

    /// What a WhatsApp reference of `tenant` points at, if it is known.
    pub(crate) async fn whatsapp_target(
        &self,
        tenant: TenantId,
        provider: ProviderId,
        reference: &str,
    ) -> Result<Option<WhatsAppTarget>, WhatsAppServiceError> {
        Ok(self
            .core
            .load_versioned::<WhatsAppTarget>(tenant, &whatsapp_ref_stream(provider, reference))
            .await?
            .map(|v| v.state))
    }

    /// A WhatsApp Business Account onboarding of the tenant.
    ///
    /// # Errors
    /// [`WhatsAppServiceError::WabaNotFound`] (also for another tenant's id).
    pub async fn waba_account(
        &self,
        tenant: TenantId,
        id: WabaAccountId,
    ) -> Result<WabaAccountView, WhatsAppServiceError> {
        self.load_waba(tenant, id).await?.state.view()
    }

    /// The tenant's WABA onboardings (its clients, MISSION.md D), newest first, at most
    /// `limit` (1 to 100) after the opaque `cursor`.
    ///
    /// # Errors
    /// Store failures.
    pub async fn list_waba_accounts(
        &self,
        tenant: TenantId,
        status: Option<String>,
        limit: u32,
        cursor: Option<String>,
    ) -> Result<(Vec<WabaAccountView>, Option<String>), WhatsAppServiceError> {
        let page = self
            .core
            .store
            .list(
                tenant,
                AggregateKind::WabaAccount,
                &ListQuery {
                    status,
                    limit: limit.clamp(1, 100),
                    cursor,
                    ..ListQuery::default()
                },
            )
            .await?;
        let views = page
            .items
            .iter()
            .map(|loaded| {
                super::super::persist::state_of::<WabaRecord>(loaded, &self.core.flows)?.view()
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((views, page.next_cursor))
    }

    /// The session's step of `kind` to attach an account to: the step named, which must be of
    /// that kind, or the flow's first step of that kind.
    pub(crate) async fn whatsapp_step_of(
        &self,
        tenant: TenantId,
        session: SessionId,
        step: Option<&str>,
        kind: StepKind,
    ) -> Result<StepId, WhatsAppServiceError> {
        let current = self.core.load_session(tenant, session).await?;
        let flow = self.core.flow_of(&current.state)?;
        flow.steps()
            .iter()
            .find(|s| s.kind() == kind && step.is_none_or(|name| s.id().as_str() == name))
            .map(|s| s.id().clone())
            .ok_or(WhatsAppServiceError::NoStepOfKind(kind.as_str()))
    }
}
