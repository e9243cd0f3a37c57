//! GraphQL over WebSocket: the handshake, socket limits and close codes.

use std::sync::Arc;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message};
use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};

use super::sockets::{Handshake, SocketExecutor};
use super::{AppState, sockets};
use crate::events::LAST_EVENT_WAIT;
use crate::loader::connection_loaders;

/// Marks a refused `connection_init`, so that its close frame gets the protocol's code.
pub(super) const REFUSED: &str = "Forbidden: ";
/// Marks a `connection_init` over a socket limit, closed with 4429.
pub(super) const TOO_MANY: &str = "Too many sockets: ";

/// Subscriptions over graphql-transport-ws. Browsers cannot set headers on a
/// websocket, so the token comes in the `connection_init` payload as
/// `{"Authorization": "Bearer <token>"}`; a bad one closes the socket with 4403, one
/// whose agent or tenant holds too many sockets with 4429, and a socket that sends
/// no `connection_init` in time is closed with 4408.
pub(super) async fn subscriptions(
    State(app): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let sockets = app.sockets.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            sockets.track_future(async move {
                let (mut sink, stream) = socket.split();
                // On shutdown, subscriptions get a moment to deliver their last events
                // and complete; then the socket closes with 1001 (going away).
                let closing = app.events.closing();
                let stream = stream.take_until(async move {
                    closing.await;
                    tokio::time::sleep(LAST_EVENT_WAIT * 3).await;
                });
                let (jwt, db, accounts) = (app.jwt.clone(), app.db.clone(), app.accounts.clone());
                let (limits, handshake) = (app.socket_limits.clone(), Handshake::default());
                app.metrics.subscriptions.inc();
                let messages = (&mut sink)
                    .with(|message| async move { Ok::<_, axum::Error>(protocol_close(message)) });
                let executor = SocketExecutor::new(app.schema.clone(), &app.options.sockets);
                let session = GraphQLWebSocket::new_with_pair(messages, stream, executor, protocol)
                    .on_connection_init({
                        let handshake = handshake.clone();
                        move |payload| async move {
                            handshake.started();
                            let header = ["Authorization", "authorization"]
                                .iter()
                                .find_map(|k| payload.get(*k)?.as_str());
                            let auth = accounts.authenticate(&jwt, header).await;
                            let viewer = match &auth.0 {
                                Ok(viewer) => viewer,
                                Err(err) => {
                                    return Err(async_graphql::Error::new(format!(
                                        "{REFUSED}{}",
                                        err.message()
                                    )));
                                }
                            };
                            handshake.admit(&limits, viewer).map_err(|why| {
                                async_graphql::Error::new(format!("{TOO_MANY}{why}"))
                            })?;
                            let mut data = Data::default();
                            data.insert(auth);
                            data.insert(Arc::new(connection_loaders(db)));
                            Ok(data)
                        }
                    })
                    .serve();
                let timeout = app.options.sockets.socket_init_timeout;
                let close = if handshake.within(timeout, session).await {
                    // Shutting down: the socket goes away with the server.
                    app.sockets.is_closed().then(|| CloseFrame {
                        code: 1001,
                        reason: "the server is shutting down".into(),
                    })
                } else {
                    Some(CloseFrame {
                        code: sockets::INIT_TIMEOUT,
                        reason: "Connection initialisation timeout".into(),
                    })
                };
                app.metrics.subscriptions.dec();
                if let Some(frame) = close {
                    let _ = sink.send(Message::Close(Some(frame))).await;
                }
                // The handshake's admission goes with it: the socket no longer counts.
                drop(handshake);
            })
        })
}

/// The close codes of graphql-transport-ws where async-graphql has its own: a refused
/// `connection_init` is 4403 (not 1002), one over a socket limit 4429, and an
/// operation before `connection_ack` 4401 (not 1011). A reason is cut to fit a close
/// frame (123 bytes).
pub(super) fn protocol_close(message: Message) -> Message {
    let Message::Close(Some(frame)) = message else {
        return message;
    };
    let code = match frame.code {
        1002 if frame.reason.starts_with(REFUSED) => 4403,
        1002 if frame.reason.starts_with(TOO_MANY) => sockets::TOO_MANY_REQUESTS,
        1011 if frame.reason.starts_with("The handshake is not completed") => 4401,
        code => code,
    };
    let mut end = frame.reason.len().min(123);
    while !frame.reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: frame.reason.as_str()[..end].into(),
    }))
}
