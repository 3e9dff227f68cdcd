//! The shipped templates.

use super::support::*;

#[test]
fn the_conversational_profile_template_loads() {
    let flow = loaded(PROFILE);
    assert_eq!(flow.id().as_str(), "conversational-profile");
    assert_eq!(flow.version(), 1);
    let ids: Vec<&str> = flow.steps().iter().map(|s| s.id().as_str()).collect();
    assert_eq!(
        ids,
        [
            "welcome",
            "phone",
            "consent",
            "goal",
            "income_type",
            "income_complexity",
            "confidence",
            "complete"
        ]
    );
    let complexity = flow
        .step(&sid("income_complexity"))
        .expect("conditional step");
    assert_eq!(
        complexity.when().map(|c| c.step().as_str()),
        Some("income_type")
    );
    assert_eq!(flow.step_index(&sid("income_complexity")), Some(5));
    assert!(flow.capability_rule().is_some());
    for step in flow.steps() {
        let prompt = step.prompt().expect("every step has a chat prompt");
        for n in 1..=step.options().len() {
            assert!(
                prompt.contains(&format!("{n}.")),
                "{} lists option {n}",
                step.id()
            );
        }
    }
}

#[test]
fn the_platform_setup_template_loads() {
    let flow = loaded(SETUP);
    assert_eq!(flow.id().as_str(), "platform-setup");
    assert_eq!(flow.steps().len(), 13);
    let admin = flow.step(&sid("admin_phone")).expect("admin step");
    assert!(admin.admin_only());
    assert_eq!(admin.kind(), StepKind::PhoneVerification);
    let optional: Vec<&str> = flow
        .steps()
        .iter()
        .filter(|s| !s.required())
        .map(|s| s.id().as_str())
        .collect();
    assert_eq!(
        optional,
        [
            "ai_features",
            "knowledge_base",
            "team",
            "workflows",
            "customer_portal",
            "data_import",
            "analytics"
        ]
    );
    assert!(flow.steps().iter().all(|s| s.estimated_seconds() > 0));
}

#[test]
fn every_form_field_of_the_templates_has_an_example_and_the_examples_fill_the_form() {
    for flow in [loaded(PROFILE), loaded(SETUP)] {
        for step in flow.steps().iter().filter(|s| s.kind() == StepKind::Form) {
            let mut filled = serde_json::Map::new();
            for field in step.schema().fields() {
                let example = field.example().expect("every form field has an example");
                filled.insert(field.name().to_owned(), example.clone());
            }
            assert_eq!(
                step.schema().validate(&Value::Object(filled)),
                Ok(()),
                "{}",
                step.id()
            );
        }
    }
}

#[test]
fn load_all_loads_both_templates() {
    let flows = load_all(&[
        ("conversational-profile.toml", PROFILE),
        ("platform-setup.toml", SETUP),
    ])
    .expect("both load");
    assert_eq!(flows.len(), 2);
}

#[test]
fn load_all_refuses_a_second_template_with_the_same_id_and_version() {
    let err = load_all(&[("a.toml", SETUP), ("b.toml", SETUP)]).expect_err("duplicate");
    assert_eq!(
        err,
        (
            "b.toml".to_owned(),
            FlowError::DuplicateFlow {
                id: "platform-setup".to_owned(),
                version: 1
            }
        )
    );
}

#[test]
fn load_all_names_the_template_that_fails() {
    let err = load_all(&[("good.toml", SETUP), ("bad.toml", HEADER)]).expect_err("no steps");
    assert_eq!(err, ("bad.toml".to_owned(), FlowError::EmptyFlow));
}

#[test]
fn omitted_keys_take_their_documented_defaults() {
    let flow =
        load("[[steps]]\nid = \"hello\"\nkind = \"info\"\ntitle = \"Hello\"\n").expect("loads");
    let step = &flow.steps()[0];
    assert_eq!(flow.inactivity_timeout_seconds(), 86_400);
    assert!(step.required());
    assert!(!step.admin_only());
    assert_eq!(step.estimated_seconds(), 60);
    assert_eq!(step.prompt(), None);
    assert!(step.schema().fields().is_empty());
}
