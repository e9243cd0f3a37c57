//! `Queue`: where conversations wait to be claimed.

use async_graphql::{ID, Object};
use entity::queue;

use crate::graphql::Read;
use crate::ids::NodeKind;

pub struct Queue(pub queue::Model);

/// A queue (team inbox) that conversations are routed to.
#[Object(guard = "Read::Reference")]
impl Queue {
    /// The queue's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Queue.id(self.0.id)
    }

    /// Display name, unique within the tenant.
    async fn name(&self) -> &str {
        &self.0.name
    }
}
