//! The subscription root: live activity of the viewer's tenant.

use async_graphql::{Context, ID, Result, Subscription};
use entity::activity;
use entity::enums::ActivityType;
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::types::activity::Activity;
use super::types::assistant_run::AssistantRunEvent;
use super::{require, row};
use crate::assistant::Assistant;
use crate::auth::Scope;
use crate::error::Error;
use crate::events::{Event, Events, LAST_EVENT_WAIT};
use crate::ids::{NodeKind, decode_as};

#[derive(Default)]
pub struct Subscription;

/// Live updates, over the graphql-transport-ws protocol at `/graphql/ws`.
#[Subscription]
impl Subscription {
    /// Every change committed from now on, one Activity each, in commit order:
    /// of one conversation or of the whole tenant, optionally only some types.
    /// A subscriber that falls too far behind, or that may have missed events while
    /// the database was away, gets a SERVICE_UNAVAILABLE error and the subscription
    /// ends: refetch, then subscribe again. The subscription also ends, with
    /// UNAUTHENTICATED, when the token it was started with expires.
    async fn conversation_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this conversation's changes.")] conversation_id: Option<ID>,
        #[graphql(desc = "Only changes of these types.")] types: Option<Vec<ActivityType>>,
    ) -> Result<impl Stream<Item = Result<Activity>>> {
        let viewer = require(ctx, Scope::ConversationRead)?.clone();
        let conversation = match conversation_id {
            Some(id) => {
                let key = decode_as(&id, NodeKind::Conversation);
                let found = row::<entity::conversation::Entity>(ctx, key).await?;
                Some(
                    found
                        .ok_or_else(|| Error::NotFound("conversation".into()))?
                        .id,
                )
            }
            None => None,
        };
        let events = ctx
            .data::<Events>()
            .map_err(|_| Error::Internal("no event source".into()))?;
        let mut receiver = events.subscribe().await;
        let closing = events.closing();
        let wanted = move |event: &activity::Model| {
            *event.tenant_id == *viewer.tenant
                && conversation.is_none_or(|c| event.conversation_id == Some(c))
                && types.as_ref().is_none_or(|t| t.contains(&event.kind))
        };
        Ok(async_stream::stream! {
            let mut closing = std::pin::pin!(closing);
            let mut closed = false;
            loop {
                // Shutting down: what the last writes committed may still be on its
                // way; deliver it, then complete.
                let received = if closed {
                    match tokio::time::timeout(LAST_EVENT_WAIT, receiver.recv()).await {
                        Ok(received) => received,
                        Err(_) => break,
                    }
                } else {
                    tokio::select! {
                        received = receiver.recv() => received,
                        () = &mut closing => {
                            closed = true;
                            continue;
                        }
                    }
                };
                match received {
                    Ok(Event::Committed(event)) if wanted(&event) => {
                        yield Ok(Activity((*event).clone()))
                    }
                    Ok(Event::Committed(_)) => {}
                    Ok(Event::Missed) => {
                        yield Err(Error::EventsMissed.into());
                        break;
                    }
                    Err(RecvError::Lagged(missed)) => {
                        yield Err(Error::Lagged(missed).into());
                        break;
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        })
    }

    /// The assistant's runs in one conversation as they write: STARTED, a CHUNK per
    /// few words (`delta`; `run.text` holds all written so far), then COMPLETED,
    /// CANCELLED or FAILED, for every run from now on (the next queued question's
    /// run follows). Runs this gateway writes only: subscribe to the replica that
    /// took `askAssistant` (a load balancer's sticky sessions), or follow
    /// `conversationEvents` for ASSISTANT_RUN_ENDED from any replica. A subscriber
    /// more than 1,024 events behind gets an error and the subscription ends.
    async fn assistant_run_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation whose runs to follow.")] conversation_id: ID,
    ) -> Result<impl Stream<Item = Result<AssistantRunEvent>>> {
        let viewer = require(ctx, Scope::ConversationRead)?.clone();
        let key = decode_as(&conversation_id, NodeKind::Conversation);
        let conversation = row::<entity::conversation::Entity>(ctx, key)
            .await?
            .ok_or_else(|| Error::NotFound("conversation".into()))?
            .id;
        let assistant = ctx
            .data::<Assistant>()
            .map_err(|_| Error::Internal("no assistant".into()))?;
        let mut receiver = assistant.runs.subscribe();
        let closing = ctx
            .data::<Events>()
            .map_err(|_| Error::Internal("no event source".into()))?
            .closing();
        Ok(async_stream::stream! {
            let mut closing = std::pin::pin!(closing);
            loop {
                let received = tokio::select! {
                    received = receiver.recv() => received,
                    () = &mut closing => break,
                };
                match received {
                    Ok(event)
                        if event.run.conversation_id == conversation
                            && *event.run.tenant_id == *viewer.tenant =>
                    {
                        yield Ok(AssistantRunEvent(event))
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        yield Err(Error::Lagged(missed).into());
                        break;
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        })
    }
}
