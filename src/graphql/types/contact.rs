//! `Contact`: the customer on the other side of a conversation.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::contact;

use super::at_opt;
use crate::graphql::Read;
use crate::ids::NodeKind;

pub struct Contact(pub contact::Model);

/// A customer who writes to the support team.
#[Object(guard = "Read::Reference")]
impl Contact {
    /// The contact's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Contact.id(self.0.id)
    }

    /// Email address (null once anonymized).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Given name.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }

    /// Family name.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    /// The company the contact works for.
    async fn organization_name(&self) -> Option<&str> {
        self.0.organization_name.as_deref()
    }

    /// The company's web domain.
    async fn organization_domain(&self) -> Option<&str> {
        self.0.organization_domain.as_deref()
    }

    /// Picture URL.
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }

    /// The contact's id in the system of record it came from.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// When the contact's personal data was erased, if it was.
    async fn anonymized_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.anonymized_at)
    }
}
