//! Capability.

use super::support::*;

fn assess(pairs: &[(&str, &str)]) -> CapabilityAssessment {
    let flow = loaded(PROFILE);
    flow.capability_rule()
        .expect("a capability rule")
        .evaluate(&choices(pairs))
}

fn level(name: &str, score: i64) -> CapabilityAssessment {
    CapabilityAssessment {
        level: name.to_owned(),
        score,
    }
}

#[test]
fn the_profile_capability_levels_follow_the_documented_examples() {
    let salaried = |goal, confidence| {
        assess(&[
            ("goal", goal),
            ("income_type", "salaried"),
            ("confidence", confidence),
        ])
    };
    assert_eq!(salaried("learn", "low"), level("beginner", 2));
    assert_eq!(salaried("file", "medium"), level("intermediate", 6));
    assert_eq!(
        assess(&[
            ("goal", "check"),
            ("income_type", "business"),
            ("income_complexity", "complex"),
            ("confidence", "high")
        ]),
        level("intermediate", 5)
    );
    assert_eq!(
        assess(&[
            ("goal", "organise"),
            ("income_type", "self_employed"),
            ("income_complexity", "simple"),
            ("confidence", "high")
        ]),
        level("advanced", 7)
    );
    assert_eq!(
        assess(&[
            ("goal", "file"),
            ("income_type", "pension"),
            ("confidence", "high")
        ]),
        level("advanced", 8)
    );
    assert_eq!(assess(&[]), level("beginner", 0));
}

fn with_capability(table: &str) -> Result<Flow, FlowError> {
    load(&format!("{CHOICE_AND_FORM}\n[capability]\n{table}\n"))
}

#[test]
fn a_capability_rule_must_name_existing_choice_steps_and_options() {
    let levels = "levels = [{ min = 0, level = \"low\" }, { min = 1, level = \"high\" }]\n[capability.points]\n";
    for bad in [
        "\"income.business\" = 1",
        "\"income_type.retired\" = 1",
        "\"details.name\" = 1",
        "\"income_type\" = 1",
    ] {
        let err = with_capability(&format!("{levels}{bad}"));
        assert!(
            matches!(err, Err(FlowError::CapabilityRule { .. })),
            "{bad}: {err:?}"
        );
    }
    assert!(with_capability(&format!("{levels}\"income_type.business\" = 1")).is_ok());
}

#[test]
fn capability_levels_must_ascend_from_at_most_zero_and_be_reachable() {
    let points = "[capability.points]\n\"income_type.business\" = 3\n";
    for bad in [
        "levels = [{ min = 1, level = \"low\" }]",
        "levels = [{ min = 0, level = \"low\" }, { min = 0, level = \"high\" }]",
        "levels = [{ min = 0, level = \"low\" }, { min = 4, level = \"high\" }]",
        "levels = []",
    ] {
        let err = with_capability(&format!("{bad}\n{points}"));
        assert!(
            matches!(err, Err(FlowError::CapabilityRule { .. })),
            "{bad}: {err:?}"
        );
    }
}
