//! `submitRating`: record the customer's answer to an offered rating.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::rating::Rating;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::ratings::{Submission, submit};

/// Input of `submitRating`.
#[derive(InputObject)]
pub struct SubmitRatingInput {
    /// The offered rating.
    pub rating_id: ID,
    /// The score: 1 to 5 for CSAT, 0 (thumbs down) or 1 (thumbs up) for THUMBS_UP_OR_DOWN.
    pub score: i32,
    /// What the customer wrote, if anything (at most 5000 characters).
    pub comment: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `submitRating`.
#[derive(SimpleObject)]
pub struct SubmitRatingPayload {
    /// The rating as it is now (null when refused).
    pub rating: Option<Rating>,
    /// Why the answer was not recorded, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct SubmitRatingMutation;

#[Object]
impl SubmitRatingMutation {
    /// Records the score of an offered rating. A score outside the range of its type
    /// is INVALID_VALUE; a rating can be submitted once (ALREADY_SUBMITTED), and of
    /// concurrent submits exactly one wins.
    async fn submit_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rating and the customer's answer.")] input: SubmitRatingInput,
    ) -> Result<SubmitRatingPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let submission = Submission {
            rating_id: input_id(&input.rating_id, NodeKind::Rating)?,
            score: input.score,
            comment: input.comment,
        };
        let (rating, user_errors) = settle(submit(writer(ctx)?, viewer, submission).await)?;
        Ok(SubmitRatingPayload {
            rating: rating.map(Rating),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
