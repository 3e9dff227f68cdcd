//! Flow templates: the ones built into the binary (`spec/flows/*.toml`), or a folder of them
//! (`ONRAMP_FLOWS_DIR`), validated at start-up.

use std::path::Path;

use anyhow::Context;
use onramp_domain::flow::{self, Flow};

/// The templates shipped in `spec/flows/`, compiled in so the server runs from anywhere.
pub const BUILTIN_FLOWS: &[(&str, &str)] = &[
    (
        "conversational-profile.toml",
        include_str!("../../../spec/flows/conversational-profile.toml"),
    ),
    (
        "platform-setup.toml",
        include_str!("../../../spec/flows/platform-setup.toml"),
    ),
    (
        "unified-voice-first.toml",
        include_str!("../../../spec/flows/unified-voice-first.toml"),
    ),
    (
        "unified-voice-first-v1.toml",
        include_str!("../../../spec/flows/unified-voice-first-v1.toml"),
    ),
    (
        "ai-receptionist.toml",
        include_str!("../../../spec/flows/ai-receptionist.toml"),
    ),
    (
        "solution-partner-whatsapp.toml",
        include_str!("../../../spec/flows/solution-partner-whatsapp.toml"),
    ),
];

/// Loads and validates the built-in templates, or every `*.toml` of `dir`.
///
/// # Errors
/// An unreadable folder or file, or the first invalid template, named with its file.
pub fn load(dir: Option<&Path>) -> anyhow::Result<Vec<Flow>> {
    let owned: Vec<(String, String)> = match dir {
        None => BUILTIN_FLOWS
            .iter()
            .map(|(n, s)| ((*n).to_string(), (*s).to_string()))
            .collect(),
        Some(dir) => {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(dir)
                .with_context(|| format!("reading flow folder {}", dir.display()))?
            {
                let path = entry?.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    files.push((path.display().to_string(), text));
                }
            }
            files.sort();
            files
        }
    };
    let borrowed: Vec<(&str, &str)> = owned
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    flow::load_all(&borrowed).map_err(|(name, e)| anyhow::anyhow!("flow template {name}: {e}"))
}
