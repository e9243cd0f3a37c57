//! `Agent`: a member of the support team.

use async_graphql::{ID, Object};
use entity::agent;
use entity::enums::AgentRole;

use crate::graphql::Read;
use crate::ids::NodeKind;

pub struct Agent(pub agent::Model);

/// A support agent of the tenant.
#[Object(guard = "Read::Reference")]
impl Agent {
    /// The agent's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Agent.id(self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Work email address.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// What the agent may administer.
    async fn role(&self) -> AgentRole {
        self.0.role
    }
}
