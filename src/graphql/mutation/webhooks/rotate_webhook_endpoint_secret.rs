//! `rotateWebhookEndpointSecret`: a new signing secret, the old one signing too for
//! a while.

use std::time::Duration;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::webhook_endpoint::WebhookEndpoint;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::rules::invalid;
use crate::service::webhooks::rotate;

/// Input of `rotateWebhookEndpointSecret`.
#[derive(InputObject)]
pub struct RotateWebhookEndpointSecretInput {
    /// The endpoint whose secret to replace.
    pub id: ID,
    /// How long the current secret keeps signing beside the new one, so that the
    /// receiver can switch without missing an event (default a day, at most 7
    /// days; 0 stops it at once).
    #[graphql(default = 86400)]
    pub grace_period_seconds: i32,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `rotateWebhookEndpointSecret`.
#[derive(SimpleObject)]
pub struct RotateWebhookEndpointSecretPayload {
    /// The endpoint (`previousSecretExpiresAt` says until when the old secret signs).
    pub endpoint: Option<WebhookEndpoint>,
    /// The new secret, shown this once.
    pub secret: Option<String>,
    /// Why it was not rotated (INVALID_VALUE: the grace period).
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct RotateWebhookEndpointSecretMutation;

#[Object]
impl RotateWebhookEndpointSecretMutation {
    /// Gives an endpoint a new signing secret. During the grace period every post
    /// carries two signatures in `webhook-signature`, one per secret. Needs `admin`.
    async fn rotate_webhook_endpoint_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint and the grace period.")]
        input: RotateWebhookEndpointSecretInput,
    ) -> Result<RotateWebhookEndpointSecretPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let id = input_id(&input.id, NodeKind::WebhookEndpoint)?;
        let rotated = match u64::try_from(input.grace_period_seconds) {
            Ok(seconds) => rotate(writer(ctx)?, viewer, id, Duration::from_secs(seconds)).await,
            Err(_) => Err(invalid(&["gracePeriodSeconds"], "may not be negative")),
        };
        let (rotated, user_errors) = settle(rotated)?;
        let (endpoint, secret) = rotated.unzip();
        Ok(RotateWebhookEndpointSecretPayload {
            endpoint: endpoint.map(WebhookEndpoint),
            secret,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
