//! Satisfaction ratings (`service::ratings`).

mod offer_rating;
mod submit_rating;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct RatingWrites(
    offer_rating::OfferRatingMutation,
    submit_rating::SubmitRatingMutation,
);
