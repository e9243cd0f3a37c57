//! `offerRating`: ask the customer to rate a conversation.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RatingType;

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::rating_edge;
use crate::graphql::mutation::{input_id, input_id_opt, settle};
use crate::graphql::types::rating::Rating;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::pagination::Cursor;
use crate::service::ratings::{Offer, offer};

/// Input of `offerRating`.
#[derive(InputObject)]
pub struct OfferRatingInput {
    /// The conversation to rate (it may be CLOSED: surveys usually follow the close).
    pub conversation_id: ID,
    /// The scale: CSAT (1 to 5) or THUMBS_UP_OR_DOWN (0 or 1).
    pub rating_type: RatingType,
    /// The survey's language, e.g. `en` (default: the conversation's).
    pub language: Option<String>,
    /// The agent being rated (default: the conversation's assignee, else the viewer).
    pub agent_id: Option<ID>,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `offerRating`.
#[derive(SimpleObject)]
pub struct OfferRatingPayload {
    /// The offered rating (null when refused).
    pub rating: Option<Rating>,
    /// The rating's edge in `Conversation.ratings`, to insert into a cached list.
    pub rating_edge: Option<Edge<Cursor, Rating, EmptyFields>>,
    /// Why the rating was not offered, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct OfferRatingMutation;

#[Object]
impl OfferRatingMutation {
    /// Offers a satisfaction rating to the conversation's requester; it is OFFERED
    /// until `submitRating` records the answer.
    async fn offer_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and the kind of rating.")] input: OfferRatingInput,
    ) -> Result<OfferRatingPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let new = Offer {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            rating_type: input.rating_type,
            language: input.language,
            agent_id: input_id_opt(input.agent_id.as_ref(), NodeKind::Agent)?,
        };
        let (rating, user_errors) =
            settle(offer(writer(ctx)?, viewer, new, input.idempotency_key.as_deref()).await)?;
        Ok(OfferRatingPayload {
            rating_edge: rating.as_ref().map(rating_edge),
            rating: rating.map(Rating),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
