//! `Flow`: a telephony or messaging flow of the tenant.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::enums::Channel;
use entity::flow;

use super::at;
use crate::graphql::Read;
use crate::ids::NodeKind;

pub struct Flow(pub flow::Model);

/// A flow conversations of a channel enter through: an IVR menu on a phone
/// number, a routing script of a chat widget.
#[Object(guard = "Read::Reference")]
impl Flow {
    /// The flow's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Flow.id(self.0.id)
    }

    /// Its name, unique within the tenant.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The channel it answers.
    async fn channel(&self) -> Channel {
        self.0.channel
    }

    /// The phone number or address it answers, e.g. `+559912443333`.
    async fn contact_endpoint_id(&self) -> Option<&str> {
        self.0.contact_endpoint_id.as_deref()
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }
}
