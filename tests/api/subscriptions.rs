//! conversationEvents over graphql-transport-ws: delivery after commit, tenant
//! isolation, refused tokens, and delivery across two gateway processes sharing
//! one PostgreSQL database.

use std::time::Duration;

use entity::enums::ConversationState;
use entity::{agent, conversation};
use futures_util::{SinkExt, StreamExt};
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::{ALL_SCOPES, SECRET, TestDb, TestServer, gid, parley, post_json, serve};

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) const EVENTS: &str = "subscription($id: ID, $types: [ActivityType!]) { conversationEvents(conversationId: $id, types: $types) { type conversation { id } agent { id } } }";
pub(crate) const CLAIM: &str = "mutation($input: ClaimConversationInput!) { claimConversation(input: $input) { userErrors { code } } }";

/// Opens a graphql-transport-ws connection with `token` in the init payload.
pub(crate) async fn connect(base: &str, token: &str) -> (Socket, Option<Value>) {
    let mut request = format!("{}/graphql/ws", base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::text(init.to_string())).await.unwrap();
    let first = next_message(&mut socket).await;
    (socket, first)
}

/// A socket acknowledged for a token of `agent` in `tenant` that lives `ttl`, and the token.
pub(crate) async fn connected(
    server: &TestServer,
    tenant: &str,
    agent: i64,
    ttl: Duration,
) -> (Socket, String) {
    let token = server.jwt.mint(tenant, agent, ALL_SCOPES, ttl).unwrap();
    let (socket, ack) = connect(&server.url, &token).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    (socket, token)
}

/// The next text message as JSON, a close frame as `{"close": code}`, or None after 10 s.
pub(crate) async fn next_message(socket: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .ok()??
        {
            Ok(Message::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(Message::Close(frame)) => {
                return Some(json!({ "close": frame.map(|f| u16::from(f.code)) }));
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

pub(crate) async fn subscribe(socket: &mut Socket, id: &str, variables: Value) {
    let message = json!({ "id": id, "type": "subscribe", "payload": { "query": EVENTS, "variables": variables } });
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
    // The protocol does not confirm a subscription: give the server (busy with the
    // rest of the suite) time to read the message and set it up.
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// An OPEN conversation of `tenant` with no assignee, and an agent of the tenant.
pub(crate) async fn claimable(server_db: &sea_orm::DatabaseConnection, tenant: &str) -> (i64, i64) {
    use sea_orm::{ActiveModelTrait, Set};
    let conv = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::State.eq(ConversationState::Open))
        .one(server_db)
        .await
        .unwrap()
        .unwrap();
    let mut row: conversation::ActiveModel = conv.clone().into();
    row.assignee_id = Set(None);
    row.update(server_db).await.unwrap();
    let agent = agent::Entity::find()
        .filter(agent::Column::TenantId.eq(tenant))
        .one(server_db)
        .await
        .unwrap()
        .unwrap();
    (conv.id, agent.id)
}

pub(crate) async fn claim(base: &str, token: &str, conversation: i64) {
    let body = json!({ "query": CLAIM, "variables": { "input": { "conversationId": gid(NodeKind::Conversation, conversation) } } });
    let reply = post_json(base, &format!("Bearer {token}"), &body).await;
    assert_eq!(
        reply["data"]["claimConversation"]["userErrors"],
        json!([]),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn events_arrive_after_commit_for_the_viewers_tenant_only() {
    let server = TestServer::start(2, 10).await;
    let (conv1, agent1) = claimable(&server.db, "tenant-1").await;
    let (conv2, agent2) = claimable(&server.db, "tenant-2").await;
    let token1 = server
        .jwt
        .mint("tenant-1", agent1, ALL_SCOPES, Duration::from_secs(600))
        .unwrap();
    let token2 = server
        .jwt
        .mint("tenant-2", agent2, ALL_SCOPES, Duration::from_secs(600))
        .unwrap();

    let (mut one, ack) = connect(&server.url, &token1).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    subscribe(
        &mut one,
        "a",
        json!({ "id": gid(NodeKind::Conversation, conv1) }),
    )
    .await;
    let (mut two, _) = connect(&server.url, &token2).await;
    subscribe(&mut two, "b", json!({ "types": ["CLAIMED"] })).await;

    claim(&server.url, &token1, conv1).await;
    let event = next_message(&mut one).await.expect("an event");
    assert_eq!(event["type"], "next");
    assert_eq!(event["id"], "a");
    let activity = &event["payload"]["data"]["conversationEvents"];
    assert_eq!(activity["type"], "CLAIMED");
    assert_eq!(
        activity["conversation"]["id"],
        gid(NodeKind::Conversation, conv1)
    );
    assert_eq!(activity["agent"]["id"], gid(NodeKind::Agent, agent1));

    // Tenant 2 saw nothing of that; its own claim is the first thing it gets.
    claim(&server.url, &token2, conv2).await;
    let event = next_message(&mut two).await.expect("an event");
    assert_eq!(
        event["payload"]["data"]["conversationEvents"]["conversation"]["id"],
        gid(NodeKind::Conversation, conv2)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tokens_close_the_socket_with_4403() {
    let server = TestServer::start(1, 3).await;
    let expired = {
        let now = chrono::Utc::now().timestamp();
        let claims = json!({ "sub": "1", "tenant": "tenant-1", "scope": "conversation:read", "exp": now - 3600 });
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };
    for token in ["garbage", expired.as_str()] {
        let (_socket, reply) = connect(&server.url, token).await;
        assert_eq!(reply, Some(json!({ "close": 4403 })), "{token}");
    }
    // A token without conversation:read can connect but not subscribe.
    let tickets_only = server.token_for("tenant-1", "ticket:read").await;
    let (mut socket, ack) = connect(&server.url, &tickets_only).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    subscribe(&mut socket, "x", json!({})).await;
    let reply = next_message(&mut socket).await.unwrap();
    assert_eq!(reply["type"], "next");
    assert_eq!(
        reply["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{reply}"
    );
    assert_eq!(next_message(&mut socket).await.unwrap()["type"], "complete");
}

#[tokio::test(flavor = "multi_thread")]
async fn events_cross_gateway_processes_on_postgres() {
    if std::env::var("PARLEY_TEST_DATABASE_URL").is_err() {
        return; // SQLite has one process by design; this is PostgreSQL's LISTEN/NOTIFY.
    }
    let test_db = TestDb::new().await;
    let args = parley::config::DbArgs::url(test_db.url.clone(), 4);
    let db = crate::common::seeded(&args, 1, 5).await;
    let (conv, agent) = claimable(&db, "tenant-1").await;
    let start = || {
        serve(
            parley()
                .args(["serve", "--bind", "127.0.0.1:0"])
                .env("DATABASE_URL", &test_db.url)
                .env("PARLEY_JWT_SECRET", SECRET),
        )
    };
    // Hold the output pipes open: a server whose stdout is closed dies on its next line.
    let (_a, url_a, _out_a) = start();
    let (_b, url_b, _out_b) = start();
    let source = parley::auth::KeySource::Secret {
        secret: SECRET.as_bytes().to_vec(),
        generated: false,
    };
    let token = parley::auth::JwtConfig::new(source, None, None)
        .unwrap()
        .mint("tenant-1", agent, ALL_SCOPES, Duration::from_secs(600))
        .unwrap();

    let (mut socket, ack) = connect(&url_a, &token).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    subscribe(
        &mut socket,
        "x",
        json!({ "id": gid(NodeKind::Conversation, conv) }),
    )
    .await;
    claim(&url_b, &token, conv).await;
    let event = next_message(&mut socket)
        .await
        .expect("the event committed through B reaches A's subscriber");
    assert_eq!(
        event["payload"]["data"]["conversationEvents"]["type"],
        "CLAIMED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lagging_subscriber_is_told_and_dropped_without_holding_up_the_feed() {
    use std::sync::Arc;

    use entity::activity;
    use entity::enums::ActivityType;
    use parley::auth::{Auth, Scopes, Viewer};
    use parley::events::{BUFFER, Event, Events};

    let server = TestServer::start(0, 0).await;
    let (events, feed) = Events::manual();
    let schema = parley::graphql::builder()
        .data(events)
        .data(server.db.clone())
        .finish();
    let viewer = Viewer {
        tenant: "tenant-1".into(),
        agent_id: 1,
        scopes: Scopes::parse("conversation:read"),
        expires_at: None,
    };
    let request = async_graphql::Request::new("subscription { conversationEvents { type } }")
        .data(Auth(Ok(viewer)))
        .data(Arc::new(parley::loader::connection_loaders(
            server.db.clone(),
        )));
    let mut stream = schema.execute_stream(request);
    let event = |id: i64| {
        Event::Committed(Arc::new(activity::Model {
            id,
            tenant_id: "tenant-1".into(),
            conversation_id: None,
            kind: ActivityType::Tagged,
            actor_id: None,
            occurred_at: 0,
            agent_id: None,
            from_agent_id: None,
            from_queue_id: None,
            to_queue_id: None,
            tag_id: None,
            message_id: None,
            note_id: None,
            rating_id: None,
            ticket_id: None,
            other_conversation_id: None,
            webhook_endpoint_id: None,
        }))
    };
    // The first event sets the subscription up; then the subscriber stops reading.
    let first = tokio::spawn({
        let feed = feed.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            feed.send(event(1)).unwrap();
        }
    });
    let response = stream.next().await.unwrap();
    assert_eq!(
        response.data.into_json().unwrap()["conversationEvents"]["type"],
        "TAGGED"
    );
    first.await.unwrap();
    // The feed goes on without waiting for the slow subscriber.
    for id in 2..(BUFFER as i64 + 100) {
        feed.send(event(id)).unwrap();
    }
    let mut delivered = 0;
    let told = loop {
        let response = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap()
            .expect("told before the end");
        if let Some(error) = response.errors.first() {
            break error.message.clone();
        }
        delivered += 1;
    };
    assert!(told.contains("fell") && told.contains("behind"), "{told}");
    assert!(
        delivered < BUFFER,
        "the oldest events were dropped, not buffered without bound"
    );
    assert!(
        tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap()
            .is_none(),
        "and the subscription ends"
    );
}
