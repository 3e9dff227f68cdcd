//! The card check of one trial attempt (customer, attach, claims, authorization), the record of
//! a decline, the void of an authorization and the start of the subscription (P-TRI-2).

use crate::ids::{TenantId, TrialId};
use crate::ports::{
    AttachCard, CardAuthorization, CardOnFile, NewCustomer, PaymentError, TrialSubscription,
};
use crate::trial::{ClaimKey, Decline, TrialClaim, TrialCommand, TrialState, claim};

use super::{TrialView, claim_stream, trial_key, void_key};
use crate::app::{PaymentService, PaymentServiceError};

impl PaymentService {
    /// Customer, attach, claims, authorization: the card check of one attempt.
    pub(super) async fn check_card(
        &self,
        tenant: TenantId,
        cards: &dyn CardOnFile,
        state: &TrialState,
        payment_method: &str,
    ) -> Result<(), PaymentServiceError> {
        let id = state.id.ok_or(PaymentServiceError::TrialNotFound)?;
        let attempt = state.attempts;
        let customer = match &state.customer {
            Some(c) => c.clone(),
            None => {
                let customer = cards
                    .create_customer(&NewCustomer {
                        tenant,
                        email: state.email.clone().unwrap_or_default(),
                        phone: state.phone.as_ref().map(ToString::to_string),
                        trial_ref: id.to_string(),
                        key: trial_key(tenant, state, 0, "customer"),
                    })
                    .await?;
                self.execute_trial(
                    tenant,
                    id,
                    |_, at| TrialCommand::RecordCustomer {
                        customer: customer.clone(),
                        at,
                    },
                    None,
                )
                .await?;
                customer
            }
        };
        let card = cards
            .attach_card(&AttachCard {
                customer: customer.clone(),
                payment_method: payment_method.to_owned(),
                key: trial_key(tenant, state, attempt, "attach"),
            })
            .await;
        let card = self.declined(tenant, id, payment_method, card).await?;
        let keys = ClaimKey::of(&card.fingerprint, state.phone.as_ref());
        self.reserve_claims(tenant, id, &keys).await?;
        let terms = state
            .terms
            .clone()
            .ok_or(PaymentServiceError::TrialNotFound)?;
        let authorization = cards
            .authorize(&CardAuthorization {
                customer,
                payment_method: card.payment_method.clone(),
                amount: terms.verification_amount,
                key: trial_key(tenant, state, attempt, "authorize"),
            })
            .await;
        let authorization = self
            .declined(tenant, id, payment_method, authorization)
            .await?;
        self.execute_trial(
            tenant,
            id,
            |_, at| TrialCommand::RecordAuthorization {
                card: card.clone(),
                authorization: authorization.clone(),
                at,
            },
            None,
        )
        .await?;
        Ok(())
    }

    /// Claims `keys` for trial `id` before any money moves, or refuses when another trial of
    /// the tenant holds one (P-TRI-3). Two trials racing for a key conflict on its stream at
    /// version 0; the loser reads the winner's claim.
    async fn reserve_claims(
        &self,
        tenant: TenantId,
        id: TrialId,
        keys: &[ClaimKey],
    ) -> Result<(), PaymentServiceError> {
        self.execute(tenant, |tx| {
            Box::pin(async move {
                let mut held = Vec::with_capacity(keys.len());
                for key in keys {
                    let stream = claim_stream(key);
                    let state = tx.load::<TrialClaim>(&stream.id).await?.unwrap_or_default();
                    held.push((key, state));
                }
                let free = claim(id, held.iter().map(|(k, s)| (*k, s)))
                    .map_err(|_| PaymentServiceError::TrialAlreadyUsed)?;
                for key in &free {
                    tx.record(claim_stream(key).id, TrialClaim { trial: Some(id) })?;
                }
                Ok(())
            })
        })
        .await
    }

    /// A decline is recorded on the trial and answered CARD_DECLINED; other outcomes pass.
    pub(super) async fn declined<T>(
        &self,
        tenant: TenantId,
        id: TrialId,
        payment_method: &str,
        result: Result<T, PaymentError>,
    ) -> Result<T, PaymentServiceError> {
        match result {
            Err(PaymentError::CardDeclined {
                code,
                decline_code,
                message,
            }) => {
                let decline = Decline {
                    payment_method: payment_method.to_owned(),
                    code: code.clone(),
                    decline_code: decline_code.clone(),
                    message: message.clone(),
                };
                self.execute_trial(
                    tenant,
                    id,
                    |_, at| TrialCommand::RecordDecline {
                        decline: decline.clone(),
                        at,
                    },
                    None,
                )
                .await?;
                Err(PaymentServiceError::CardDeclined {
                    code,
                    decline_code,
                    message,
                })
            }
            other => Ok(other?),
        }
    }

    /// Voids one authorization and records it (the void job's work too).
    pub(crate) async fn void(
        &self,
        tenant: TenantId,
        cards: &dyn CardOnFile,
        state: &TrialState,
        authorization: &str,
        job: Option<crate::ids::JobId>,
    ) -> Result<(), PaymentServiceError> {
        let id = state.id.ok_or(PaymentServiceError::TrialNotFound)?;
        cards
            .void_authorization(authorization, &void_key(tenant, state, authorization))
            .await?;
        self.execute_trial(
            tenant,
            id,
            |_, at| TrialCommand::RecordVoid {
                authorization: authorization.to_owned(),
                at,
            },
            job,
        )
        .await?;
        Ok(())
    }

    /// Starts the subscription of a verified, voided card (P-TRI-2).
    pub(super) async fn start(
        &self,
        tenant: TenantId,
        cards: &dyn CardOnFile,
        id: TrialId,
    ) -> Result<TrialView, PaymentServiceError> {
        let state = self.load_trial(tenant, id).await?.state;
        if state.started_at.is_some() {
            return TrialView::of(&state);
        }
        let (Some(customer), Some(card), Some(terms)) =
            (&state.customer, &state.card, &state.terms)
        else {
            return Err(crate::trial::TrialError::CardNotVerified("no verified card").into());
        };
        let subscription = cards
            .start_trial(&TrialSubscription {
                customer: customer.clone(),
                price: terms.price.clone(),
                payment_method: card.payment_method.clone(),
                trial_days: terms.days,
                trial_ref: id.to_string(),
                key: trial_key(tenant, &state, state.attempts, "subscription"),
            })
            .await?;
        let after = self
            .execute_trial(
                tenant,
                id,
                |_, at| TrialCommand::Start {
                    subscription: subscription.clone(),
                    at,
                },
                None,
            )
            .await?;
        TrialView::of(&after)
    }
}
