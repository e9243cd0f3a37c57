//! `createFlow`: a new telephony or messaging flow (needs `admin`).

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use entity::enums::Channel;

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::flow_edge;
use crate::graphql::mutation::settle;
use crate::graphql::types::flow::Flow;
use crate::graphql::{require, writer};
use crate::pagination::Cursor;
use crate::service::flows::{NewFlow, create};

/// Input of `createFlow`.
#[derive(InputObject)]
pub struct CreateFlowInput {
    /// Its name, unique within the tenant (1 to 200 characters).
    pub name: String,
    /// The channel it answers.
    #[graphql(default_with = "Channel::Phone")]
    pub channel: Channel,
    /// The phone number or address it answers, e.g. `+559912443333`.
    pub contact_endpoint_id: Option<String>,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `createFlow`.
#[derive(SimpleObject)]
pub struct CreateFlowPayload {
    /// The new flow (null when refused).
    pub flow: Option<Flow>,
    /// Its edge in `flows`, to insert into a cached list.
    pub flow_edge: Option<Edge<Cursor, Flow, EmptyFields>>,
    /// Why it was not created, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct CreateFlowMutation;

#[Object]
impl CreateFlowMutation {
    /// Creates a flow. A name another flow of the tenant has is DUPLICATE_NAME.
    async fn create_flow(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The flow to create.")] input: CreateFlowInput,
    ) -> Result<CreateFlowPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let new = NewFlow {
            name: input.name,
            channel: input.channel,
            contact_endpoint_id: input.contact_endpoint_id,
        };
        let outcome = create(writer(ctx)?, viewer, new, input.idempotency_key.as_deref()).await;
        let (flow, user_errors) = settle(outcome)?;
        Ok(CreateFlowPayload {
            flow_edge: flow.as_ref().map(flow_edge),
            flow: flow.map(Flow),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
