//! Unit tests of reading a flow definition and of the answer policy, with the shipped templates.

use super::*;

fn flow() -> FlowDef {
    let value = json!({
        "id": "demo", "version": 1, "title": "Demo", "description": "",
        "steps": [
            { "id": "welcome", "kind": "info", "title": "Welcome", "estimated_seconds": 5 },
            { "id": "phone", "kind": "phone_verification", "title": "Phone" },
            { "id": "consent", "kind": "consent", "title": "Consent" },
            { "id": "income_type", "kind": "choice", "title": "Income",
              "options": [{ "id": "salaried", "label": "A salary" }, { "id": "self_employed", "label": "Self" }] },
            { "id": "goal", "kind": "choice", "title": "Goal",
              "options": [{ "id": "learn", "label": "Learn" }, { "id": "file", "label": "File" }] },
            { "id": "org", "kind": "form", "title": "Org", "fields": [
                { "name": "name", "type": "string", "min_length": 2, "example": "Acme" },
                { "name": "size", "type": "string", "enum": ["1-10", "11-50"] },
                { "name": "seats", "type": "integer", "required": false, "minimum": 1 },
                { "name": "billing", "type": "email" },
                { "name": "ok", "type": "boolean", "required": true, "example": false }
            ]},
            { "id": "opt_a", "kind": "form", "title": "A", "required": false,
              "fields": [{ "name": "x", "type": "boolean", "example": true }] },
            { "id": "opt_b", "kind": "info", "title": "B", "required": false },
            { "id": "opt_c", "kind": "info", "title": "C", "required": false },
            { "id": "done", "kind": "review", "title": "Review" }
        ]
    });
    FlowDef::from_json(&value).expect("a valid definition")
}

fn action(policy: &AnswerPolicy, step: &str) -> Action {
    let flow = flow();
    let step = flow.step(step).expect("step exists").clone();
    policy.action(&flow, &step).expect("an action")
}

#[test]
fn simple_kinds_get_their_fixed_answers() {
    let policy = AnswerPolicy::default();
    assert_eq!(action(&policy, "welcome"), Action::Submit(json!({})));
    assert_eq!(
        action(&policy, "consent"),
        Action::Submit(json!({ "accepted": true }))
    );
    assert_eq!(
        action(&policy, "done"),
        Action::Submit(json!({ "confirmed": true }))
    );
    assert_eq!(action(&policy, "phone"), Action::VerifyPhone);
}

#[test]
fn choices_take_the_first_option_unless_a_preference_names_another() {
    let policy = AnswerPolicy::default();
    assert_eq!(
        action(&policy, "goal"),
        Action::Submit(json!({ "choice": "learn" }))
    );
    assert_eq!(
        action(&policy, "income_type"),
        Action::Submit(json!({ "choice": "self_employed" }))
    );
}

#[test]
fn a_preference_for_a_missing_option_is_refused() {
    let mut policy = AnswerPolicy::default();
    policy.choices.insert("goal".into(), "nope".into());
    let flow = flow();
    let step = flow.step("goal").expect("step exists");
    let err = policy.action(&flow, step).expect_err("unknown option");
    assert!(format!("{err:#}").contains("no option `nope`"), "{err:#}");
    assert!(policy.check_choices(&flow).is_err());
    assert!(AnswerPolicy::default().check_choices(&flow).is_ok());
}

#[test]
fn forms_use_examples_and_make_up_required_values_only() {
    let answers = action(&AnswerPolicy::default(), "org");
    assert_eq!(
        answers,
        Action::Submit(
            json!({ "name": "Acme", "size": "1-10", "billing": "demo@example.com", "ok": false })
        )
    );
}

#[test]
fn alternate_answers_the_first_optional_step_and_skips_the_second() {
    let policy = AnswerPolicy::default();
    assert_eq!(
        action(&policy, "opt_a"),
        Action::Submit(json!({ "x": true }))
    );
    assert_eq!(action(&policy, "opt_b"), Action::Skip);
    assert_eq!(action(&policy, "opt_c"), Action::Submit(json!({})));
}

#[test]
fn skip_and_answer_policies_apply_to_optional_steps_only() {
    let skip = AnswerPolicy {
        optional: OptionalSteps::Skip,
        ..AnswerPolicy::default()
    };
    assert_eq!(action(&skip, "opt_a"), Action::Skip);
    assert_eq!(action(&skip, "welcome"), Action::Submit(json!({})));
    let answer = AnswerPolicy {
        optional: OptionalSteps::Answer,
        ..AnswerPolicy::default()
    };
    assert_eq!(action(&answer, "opt_b"), Action::Submit(json!({})));
}

#[test]
fn an_unknown_kind_is_refused() {
    let flow = FlowDef::from_json(&json!({
        "id": "x", "version": 1, "title": "X",
        "steps": [{ "id": "s", "kind": "signature", "title": "Sign" }]
    }))
    .expect("shape is fine");
    let err = AnswerPolicy::default()
        .action(&flow, &flow.steps[0])
        .expect_err("unknown kind");
    assert!(format!("{err:#}").contains("signature"), "{err:#}");
}

#[test]
fn the_shipped_templates_are_answerable() {
    for file in ["conversational-profile.toml", "platform-setup.toml"] {
        let path = format!("{}/../../spec/flows/{file}", env!("CARGO_MANIFEST_DIR"));
        let source = std::fs::read_to_string(&path).expect("template readable");
        let flow = onramp_domain::flow::Flow::from_toml(&source).expect("template valid");
        let def = FlowDef::from_json(&flow.to_definition_json()).expect("definition readable");
        for step in &def.steps {
            AnswerPolicy::default()
                .action(&def, step)
                .expect("an action for every step");
        }
    }
}

#[test]
fn choice_overrides_parse_step_equals_option() {
    assert_eq!(
        parse_choice("goal=file"),
        Ok(("goal".into(), "file".into()))
    );
    assert!(parse_choice("goal").is_err());
    assert!(parse_choice("=file").is_err());
}
