//! Definition JSON.

use super::support::*;

#[test]
fn the_definition_json_round_trips_both_templates() {
    for flow in [loaded(PROFILE), loaded(SETUP), form_flow()] {
        let json = flow.to_definition_json();
        assert_eq!(Flow::from_definition_json(&json), Ok(flow.clone()));
        let again = Flow::from_definition_json(&json).expect("round trip");
        assert_eq!(again.digest(), flow.digest());
    }
}

#[test]
fn the_definition_json_shows_defaults_and_generated_schemas() {
    let json = loaded(PROFILE).to_definition_json();
    let goal = &json["steps"][3];
    assert_eq!(goal["id"], "goal");
    assert_eq!(goal["required"], true);
    assert_eq!(goal["fields"][0]["name"], "choice");
    assert_eq!(
        goal["fields"][0]["enum"],
        json!(["learn", "check", "organise", "file", "expert"])
    );
    assert_eq!(
        json["steps"][5]["when"],
        json!({ "step": "income_type", "field": "choice", "in": ["self_employed", "business"] })
    );
}

#[test]
fn a_definition_json_that_changes_a_fixed_schema_is_rejected() {
    let mut json = loaded(PROFILE).to_definition_json();
    json["steps"][3]["fields"][0]["enum"] = json!(["learn"]);
    assert_eq!(
        Flow::from_definition_json(&json),
        Err(FlowError::FieldsNotAllowed {
            step: "goal".to_owned(),
            kind: "choice".to_owned()
        })
    );
}

#[test]
fn a_definition_json_of_the_wrong_shape_is_rejected() {
    let err = Flow::from_definition_json(&json!({ "id": "x" }));
    assert!(matches!(err, Err(FlowError::Json { .. })), "{err:?}");
}

#[test]
fn errors_name_the_step_and_the_problem() {
    let err = FlowError::ConditionOnLaterStep {
        step: "more".to_owned(),
        refers_to: "income_type".to_owned(),
    };
    assert_eq!(
        err.to_string(),
        "the condition of step `more` refers to step `income_type`, which does not come before it"
    );
}
