//! Loading a set of templates at once.

use std::collections::BTreeSet;

use super::{Flow, FlowError};

/// Loads every template of `sources`, given as `(name, toml source)` pairs (the name is for
/// error reports, e.g. a file name), in order.
///
/// # Errors
/// Stops at the first template that does not load, returning its name and the [`FlowError`];
/// a template whose id and version another one already used gives
/// [`FlowError::DuplicateFlow`] with the name of the later one.
pub fn load_all(sources: &[(&str, &str)]) -> Result<Vec<Flow>, (String, FlowError)> {
    let mut seen = BTreeSet::new();
    let mut flows = Vec::with_capacity(sources.len());
    for (name, source) in sources {
        let flow = Flow::from_toml(source).map_err(|e| ((*name).to_owned(), e))?;
        if !seen.insert((flow.id().clone(), flow.version())) {
            return Err((
                (*name).to_owned(),
                FlowError::DuplicateFlow {
                    id: flow.id().as_str().to_owned(),
                    version: flow.version(),
                },
            ));
        }
        flows.push(flow);
    }
    Ok(flows)
}
