//! Conditions.

use super::support::*;

fn condition_flow(test: &str) -> Flow {
    load(&format!(
        "{CHOICE_AND_FORM}\n[[steps]]\nid = \"more\"\nkind = \"info\"\ntitle = \"More\"\nwhen = {{ step = {test} }}\n"
    ))
    .expect("the condition flow loads")
}

fn holds(flow: &Flow, given: &BTreeMap<StepId, Value>) -> bool {
    let step = flow.step(&sid("more")).expect("conditional step");
    step.when().expect("a condition").evaluate(given)
}

#[test]
fn an_in_condition_holds_for_listed_values_only() {
    let flow = loaded(PROFILE);
    let when = flow
        .step(&sid("income_complexity"))
        .and_then(|s| s.when())
        .expect("condition");
    assert!(when.evaluate(&choices(&[("income_type", "self_employed")])));
    assert!(when.evaluate(&choices(&[("income_type", "business")])));
    assert!(!when.evaluate(&choices(&[("income_type", "salaried")])));
}

#[test]
fn a_not_in_condition_holds_for_other_values_only() {
    let flow = condition_flow("\"income_type\", field = \"choice\", not_in = [\"salaried\"]");
    assert!(holds(&flow, &choices(&[("income_type", "business")])));
    assert!(!holds(&flow, &choices(&[("income_type", "salaried")])));
}

#[test]
fn an_equals_condition_compares_strings_numbers_and_booleans() {
    let flow = condition_flow("\"details\", field = \"plan\", equals = \"growth\"");
    assert!(holds(
        &flow,
        &answers(&[("details", json!({ "name": "Ann", "plan": "growth" }))])
    ));
    assert!(!holds(
        &flow,
        &answers(&[("details", json!({ "name": "Ann", "plan": "starter" }))])
    ));
    let flow = condition_flow("\"details\", field = \"seats\", equals = 3");
    assert!(holds(
        &flow,
        &answers(&[("details", json!({ "seats": 3.0 }))])
    ));
    let flow = condition_flow("\"details\", field = \"newsletter\", equals = true");
    assert!(holds(
        &flow,
        &answers(&[("details", json!({ "newsletter": true }))])
    ));
    assert!(!holds(
        &flow,
        &answers(&[("details", json!({ "newsletter": false }))])
    ));
}

#[test]
fn a_condition_on_a_missing_answer_is_false_even_for_not_in() {
    let flow = condition_flow("\"income_type\", field = \"choice\", not_in = [\"salaried\"]");
    assert!(!holds(&flow, &BTreeMap::new()));
    let flow = condition_flow("\"details\", field = \"email\", not_in = [\"a@b.co\"]");
    assert!(!holds(
        &flow,
        &answers(&[("details", json!({ "name": "Ann", "email": null }))])
    ));
}
