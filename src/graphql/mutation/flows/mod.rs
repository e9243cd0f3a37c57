//! The tenant's telephony and messaging flows (`service::flows`).

mod create_flow;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct FlowWrites(create_flow::CreateFlowMutation);
