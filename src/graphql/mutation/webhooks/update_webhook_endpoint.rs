//! `updateWebhookEndpoint`: change an endpoint's URL, events or state.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::enums::ActivityType;

use super::allow_private;
use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::webhook_endpoint::WebhookEndpoint;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::webhooks::{EndpointFields, update};

/// Input of `updateWebhookEndpoint`: the fields given change, the others stay.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// The endpoint to change.
    pub id: ID,
    /// A new URL (checked as on registration).
    pub url: Option<String>,
    /// The events to post from now on (at least one).
    pub event_types: Option<Vec<ActivityType>>,
    /// A new description; null removes it.
    pub description: MaybeUndefined<String>,
    /// Turn posting on or off; turning it on clears `disabledReason`. Deliveries
    /// left PENDING while it was off are posted when it is on again.
    pub enabled: Option<bool>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `updateWebhookEndpoint`.
#[derive(SimpleObject)]
pub struct UpdateWebhookEndpointPayload {
    /// The endpoint as changed.
    pub endpoint: Option<WebhookEndpoint>,
    /// Why it was not changed (INVALID_VALUE).
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct UpdateWebhookEndpointMutation;

#[Object]
impl UpdateWebhookEndpointMutation {
    /// Changes a webhook endpoint. Needs `admin`.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint and its changes.")] input: UpdateWebhookEndpointInput,
    ) -> Result<UpdateWebhookEndpointPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let id = input_id(&input.id, NodeKind::WebhookEndpoint)?;
        let fields = EndpointFields {
            url: input.url,
            description: match input.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(text) => Some(Some(text)),
            },
            event_types: input.event_types,
            enabled: input.enabled,
        };
        let updated = update(writer(ctx)?, viewer, id, fields, allow_private(ctx)).await;
        let (endpoint, user_errors) = settle(updated)?;
        Ok(UpdateWebhookEndpointPayload {
            endpoint: endpoint.map(WebhookEndpoint),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
