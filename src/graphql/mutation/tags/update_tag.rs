//! `updateTag`: rename, retire or revive a tag (needs `admin`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::TagState;

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::tag::Tag;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::tags::{TagChanges, update};

/// Input of `updateTag`; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateTagInput {
    /// The tag to change.
    pub tag_id: ID,
    /// A new name, unique within the tenant regardless of case (1 to 100 characters).
    pub name: Option<String>,
    /// INACTIVE retires the tag: it stays where it is but cannot be added anew; ACTIVE revives it.
    pub state: Option<TagState>,
    /// Whether the tag counts for reporting.
    pub relevant: Option<bool>,
    /// A new importance score. Once tickets carry the tag, the next change of its
    /// ticket links sets it to their mean salience again.
    pub score: Option<f64>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `updateTag`.
#[derive(SimpleObject)]
pub struct UpdateTagPayload {
    /// The tag as it is now (null when the change was refused).
    pub tag: Option<Tag>,
    /// Why the change was refused, if it was.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct UpdateTagMutation;

#[Object]
impl UpdateTagMutation {
    /// Changes a tag's name, state, relevance or score. Names stay unique per tenant
    /// regardless of case (DUPLICATE_NAME); an empty name is INVALID_VALUE.
    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag and what to change.")] input: UpdateTagInput,
    ) -> Result<UpdateTagPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let changes = TagChanges {
            tag_id: input_id(&input.tag_id, NodeKind::Tag)?,
            name: input.name,
            state: input.state,
            relevant: input.relevant,
            score: input.score,
        };
        let (tag, user_errors) = settle(update(writer(ctx)?, viewer, changes).await)?;
        Ok(UpdateTagPayload {
            tag: tag.map(Tag),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
