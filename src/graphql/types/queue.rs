//! `Queue`: where conversations wait to be claimed.

use async_graphql::{ID, Object};
use entity::queue;

use crate::ids::NodeKind;

/// A queue (team inbox) that conversations are routed to.
pub struct Queue(pub queue::Model);

#[Object]
impl Queue {
    /// The queue's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Queue.id(self.0.id)
    }

    /// Display name, unique within the tenant.
    async fn name(&self) -> &str {
        &self.0.name
    }
}
