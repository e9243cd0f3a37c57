//! `createWebhookEndpoint`: register a URL for the tenant's events.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use entity::enums::ActivityType;

use super::allow_private;
use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::settle;
use crate::graphql::types::webhook_endpoint::WebhookEndpoint;
use crate::graphql::{require, writer};
use crate::service::webhooks::{EndpointFields, create};

/// Input of `createWebhookEndpoint`.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// Where to post: an http(s) URL on the public internet (private, loopback and
    /// link-local addresses are refused unless the operator allows them).
    pub url: String,
    /// The events to post (at least one).
    pub event_types: Vec<ActivityType>,
    /// What the endpoint is for, for people (at most 1,000 characters).
    pub description: Option<String>,
    /// Whether to post events to it from now on (default true).
    #[graphql(default = true)]
    pub enabled: bool,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `createWebhookEndpoint`.
#[derive(SimpleObject)]
pub struct CreateWebhookEndpointPayload {
    /// The registered endpoint.
    pub endpoint: Option<WebhookEndpoint>,
    /// The signing secret (`whsec_...`), shown this once: keep it to verify the
    /// `webhook-signature` header.
    pub secret: Option<String>,
    /// Why it was not registered (INVALID_VALUE: a bad URL or no event type;
    /// LIMIT_EXCEEDED: 20 endpoints already).
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct CreateWebhookEndpointMutation;

#[Object]
impl CreateWebhookEndpointMutation {
    /// Registers a webhook endpoint: from now on, each event of the given types is
    /// posted to it as JSON, signed per Standard Webhooks. Needs `admin`.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint to register.")] input: CreateWebhookEndpointInput,
    ) -> Result<CreateWebhookEndpointPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let fields = EndpointFields {
            url: Some(input.url),
            description: Some(input.description),
            event_types: Some(input.event_types),
            enabled: Some(input.enabled),
        };
        let created = create(writer(ctx)?, viewer, fields, allow_private(ctx)).await;
        let (created, user_errors) = settle(created)?;
        let (endpoint, secret) = created.unzip();
        Ok(CreateWebhookEndpointPayload {
            endpoint: endpoint.map(WebhookEndpoint),
            secret,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
