//! Payment steps: the `[steps.payment]` table of `card_on_file_trial` and `paypal_checkout`
//! (issue 4, item 2), and the two templates that use them.

use onramp_domain::flow::{CheckoutTerms, PaymentTerms};
use onramp_domain::money::Money;

use super::support::*;

const UNIFIED: &str = include_str!("../../../spec/flows/unified-voice-first.toml");
const RECEPTIONIST: &str = include_str!("../../../spec/flows/ai-receptionist.toml");

fn invalid(step: &str, message: &str) -> Result<Flow, FlowError> {
    Err(FlowError::InvalidPayment {
        step: step.to_owned(),
        message: message.to_owned(),
    })
}

#[test]
fn the_unified_voice_first_template_has_a_seven_day_trial_after_the_phone_then_its_waba() {
    let flow = loaded(UNIFIED);
    assert_eq!(flow.version(), 2);
    let kinds: Vec<StepKind> = flow.steps().iter().map(|s| s.kind()).collect();
    assert_eq!(
        kinds,
        [
            StepKind::PhoneVerification,
            StepKind::Form,
            StepKind::CardOnFileTrial,
            StepKind::WhatsAppSender,
            StepKind::Review
        ]
    );
    let v1 = loaded(include_str!(
        "../../../spec/flows/unified-voice-first-v1.toml"
    ));
    assert_eq!((v1.id(), v1.version()), (flow.id(), 1));
    let Some(PaymentTerms::Trial(terms)) = flow.step(&sid("trial")).and_then(|s| s.payment())
    else {
        panic!("the trial step has trial terms");
    };
    assert_eq!(terms.days, 7);
    assert_eq!(terms.verification_amount, Money::new(100, "USD").unwrap());
    assert_eq!(terms.price, "price_business_monthly");
}

#[test]
fn the_ai_receptionist_template_buys_first_then_has_seven_steps() {
    let flow = loaded(RECEPTIONIST);
    let ids: Vec<&str> = flow.steps().iter().map(|s| s.id().as_str()).collect();
    assert_eq!(
        ids,
        [
            "purchase",
            "business_info",
            "phone_setup",
            "caller_responses",
            "calendar",
            "demo",
            "review",
            "go_live"
        ]
    );
    assert_eq!(
        flow.step(&sid("purchase")).and_then(|s| s.payment()),
        Some(&PaymentTerms::Checkout(CheckoutTerms {
            plan: "receptionist_pro".into(),
            amount: Money::new(4900, "USD").unwrap()
        }))
    );
    assert!(!flow.step(&sid("calendar")).unwrap().required());
}

#[test]
fn trial_defaults_are_seven_days_and_one_dollar() {
    let flow = load("[[steps]]\nid = \"t\"\nkind = \"card_on_file_trial\"\ntitle = \"Trial\"\n[steps.payment]\nplan = \"pro\"\nprice_id = \"price_1\"\n").unwrap();
    let Some(PaymentTerms::Trial(terms)) = flow.steps()[0].payment() else {
        panic!("trial terms");
    };
    assert_eq!((terms.days, terms.verification_amount.amount), (7, 100));
    assert_eq!(terms.verification_amount.currency, "USD");
}

#[test]
fn payment_tables_are_checked() {
    let trial = |table: &str| {
        load(&format!(
            "[[steps]]\nid = \"t\"\nkind = \"card_on_file_trial\"\ntitle = \"Trial\"\n{table}"
        ))
    };
    assert_eq!(
        trial(""),
        invalid(
            "t",
            "a card_on_file_trial step needs a [steps.payment] table"
        )
    );
    assert_eq!(
        trial("[steps.payment]\nplan = \"pro\"\n"),
        invalid(
            "t",
            "`price_id` (the provider's price, `price_…`) is required"
        )
    );
    assert_eq!(
        trial("[steps.payment]\nplan = \"pro\"\nprice_id = \"p\"\ntrial_days = 0\n"),
        invalid("t", "`trial_days` must be 1 to 730, not 0")
    );
    assert!(matches!(
        trial("[steps.payment]\nplan = \"pro\"\nprice_id = \"p\"\ncurrency = \"XYZ\"\n"),
        Err(FlowError::InvalidPayment { .. })
    ));
    let checkout = |table: &str| {
        load(&format!(
            "[[steps]]\nid = \"c\"\nkind = \"paypal_checkout\"\ntitle = \"Buy\"\n{table}"
        ))
    };
    assert_eq!(
        checkout("[steps.payment]\nplan = \"pro\"\n"),
        invalid("c", "`amount` (minor units) is required")
    );
    assert!(matches!(
        checkout("[steps.payment]\nplan = \"pro\"\namount = 0\n"),
        Err(FlowError::InvalidPayment { .. })
    ));
    assert_eq!(
        load(
            "[[steps]]\nid = \"i\"\nkind = \"info\"\ntitle = \"Hi\"\n[steps.payment]\nplan = \"pro\"\n"
        ),
        invalid("i", "a info step takes no [steps.payment] table")
    );
}

#[test]
fn payment_steps_answer_with_the_trial_or_order_id() {
    let flow = loaded(RECEPTIONIST);
    let schema = flow.step(&sid("purchase")).unwrap().schema();
    assert!(
        schema
            .validate(&json!({ "order_id": "0193a1b2-0000-7000-8000-000000000000" }))
            .is_ok()
    );
    assert!(schema.validate(&json!({ "order_id": "nope" })).is_err());
}
