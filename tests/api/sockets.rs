//! What bounds a websocket: the time it may take to send `connection_init`, the
//! sockets an agent and a tenant may hold, the subscriptions one socket may run, the
//! lifetime of its token; and events committed while the PostgreSQL listener was
//! disconnected, which still reach subscribers.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use entity::activity;
use entity::enums::ActivityType;
use futures_util::{SinkExt, StreamExt};
use parley::config::{HttpOptions, SocketOptions};
use parley::events::BUFFER;
use parley::ids::NodeKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, EntityTrait, QueryFilter, QueryOrder,
    Set, Statement, TransactionTrait,
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::{ALL_SCOPES, Config, TestServer, gid};
use crate::subscriptions::{Socket, claim, claimable, connect, connected, next_message, subscribe};

const COUNT: &str = "{ conversations(first: 1) { totalCount } }";

/// A gateway with these socket options.
async fn server_with(sockets: SocketOptions) -> TestServer {
    let options = HttpOptions {
        sockets,
        ..HttpOptions::default()
    };
    TestServer::builder()
        .tenants(1)
        .conversations(5)
        .options(options)
        .start()
        .await
}

/// A graphql-transport-ws socket that has sent nothing yet.
async fn open(base: &str) -> Socket {
    let mut request = format!("{}/graphql/ws", base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The next message within `wait`, None when there is none.
async fn within(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await.ok()?? {
            Ok(Message::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(Message::Close(frame)) => {
                return Some(json!({ "close": frame.map(|f| u16::from(f.code)) }));
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

/// Whether the socket answers a ping: it is open and served.
async fn answers_ping(socket: &mut Socket) -> bool {
    let ping = json!({ "type": "ping" }).to_string();
    socket.send(Message::text(ping)).await.unwrap();
    next_message(socket)
        .await
        .is_some_and(|reply| reply["type"] == "pong")
}

/// A token of `tenant`'s `nth` agent (by id), valid for `ttl`.
async fn token_of(server: &TestServer, tenant: &str, nth: usize, ttl: Duration) -> String {
    let agents = entity::agent::Entity::find()
        .filter(entity::agent::Column::TenantId.eq(tenant))
        .order_by_asc(entity::agent::Column::Id)
        .all(&server.db)
        .await
        .unwrap();
    server
        .jwt
        .mint(tenant, agents[nth].id, ALL_SCOPES, ttl)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_without_connection_init_is_closed_with_4408() {
    let server = server_with(SocketOptions {
        socket_init_timeout: Duration::from_millis(600),
        ..SocketOptions::default()
    })
    .await;
    let token = server.token().await;
    let started = Instant::now();
    let mut idle = open(&server.url).await;
    let (mut greeted, ack) = connect(&server.url, &token).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");

    assert_eq!(
        next_message(&mut idle).await,
        Some(json!({ "close": 4408 }))
    );
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "not before the timeout"
    );
    // A socket that did send connection_init in time stays.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(answers_ping(&mut greeted).await);
    // One that subscribes before connection_init is unauthorised (4401).
    let mut eager = open(&server.url).await;
    let query = json!({ "query": "subscription { conversationEvents { type } }" });
    let message = json!({ "id": "1", "type": "subscribe", "payload": query });
    eager
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
    assert_eq!(
        next_message(&mut eager).await,
        Some(json!({ "close": 4401 }))
    );
    server.post(Some(&token), COUNT, json!({})).await.data();
}

#[tokio::test(flavor = "multi_thread")]
async fn sockets_over_an_agents_or_tenants_limit_are_closed_with_4429_until_one_closes() {
    let server = server_with(SocketOptions {
        max_sockets_per_agent: 2,
        max_sockets_per_tenant: 3,
        ..SocketOptions::default()
    })
    .await;
    let hour = Duration::from_secs(3600);
    let first_agent = token_of(&server, "tenant-1", 0, hour).await;
    let second_agent = token_of(&server, "tenant-1", 1, hour).await;

    let (mut one, ack) = connect(&server.url, &first_agent).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let (mut two, ack) = connect(&server.url, &first_agent).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let (_three, refused) = connect(&server.url, &first_agent).await;
    assert_eq!(refused, Some(json!({ "close": 4429 })), "the agent's third");
    let (_other, ack) = connect(&server.url, &second_agent).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let (_fourth, refused) = connect(&server.url, &second_agent).await;
    assert_eq!(
        refused,
        Some(json!({ "close": 4429 })),
        "the tenant's fourth"
    );
    // The first N still work.
    assert!(answers_ping(&mut one).await);
    assert!(answers_ping(&mut two).await);

    // Closing one gives its place back.
    one.close(None).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (mut again, reply) = connect(&server.url, &first_agent).await;
        if reply
            .as_ref()
            .is_some_and(|r| r["type"] == "connection_ack")
        {
            assert!(answers_ping(&mut again).await);
            break;
        }
        assert_eq!(reply, Some(json!({ "close": 4429 })));
        assert!(
            Instant::now() < deadline,
            "the closed socket's place came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
        .post(Some(&first_agent), COUNT, json!({}))
        .await
        .data();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_runs_at_most_so_many_subscriptions_at_once() {
    let server = server_with(SocketOptions {
        max_subscriptions_per_socket: 2,
        ..SocketOptions::default()
    })
    .await;
    let (conversation, agent) = claimable(&server.db, "tenant-1").await;
    let (mut socket, token) = connected(&server, "tenant-1", agent, Duration::from_secs(600)).await;
    subscribe(&mut socket, "a", json!({})).await;
    subscribe(&mut socket, "b", json!({})).await;
    subscribe(&mut socket, "c", json!({})).await;
    let refused = next_message(&mut socket).await.unwrap();
    assert_eq!(refused["id"], "c", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{refused}"
    );
    let done = next_message(&mut socket).await.unwrap();
    assert_eq!(
        (&done["type"], &done["id"]),
        (&json!("complete"), &json!("c"))
    );

    // Stopping one makes room for another.
    let stop = json!({ "id": "a", "type": "complete" }).to_string();
    socket.send(Message::text(stop)).await.unwrap();
    subscribe(&mut socket, "d", json!({})).await;
    claim(&server.url, &token, conversation).await;
    let mut delivered = HashSet::new();
    while delivered.len() < 2 {
        let event = next_message(&mut socket).await.expect("an event");
        if event == json!({ "id": "a", "type": "complete" }) {
            continue; // async-graphql confirms the client's complete
        }
        assert_eq!(event["type"], "next", "{event}");
        assert_eq!(
            event["payload"]["data"]["conversationEvents"]["type"], "CLAIMED",
            "{event}"
        );
        delivered.insert(event["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(delivered, HashSet::from(["b".to_owned(), "d".to_owned()]));
    server.post(Some(&token), COUNT, json!({})).await.data();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_ends_with_unauthenticated_when_its_token_expires() {
    let server = server_with(SocketOptions {
        subscription_expiry_leeway: Duration::from_secs(1),
        ..SocketOptions::default()
    })
    .await;
    let (conversation, agent) = claimable(&server.db, "tenant-1").await;
    let short = server
        .jwt
        .mint("tenant-1", agent, ALL_SCOPES, Duration::from_secs(5))
        .unwrap();
    let long = server
        .jwt
        .mint("tenant-1", agent, ALL_SCOPES, Duration::from_secs(600))
        .unwrap();
    let (mut socket, ack) = connect(&server.url, &short).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    subscribe(&mut socket, "x", json!({ "types": ["CLAIMED"] })).await;

    claim(&server.url, &long, conversation).await;
    let before = next_message(&mut socket)
        .await
        .expect("an event before expiry");
    assert_eq!(
        before["payload"]["data"]["conversationEvents"]["type"], "CLAIMED",
        "{before}"
    );

    let expired = next_message(&mut socket).await.expect("told at expiry");
    assert_eq!(expired["id"], "x", "{expired}");
    let error = &expired["payload"]["errors"][0];
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{expired}");
    assert!(
        error["message"].as_str().unwrap().contains("expired"),
        "{expired}"
    );
    let done = next_message(&mut socket).await.unwrap();
    assert_eq!(
        (&done["type"], &done["id"]),
        (&json!("complete"), &json!("x"))
    );

    // Nothing written afterwards reaches the socket, and it cannot subscribe again.
    let (conversation, _) = claimable(&server.db, "tenant-1").await;
    claim(&server.url, &long, conversation).await;
    assert_eq!(within(&mut socket, Duration::from_secs(2)).await, None);
    subscribe(&mut socket, "y", json!({})).await;
    let refused = next_message(&mut socket).await.unwrap();
    assert_eq!(refused["id"], "y", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );
    server.post(Some(&long), COUNT, json!({})).await.data();
}

/// A subscriber on PostgreSQL, whose gateway's listener loses its connection while
/// `rows` CLAIMED entries are committed; returns the socket (subscribed as `x` with
/// `{ id type }`), the server, a token and the first missed row's id.
async fn outage(rows: usize) -> Option<(Socket, TestServer, String, i64)> {
    let admin_url = std::env::var("PARLEY_TEST_DATABASE_URL").ok()?;
    let config = Config {
        pool_size: 4,
        acquire_timeout: Duration::from_secs(1),
        ..Config::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(5)
        .config(config)
        .start()
        .await;
    let (conversation, agent) = claimable(&server.db, "tenant-1").await;
    let (mut socket, token) = connected(&server, "tenant-1", agent, Duration::from_secs(600)).await;
    let query = "subscription { conversationEvents { id type } }";
    let message = json!({ "id": "x", "type": "subscribe", "payload": { "query": query } });
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The listener cannot come back while the test holds every other connection of
    // the pool and the database takes no new ones: a deterministic outage of the
    // listener alone, without restarting the shared server.
    let mut held = Vec::new();
    while let Ok(transaction) = server.db.begin().await {
        held.push(transaction);
    }
    let name = held[0]
        .query_one_raw(Statement::from_string(
            held[0].get_database_backend(),
            "SELECT current_database() AS name",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "name")
        .unwrap();
    let admin = Database::connect(&admin_url).await.unwrap();
    let allow = |allowed: bool| format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allowed}");
    admin.execute_unprepared(&allow(false)).await.unwrap();
    let killed = held[0]
        .query_all_raw(Statement::from_string(
            held[0].get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        ))
        .await
        .unwrap();
    assert_eq!(killed.len(), 1, "the listener's backend");

    // Written while nobody listens: their NOTIFYs go nowhere.
    let writer = held.pop().unwrap();
    let entry = || activity::ActiveModel {
        tenant_id: Set("tenant-1".into()),
        conversation_id: Set(Some(conversation)),
        kind: Set(ActivityType::Claimed),
        actor_id: Set(Some(agent)),
        agent_id: Set(Some(agent)),
        occurred_at: Set(chrono::Utc::now().timestamp_millis()),
        ..Default::default()
    };
    let first = entry().insert(&writer).await.unwrap().id;
    if rows > 1 {
        activity::Entity::insert_many((1..rows).map(|_| entry()))
            .exec(&writer)
            .await
            .unwrap();
    }
    writer.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    admin.execute_unprepared(&allow(true)).await.unwrap();
    for transaction in held {
        transaction.rollback().await.unwrap();
    }
    Some((socket, server, token, first))
}

#[tokio::test(flavor = "multi_thread")]
async fn events_committed_while_the_listener_is_away_reach_subscribers_on_postgres() {
    let Some((mut socket, server, token, missed)) = outage(1).await else {
        return; // SQLite reads new rows from the table; this is PostgreSQL's LISTEN.
    };
    let event = next_message(&mut socket)
        .await
        .expect("the event written while the listener was away");
    let caught_up = &event["payload"]["data"]["conversationEvents"];
    assert_eq!(caught_up["id"], gid(NodeKind::Activity, missed), "{event}");
    assert_eq!(caught_up["type"], "CLAIMED", "{event}");
    // The feed is live again, and the caught-up event came once.
    let (conversation, _) = claimable(&server.db, "tenant-1").await;
    claim(&server.url, &token, conversation).await;
    loop {
        let next = next_message(&mut socket).await.expect("a live event");
        assert_eq!(next["type"], "next", "{next}");
        let live = &next["payload"]["data"]["conversationEvents"];
        assert_ne!(live["id"], caught_up["id"], "sent twice: {next}");
        if live["type"] == "CLAIMED" {
            break;
        }
    }
    server.post(Some(&token), COUNT, json!({})).await.data();
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribers_are_told_when_more_was_missed_than_they_can_take_on_postgres() {
    let Some((mut socket, server, token, _)) = outage(BUFFER + 10).await else {
        return;
    };
    let told = loop {
        let message = next_message(&mut socket).await.expect("told");
        if message["type"] != "next" || message["payload"]["errors"].is_array() {
            break message;
        }
    };
    assert_eq!(
        told["payload"]["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{told}"
    );
    let why = told["payload"]["errors"][0]["message"].as_str().unwrap();
    assert!(why.contains("missed") && why.contains("refetch"), "{why}");
    let done = next_message(&mut socket).await.unwrap();
    assert_eq!(
        (&done["type"], &done["id"]),
        (&json!("complete"), &json!("x"))
    );
    server.post(Some(&token), COUNT, json!({})).await.data();
}
