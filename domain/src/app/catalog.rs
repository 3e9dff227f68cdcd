//! The loaded flow templates, by id and version.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::flow::{Flow, FlowId};

use super::CoreError;

/// Every loaded flow version. Sessions pin (id, version) at start, so older versions stay
/// loadable as long as their files are shipped.
#[derive(Debug, Default)]
pub struct FlowCatalog {
    flows: BTreeMap<(FlowId, u32), Arc<Flow>>,
}

impl FlowCatalog {
    /// A catalog of `flows`.
    pub fn new(flows: impl IntoIterator<Item = Flow>) -> Self {
        let flows = flows
            .into_iter()
            .map(|f| ((f.id().clone(), f.version()), Arc::new(f)))
            .collect();
        Self { flows }
    }

    /// The newest version of each flow, ordered by id.
    pub fn latest(&self) -> Vec<Arc<Flow>> {
        let mut out: BTreeMap<&FlowId, &Arc<Flow>> = BTreeMap::new();
        for ((id, _), flow) in &self.flows {
            out.insert(id, flow); // versions ascend within an id, so the last one wins
        }
        out.into_values().cloned().collect()
    }

    /// The newest version of `id`.
    ///
    /// # Errors
    /// [`CoreError::TemplateNotFound`].
    pub fn newest(&self, id: &str) -> Result<Arc<Flow>, CoreError> {
        self.flows
            .iter()
            .rev()
            .find(|((fid, _), _)| fid.as_str() == id)
            .map(|(_, f)| f.clone())
            .ok_or_else(|| CoreError::TemplateNotFound(id.to_string()))
    }

    /// Exactly `id` at `version`.
    ///
    /// # Errors
    /// [`CoreError::FlowVersionUnavailable`].
    pub fn pinned(&self, id: &FlowId, version: u32) -> Result<Arc<Flow>, CoreError> {
        self.flows
            .get(&(id.clone(), version))
            .cloned()
            .ok_or_else(|| CoreError::FlowVersionUnavailable {
                flow_id: id.to_string(),
                version,
            })
    }
}
