//! Customer accounts: opened in the same commit as the capture or conversion that pays for them
//! (P-PAY-1), read by id or listed by session or external reference.

use serde::Serialize;
use time::OffsetDateTime;

use crate::customer::{AccountSource, AccountStatus, CustomerEvent, CustomerState};
use crate::ids::{CustomerId, SessionId, TenantId};
use crate::ports::{AggregateKind, ListQuery, StreamId};

use super::super::aggregates::payments::Accounts;
use super::super::execute::Tx;
use super::super::persist::{Versioned, state_of};
use super::super::{CoreError, PaymentService, PaymentServiceError};

pub(crate) fn customer_stream(id: CustomerId) -> StreamId {
    StreamId::new(AggregateKind::Customer, id)
}

/// A customer account as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerView {
    /// Id.
    pub id: CustomerId,
    /// The plan bought.
    pub plan: String,
    /// `active`, `past_due` or `closed`.
    pub status: AccountStatus,
    /// What paid for it: `{"kind": "order" | "trial", "id": "<uuid>"}`.
    pub source: AccountSource,
    /// The onboarding session it came from.
    pub session_id: Option<SessionId>,
    /// E-mail, when known.
    pub email: Option<String>,
    /// The tenant's reference.
    pub external_ref: Option<String>,
    /// When it was opened, RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
}

impl CustomerView {
    fn of(s: &CustomerState) -> Result<Self, PaymentServiceError> {
        let corrupt = || CoreError::Corrupt("customer account without id".into());
        Ok(Self {
            id: s.id.ok_or_else(corrupt)?,
            plan: s.plan.clone(),
            status: s.status,
            source: s.source.ok_or_else(corrupt)?,
            session_id: s.session_id,
            email: s.email.clone(),
            external_ref: s.external_ref.clone(),
            opened_at: s.opened_at.ok_or_else(corrupt)?,
        })
    }
}

/// Filters of `GET /v1/customers`.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Accounts of this session.
    pub session_id: Option<SessionId>,
    /// Accounts with this external reference.
    pub external_ref: Option<String>,
    /// Page size, 1..=100.
    pub limit: u32,
    /// Cursor from a previous page.
    pub cursor: Option<String>,
}

/// What a new account is opened with.
pub(crate) struct NewAccount {
    pub id: CustomerId,
    pub plan: String,
    pub status: AccountStatus,
    pub source: AccountSource,
    pub session_id: Option<SessionId>,
    pub email: Option<String>,
    pub external_ref: Option<String>,
}

impl PaymentService {
    /// Records the opening of an account in `tx` (a new stream, at version 0), with a welcome
    /// e-mail when the address is known (MISSION.md E).
    pub(crate) fn open_account(
        &self,
        tx: &mut Tx<'_>,
        account: NewAccount,
        at: OffsetDateTime,
    ) -> Result<(), PaymentServiceError> {
        let event = CustomerEvent::Opened {
            id: account.id,
            plan: account.plan.clone(),
            status: account.status,
            source: account.source,
            session_id: account.session_id,
            email: account.email.clone(),
            external_ref: account.external_ref,
            at,
        };
        tx.apply(&Accounts, account.id, vec![event])?;
        if let Some(email) = &account.email {
            tx.enqueue(self.core.mail_job(
                email,
                format!("Welcome: your {} account is ready", account.plan),
                format!(
                    "Your {} account is active. Your account id is {}.",
                    account.plan, account.id
                ),
            )?);
        }
        Ok(())
    }

    /// Records a status change of an existing account in `tx` when the status differs.
    pub(crate) async fn set_account_status(
        &self,
        tx: &mut Tx<'_>,
        id: CustomerId,
        status: AccountStatus,
        at: OffsetDateTime,
    ) -> Result<(), PaymentServiceError> {
        let Some(current) = tx.load::<CustomerState>(id).await? else {
            return Ok(());
        };
        if current.status != status {
            tx.apply(
                &Accounts,
                id,
                vec![CustomerEvent::StatusChanged { status, at }],
            )?;
        }
        Ok(())
    }

    /// One account of `tenant`.
    ///
    /// # Errors
    /// [`PaymentServiceError::CustomerNotFound`] (also for another tenant's id).
    pub async fn customer(
        &self,
        tenant: TenantId,
        id: CustomerId,
    ) -> Result<CustomerView, PaymentServiceError> {
        let current: Versioned<CustomerState> = self
            .core
            .load_versioned(tenant, &customer_stream(id))
            .await?
            .ok_or(PaymentServiceError::CustomerNotFound)?;
        CustomerView::of(&current.state)
    }

    /// Accounts of `tenant`, newest first, filtered by session or external reference.
    ///
    /// # Errors
    /// Store failures; an invalid cursor.
    pub async fn customers(
        &self,
        tenant: TenantId,
        filter: &CustomerFilter,
    ) -> Result<(Vec<CustomerView>, Option<String>), PaymentServiceError> {
        let page = self
            .core
            .store
            .list(
                tenant,
                AggregateKind::Customer,
                &ListQuery {
                    session_id: filter.session_id.map(|s| s.to_string()),
                    external_ref: filter.external_ref.clone(),
                    limit: filter.limit,
                    cursor: filter.cursor.clone(),
                    ..ListQuery::default()
                },
            )
            .await?;
        let items = page
            .items
            .iter()
            .map(|row| CustomerView::of(&state_of(row, &self.core.flows)?))
            .collect::<Result<_, _>>()?;
        Ok((items, page.next_cursor))
    }
}
