//! `createTag`: a new topic label (needs `admin`).

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::tag_edge;
use crate::graphql::mutation::settle;
use crate::graphql::types::tag::Tag;
use crate::graphql::{require, writer};
use crate::pagination::Cursor;
use crate::service::tags::{NewTag, create};

/// Input of `createTag`.
#[derive(InputObject)]
pub struct CreateTagInput {
    /// The name, unique within the tenant regardless of case (1 to 100 characters).
    pub name: String,
    /// Whether the tag counts for reporting.
    #[graphql(default = true)]
    pub relevant: bool,
    /// Importance score.
    #[graphql(default = 0.0)]
    pub score: f64,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `createTag`.
#[derive(SimpleObject)]
pub struct CreateTagPayload {
    /// The new tag (null when refused).
    pub tag: Option<Tag>,
    /// The new tag's edge in `tags`, to insert into a cached list.
    pub tag_edge: Option<Edge<Cursor, Tag, EmptyFields>>,
    /// Why the tag was not created, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct CreateTagMutation;

#[Object]
impl CreateTagMutation {
    /// Creates a tag. Names are unique per tenant regardless of case (DUPLICATE_NAME).
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag to create.")] input: CreateTagInput,
    ) -> Result<CreateTagPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let new = NewTag {
            name: input.name,
            relevant: input.relevant,
            score: input.score,
        };
        let (tag, user_errors) =
            settle(create(writer(ctx)?, viewer, new, input.idempotency_key.as_deref()).await)?;
        let tag_edge = tag.as_ref().map(tag_edge);
        Ok(CreateTagPayload {
            tag: tag.map(Tag),
            tag_edge,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
