//! Outbound webhooks against a real receiver on 127.0.0.1: what is posted, how it
//! is signed (checked here with HMAC-SHA256 written from the Standard Webhooks
//! specification, not with the crate the server signs with), retries, disabling,
//! redelivery, the delivery log, refusals of private addresses, scopes, tenants,
//! limits, two replicas and a restart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use parley::config::{Delays, HttpOptions, WebhookOptions};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, TransactionTrait};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{
    ALL_SCOPES, Config, Outage, TestDb, TestServer, codes, parley, payload, serve_demo,
};

const CREATE: &str = "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id url eventTypes enabled } secret userErrors { code field message } } }";
const UPDATE: &str = "mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { endpoint { id enabled disabledReason } userErrors { code message } } }";
const ROTATE: &str = "mutation($input: RotateWebhookEndpointSecretInput!) { rotateWebhookEndpointSecret(input: $input) { endpoint { previousSecretExpiresAt } secret userErrors { code field } } }";
const REDELIVER: &str = "mutation($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { delivery { id status } userErrors { code message } } }";
const DELETE: &str = "mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedEndpointId userErrors { code } } }";
const ADD_NOTE: &str = "mutation($input: AddNoteInput!) { addNote(input: $input) { note { id } userErrors { code } } }";
const LOG: &str = "query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { enabled disabledReason lastSuccessAt deliveries(first: 100) { totalCount nodes { id eventType status attemptCount nextAttemptAt lastStatusCode lastError deliveredAt payload activity { id type } attempts { statusCode durationMs error responseBody } } } } } }";

/// What the receiver was sent, and what it answered.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Bytes,
    answered: u16,
}

/// How the receiver answers: `fail_first` posts of each webhook-id with 500 (all
/// of them when `always_fail`), then 200.
#[derive(Default)]
struct Behaviour {
    fail_first: usize,
    always_fail: bool,
    /// How long it takes to answer.
    delay: Duration,
    tries: HashMap<String, usize>,
    /// Posts that arrived, answered or not yet.
    arrived: usize,
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Received>>>,
    behaviour: Arc<Mutex<Behaviour>>,
}

impl Receiver {
    /// Listens on 127.0.0.1; returns the receiver and its URL.
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let app = axum::Router::new()
            .route("/hook", post(receive))
            .route(
                "/moved",
                post(|| async { (StatusCode::TEMPORARY_REDIRECT, [("location", "/hook")]) }),
            )
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    fn set(&self, fail_first: usize, always_fail: bool) {
        let mut behaviour = self.behaviour.lock().unwrap();
        behaviour.fail_first = fail_first;
        behaviour.always_fail = always_fail;
    }

    fn arrived(&self) -> usize {
        self.behaviour.lock().unwrap().arrived
    }

    fn seen(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// The posts answered 2xx, by webhook-id.
    fn delivered(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for post in self.seen().iter().filter(|p| p.answered == 200) {
            *counts.entry(post.id.clone()).or_insert(0) += 1;
        }
        counts
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("webhook-id");
    let delay = {
        let mut behaviour = receiver.behaviour.lock().unwrap();
        behaviour.arrived += 1;
        behaviour.delay
    };
    tokio::time::sleep(delay).await;
    let status = {
        let mut behaviour = receiver.behaviour.lock().unwrap();
        let (fail_first, always_fail) = (behaviour.fail_first, behaviour.always_fail);
        let tries = behaviour.tries.entry(id.clone()).or_insert(0);
        *tries += 1;
        if always_fail || *tries <= fail_first {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::OK
        }
    };
    receiver.seen.lock().unwrap().push(Received {
        id,
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        answered: status.as_u16(),
    });
    // A long answer: the delivery log keeps only its start.
    (status, "x".repeat(10_000))
}

/// The Standard Webhooks signature check, from the specification: base64 of
/// HMAC-SHA256 over `{id}.{timestamp}.{body}` with the secret's base64 key, one of
/// the space-separated `v1,<signature>` entries.
fn signed_by(secret: &str, post: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 key");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", post.id, post.timestamp).as_bytes());
    mac.update(&post.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    post.signature.split(' ').any(|entry| entry == expected)
}

fn options(delays: &[u64], allow_private: bool) -> Config {
    Config {
        options: HttpOptions {
            webhooks: WebhookOptions {
                allow_private_addresses: allow_private,
                retry_delays: Delays(delays.iter().map(|ms| Duration::from_millis(*ms)).collect()),
                timeout: Duration::from_secs(3),
                worker: true,
            },
            ..HttpOptions::default()
        },
        ..Config::default()
    }
}

async fn server(delays: &[u64]) -> TestServer {
    TestServer::builder()
        .tenants(2)
        .conversations(4)
        .config(options(delays, true))
        .start()
        .await
}

/// Registers an endpoint for `types`; returns its id and secret.
async fn register(server: &TestServer, token: &str, url: &str, types: &[&str]) -> (String, String) {
    let reply = server
        .post(
            Some(token),
            CREATE,
            json!({ "input": { "url": url, "eventTypes": types } }),
        )
        .await;
    let created = payload(&reply, "createWebhookEndpoint");
    assert_eq!(created["userErrors"], json!([]), "{created:#}");
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

async fn conversations(server: &TestServer, token: &str) -> Vec<String> {
    let reply = server
        .post(
            Some(token),
            "{ conversations(first: 4) { nodes { id } } }",
            json!({}),
        )
        .await;
    reply.data()["conversations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn add_note(server: &TestServer, token: &str, conversation: &str, body: &str) {
    let reply = server
        .post(
            Some(token),
            ADD_NOTE,
            json!({ "input": { "conversationId": conversation, "body": body } }),
        )
        .await;
    assert_eq!(payload(&reply, "addNote")["userErrors"], json!([]));
}

/// Waits up to 20 s for `done` to hold.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn log(server: &TestServer, token: &str, endpoint: &str) -> Value {
    let reply = server
        .post(Some(token), LOG, json!({ "id": endpoint }))
        .await;
    reply.data()["node"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribed_events_are_posted_once_signed_with_ids_and_logged() {
    let server = server(&[100]).await;
    let token = server.token().await;
    let (receiver, url) = Receiver::start().await;
    let (endpoint, secret) = register(&server, &token, &url, &["NOTE_ADDED", "TAGGED"]).await;
    assert!(secret.starts_with("whsec_"));
    let ids = conversations(&server, &token).await;

    add_note(&server, &token, &ids[0], "first").await;
    add_note(&server, &token, &ids[1], "second").await;
    // Not subscribed: a message.
    let reply = server
        .post(
            Some(&token),
            "mutation($c: ID!) { addMessage(input: { conversationId: $c, text: \"hi\" }) { userErrors { code } } }",
            json!({ "c": ids[2] }),
        )
        .await;
    assert_eq!(payload(&reply, "addMessage")["userErrors"], json!([]));
    until("two notes are posted", || receiver.seen().len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let seen = receiver.seen();
    assert_eq!(
        seen.len(),
        2,
        "only the subscribed events, once each: {seen:?}"
    );
    let mut conversations_seen = Vec::new();
    for post in &seen {
        assert!(signed_by(&secret, post), "signature of {post:?}");
        assert!(!signed_by(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            post
        ));
        let timestamp: i64 = post.timestamp.parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 60);
        let event: Value = serde_json::from_slice(&post.body).unwrap();
        assert_eq!(event["type"], "NOTE_ADDED");
        assert!(event["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(event["data"]["noteId"].is_string());
        assert!(event["data"]["actorId"].is_string());
        conversations_seen.push(event["data"]["conversationId"].as_str().unwrap().to_owned());
    }
    conversations_seen.sort();
    let mut expected = vec![ids[0].clone(), ids[1].clone()];
    expected.sort();
    assert_eq!(conversations_seen, expected);

    // The log: one DELIVERED delivery per post, its id the webhook-id, the answer's
    // start kept.
    let node = log(&server, &token, &endpoint).await;
    assert!(node["lastSuccessAt"].is_string());
    let deliveries = node["deliveries"]["nodes"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2);
    for delivery in deliveries {
        assert_eq!(delivery["status"], "DELIVERED");
        assert_eq!(delivery["attemptCount"], 1);
        assert_eq!(delivery["eventType"], "NOTE_ADDED");
        assert_eq!(delivery["activity"]["type"], "NOTE_ADDED");
        assert!(delivery["nextAttemptAt"].is_null());
        let posted = seen
            .iter()
            .find(|p| p.id == delivery["id"])
            .expect("posted with its id");
        let body: Value = serde_json::from_slice(&posted.body).unwrap();
        assert_eq!(delivery["payload"], body);
        let attempt = &delivery["attempts"][0];
        assert_eq!(attempt["statusCode"], 200);
        assert_eq!(attempt["responseBody"].as_str().unwrap().len(), 2048);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rolled_back_change_queues_nothing_and_a_committed_one_is_queued_with_it() {
    let server = server(&[100]).await;
    let token = server.token().await;
    let (_receiver, url) = Receiver::start().await;
    register(&server, &token, &url, &["NOTE_ADDED"]).await;
    let before = entity::webhook_delivery::Entity::find()
        .count(&server.db)
        .await
        .unwrap();

    let tx = server.db.begin().await.unwrap();
    parley::service::activity::record_as(
        &tx,
        "tenant-1",
        None,
        None,
        entity::enums::ActivityType::NoteAdded,
        Default::default(),
    )
    .await
    .unwrap();
    let inside = entity::webhook_delivery::Entity::find()
        .count(&tx)
        .await
        .unwrap();
    assert_eq!(inside, before + 1, "queued in the change's own transaction");
    tx.rollback().await.unwrap();
    let after = entity::webhook_delivery::Entity::find()
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(after, before, "a rolled-back change queues nothing");

    // Another tenant's events never reach this tenant's endpoint.
    let other = server.token_for("tenant-2", ALL_SCOPES).await;
    let theirs = conversations(&server, &other).await;
    add_note(&server, &other, &theirs[0], "tenant 2").await;
    let queued = entity::webhook_delivery::Entity::find()
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(queued, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_receiver_gets_retries_with_the_same_id_until_it_answers() {
    let server = server(&[100, 200, 300]).await;
    let token = server.token().await;
    let (receiver, url) = Receiver::start().await;
    receiver.set(2, false);
    let (endpoint, secret) = register(&server, &token, &url, &["NOTE_ADDED"]).await;
    let ids = conversations(&server, &token).await;
    add_note(&server, &token, &ids[0], "retried").await;

    until("the third attempt succeeds", || {
        receiver.delivered().len() == 1
    })
    .await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|p| p.id == seen[0].id),
        "one webhook-id for every attempt"
    );
    assert!(seen.iter().all(|p| signed_by(&secret, p)));
    assert_eq!(
        seen.iter().map(|p| p.answered).collect::<Vec<_>>(),
        [500, 500, 200]
    );

    let node = log(&server, &token, &endpoint).await;
    let delivery = &node["deliveries"]["nodes"][0];
    assert_eq!(delivery["status"], "DELIVERED");
    assert_eq!(delivery["attemptCount"], 3);
    let statuses: Vec<&Value> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["statusCode"])
        .collect();
    assert_eq!(statuses, [&json!(500), &json!(500), &json!(200)]);
    let metrics = server.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("parley_webhook_attempts_total{outcome=\"retrying\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("parley_webhook_attempts_total{outcome=\"delivered\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_keeps_failing_is_disabled_said_in_the_log_and_redelivered_once_enabled() {
    let server = server(&[50, 50]).await;
    let token = server.token().await;
    let (receiver, url) = Receiver::start().await;
    receiver.set(0, true);
    let (endpoint, _) = register(&server, &token, &url, &["NOTE_ADDED"]).await;
    let ids = conversations(&server, &token).await;
    add_note(&server, &token, &ids[0], "doomed").await;

    until("three attempts failed", || receiver.seen().len() == 3).await;
    let mut node = Value::Null;
    for _ in 0..100 {
        node = log(&server, &token, &endpoint).await;
        if node["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(node["enabled"], false, "{node:#}");
    assert!(
        node["disabledReason"].as_str().unwrap().contains("500"),
        "{node:#}"
    );
    let delivery = node["deliveries"]["nodes"][0].clone();
    assert_eq!(delivery["status"], "FAILED");
    assert_eq!(delivery["attemptCount"], 3);
    assert_eq!(delivery["lastStatusCode"], 500);

    // The activity log says so.
    let reply = server
        .post(
            Some(&token),
            "{ activityLog(filter: { types: [WEBHOOK_ENDPOINT_DISABLED] }) { nodes { type conversation { id } webhookEndpoint { id enabled } } } }",
            json!({}),
        )
        .await;
    let entries = reply.data()["activityLog"]["nodes"].clone();
    assert_eq!(
        entries,
        json!([{ "type": "WEBHOOK_ENDPOINT_DISABLED", "conversation": null, "webhookEndpoint": { "id": endpoint, "enabled": false } }])
    );

    // Disabled: no new deliveries, and no redelivery until enabled again.
    add_note(&server, &token, &ids[1], "while disabled").await;
    let redelivered = server
        .post(Some(&token), REDELIVER, json!({ "id": delivery["id"] }))
        .await;
    assert_eq!(
        codes(payload(&redelivered, "redeliverWebhook")),
        ["INVALID_STATE"]
    );
    receiver.set(0, false);
    let enabled = server
        .post(
            Some(&token),
            UPDATE,
            json!({ "input": { "id": endpoint, "enabled": true } }),
        )
        .await;
    assert_eq!(
        payload(&enabled, "updateWebhookEndpoint")["endpoint"],
        json!({ "id": endpoint, "enabled": true, "disabledReason": null })
    );
    let redelivered = server
        .post(Some(&token), REDELIVER, json!({ "id": delivery["id"] }))
        .await;
    assert_eq!(
        payload(&redelivered, "redeliverWebhook")["delivery"]["status"],
        "PENDING"
    );
    until("the redelivery succeeds", || {
        receiver.delivered().len() == 1
    })
    .await;
    assert_eq!(
        receiver.delivered().get(delivery["id"].as_str().unwrap()),
        Some(&1)
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let node = log(&server, &token, &endpoint).await;
    let deliveries = node["deliveries"]["nodes"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1, "nothing was queued while disabled");
    assert_eq!(deliveries[0]["status"], "DELIVERED");
    assert_eq!(deliveries[0]["attemptCount"], 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_answered_while_the_database_is_away_is_recorded_once_it_is_back() {
    // PostgreSQL: an outage of this test's database alone (new connections refused,
    // every backend terminated), as a restart looks to the gateway.
    let Ok(admin_url) = std::env::var("PARLEY_TEST_DATABASE_URL") else {
        return;
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(2)
        .config(Config {
            pool_size: 4,
            acquire_timeout: Duration::from_secs(1),
            ..options(&[100], true)
        })
        .start()
        .await;
    let token = server.token().await;
    let (receiver, url) = Receiver::start().await;
    receiver.behaviour.lock().unwrap().delay = Duration::from_millis(1500);
    let (endpoint, _) = register(&server, &token, &url, &["NOTE_ADDED"]).await;
    let ids = conversations(&server, &token).await;
    add_note(&server, &token, &ids[0], "in flight").await;
    until("the post is in flight", || receiver.arrived() == 1).await;

    let outage = Outage::start(&admin_url, &server.db).await;
    // The receiver answers while the database is away.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(receiver.seen().len(), 1, "answered during the outage");
    outage.end().await;

    let mut delivery = Value::Null;
    for _ in 0..200 {
        let reply = server
            .post(Some(&token), LOG, json!({ "id": endpoint }))
            .await;
        if reply.body["errors"].is_null() {
            delivery = reply.body["data"]["node"]["deliveries"]["nodes"][0].clone();
            if delivery["status"] == "DELIVERED" {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivery["status"], "DELIVERED", "{delivery:#}");
    assert_eq!(delivery["attemptCount"], 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.arrived(),
        1,
        "posted once: the answer was recorded, not lost"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_are_not_followed() {
    let server = server(&[50]).await;
    let token = server.token().await;
    let (receiver, url) = Receiver::start().await;
    let moved = url.replace("/hook", "/moved");
    let (endpoint, _) = register(&server, &token, &moved, &["NOTE_ADDED"]).await;
    let ids = conversations(&server, &token).await;
    add_note(&server, &token, &ids[0], "redirected").await;
    let mut delivery = Value::Null;
    for _ in 0..200 {
        delivery = log(&server, &token, &endpoint).await["deliveries"]["nodes"][0].clone();
        if delivery["status"] == "FAILED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivery["status"], "FAILED", "{delivery:#}");
    assert_eq!(delivery["lastStatusCode"], 307);
    assert_eq!(delivery["attemptCount"], 2);
    assert!(
        receiver.seen().is_empty(),
        "the redirect's target was never posted to"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rotating_the_secret_signs_with_both_during_the_grace_period() {
    let server = server(&[100]).await;
    let token = server.token().await;
    let (receiver, url) = Receiver::start().await;
    let (endpoint, old) = register(&server, &token, &url, &["NOTE_ADDED"]).await;
    let rotated = server
        .post(
            Some(&token),
            ROTATE,
            json!({ "input": { "id": endpoint, "gracePeriodSeconds": 3600 } }),
        )
        .await;
    let rotated = payload(&rotated, "rotateWebhookEndpointSecret").clone();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["endpoint"]["previousSecretExpiresAt"].is_string());
    let ids = conversations(&server, &token).await;
    add_note(&server, &token, &ids[0], "both").await;
    until("posted", || receiver.seen().len() == 1).await;
    let post = &receiver.seen()[0];
    assert!(signed_by(&new, post) && signed_by(&old, post));

    // Without a grace period the old secret stops at once.
    let rotated = server
        .post(
            Some(&token),
            ROTATE,
            json!({ "input": { "id": endpoint, "gracePeriodSeconds": 0 } }),
        )
        .await;
    let newest = payload(&rotated, "rotateWebhookEndpointSecret")["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    add_note(&server, &token, &ids[0], "one").await;
    until("posted", || receiver.seen().len() == 2).await;
    let post = &receiver.seen()[1];
    assert!(signed_by(&newest, post));
    assert!(!signed_by(&new, post) && !signed_by(&old, post));
    assert_eq!(post.signature.split(' ').count(), 1);

    // Grace periods out of range.
    for grace in [-1, 8 * 24 * 3600] {
        let reply = server
            .post(
                Some(&token),
                ROTATE,
                json!({ "input": { "id": endpoint, "gracePeriodSeconds": grace } }),
            )
            .await;
        assert_eq!(
            codes(payload(&reply, "rotateWebhookEndpointSecret")),
            ["INVALID_VALUE"]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn private_and_malformed_urls_are_refused_without_the_operator_flag() {
    let server = TestServer::builder()
        .tenants(1)
        .conversations(1)
        .config(options(&[100], false))
        .start()
        .await;
    let token = server.token().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://2130706433/hook",
        "http://0x7f.1/hook",
        "http://0.0.0.0/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
        "https://user:pass@example.com/hook",
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "not a url",
        "",
        &format!("https://example.com/{}", "a".repeat(3000)),
    ] {
        let reply = server
            .post(
                Some(&token),
                CREATE,
                json!({ "input": { "url": url, "eventTypes": ["CLOSED"] } }),
            )
            .await;
        let created = payload(&reply, "createWebhookEndpoint");
        assert_eq!(codes(created), ["INVALID_VALUE"], "{url}: {created:#}");
        assert_eq!(created["userErrors"][0]["field"], json!(["input", "url"]));
        assert!(created["secret"].is_null());
    }
    let reply = server
        .post(
            Some(&token),
            CREATE,
            json!({ "input": { "url": "https://example.com/hook", "eventTypes": [] } }),
        )
        .await;
    assert_eq!(
        codes(payload(&reply, "createWebhookEndpoint")),
        ["INVALID_VALUE"]
    );
    let reply = server
        .post(
            Some(&token),
            CREATE,
            json!({ "input": { "url": "https://example.com/hook", "eventTypes": ["CLOSED"], "description": "d".repeat(1001) } }),
        )
        .await;
    assert_eq!(
        codes(payload(&reply, "createWebhookEndpoint")),
        ["INVALID_VALUE"]
    );
    let reply = server
        .post(Some(&token), "{ webhookEndpoints { id } }", json!({}))
        .await;
    assert_eq!(
        reply.data()["webhookEndpoints"],
        json!([]),
        "nothing was registered"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoints_need_admin_and_stay_in_their_tenant() {
    let server = server(&[100]).await;
    let token = server.token().await;
    let (receiver, url) = Receiver::start().await;
    let (endpoint, _) = register(&server, &token, &url, &["NOTE_ADDED"]).await;
    let ids = conversations(&server, &token).await;
    add_note(&server, &token, &ids[0], "one").await;
    until("posted", || receiver.delivered().len() == 1).await;
    let delivery = receiver.seen()[0].id.clone();

    // Without `admin`: refused everywhere, reads included.
    let agent = server
        .token_for(
            "tenant-1",
            "conversation:read conversation:write ticket:read ticket:write",
        )
        .await;
    for (query, variables) in [
        ("{ webhookEndpoints { id } }", json!({})),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": endpoint }),
        ),
        (
            CREATE,
            json!({ "input": { "url": url, "eventTypes": ["CLOSED"] } }),
        ),
        (
            UPDATE,
            json!({ "input": { "id": endpoint, "enabled": false } }),
        ),
        (DELETE, json!({ "id": endpoint })),
        (REDELIVER, json!({ "id": delivery })),
        (ROTATE, json!({ "input": { "id": endpoint } })),
    ] {
        let reply = server.post(Some(&agent), query, variables).await;
        assert_eq!(reply.code(), "FORBIDDEN", "{query}: {:#}", reply.body);
    }
    let reply = server
        .post(
            Some(&agent),
            "{ activityLog(first: 5) { nodes { webhookEndpoint { id } } } }",
            json!({}),
        )
        .await;
    assert!(
        reply.body["errors"].is_null(),
        "no disabled-endpoint entries, so nothing to refuse"
    );

    // Another tenant's admin: not found, nothing changed.
    let other = server.token_for("tenant-2", ALL_SCOPES).await;
    let reply = server
        .post(
            Some(&other),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": endpoint }),
        )
        .await;
    assert_eq!(reply.data()["node"], Value::Null);
    let reply = server
        .post(Some(&other), "{ webhookEndpoints { id } }", json!({}))
        .await;
    assert_eq!(reply.data()["webhookEndpoints"], json!([]));
    for (query, variables, name) in [
        (
            UPDATE,
            json!({ "input": { "id": endpoint, "enabled": false } }),
            "updateWebhookEndpoint",
        ),
        (DELETE, json!({ "id": endpoint }), "deleteWebhookEndpoint"),
        (REDELIVER, json!({ "id": delivery }), "redeliverWebhook"),
        (
            ROTATE,
            json!({ "input": { "id": endpoint } }),
            "rotateWebhookEndpointSecret",
        ),
    ] {
        let reply = server.post(Some(&other), query, variables).await;
        assert_eq!(reply.code(), "NOT_FOUND", "{name}: {:#}", reply.body);
    }
    let node = log(&server, &token, &endpoint).await;
    assert_eq!(node["enabled"], true);

    // Deleting it deletes its log; its ids are then unknown.
    let reply = server
        .post(Some(&token), DELETE, json!({ "id": endpoint }))
        .await;
    assert_eq!(
        payload(&reply, "deleteWebhookEndpoint")["deletedEndpointId"],
        json!(endpoint)
    );
    let reply = server
        .post(
            Some(&token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": delivery }),
        )
        .await;
    assert_eq!(reply.data()["node"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn at_most_twenty_endpoints_even_when_registered_at_once() {
    let server = TestServer::builder()
        .tenants(1)
        .conversations(1)
        .config(Config {
            options: options(&[100], true).options,
            ..Config::racing(16)
        })
        .start()
        .await;
    let token = server.token().await;
    let requests = (0..30).map(|i| {
        let (server, token) = (&server, &token);
        async move {
            server
                .post(
                    Some(token),
                    CREATE,
                    json!({ "input": { "url": format!("http://127.0.0.1:9/{i}"), "eventTypes": ["CLOSED"] } }),
                )
                .await
        }
    });
    let replies = futures_util::future::join_all(requests).await;
    let mut made = 0;
    for reply in &replies {
        let created = payload(reply, "createWebhookEndpoint");
        match codes(created).as_slice() {
            [] => made += 1,
            [code] => assert_eq!(code, "LIMIT_EXCEEDED"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(made, 20);
    let reply = server
        .post(Some(&token), "{ webhookEndpoints { id } }", json!({}))
        .await;
    assert_eq!(
        reply.data()["webhookEndpoints"].as_array().unwrap().len(),
        20
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_post_each_delivery_once() {
    let first = TestServer::builder()
        .tenants(1)
        .conversations(4)
        .config(Config {
            options: options(&[100], true).options,
            ..Config::racing(8)
        })
        .start()
        .await;
    let second = first.replica(options(&[100], true)).await;
    let token = first.token().await;
    let (receiver, url) = Receiver::start().await;
    register(&first, &token, &url, &["NOTE_ADDED"]).await;
    let ids = conversations(&first, &token).await;
    let writes = (0..40).map(|i| {
        let (server, token, id) = (
            if i % 2 == 0 { &first } else { &second },
            &token,
            &ids[i % ids.len()],
        );
        async move { add_note(server, token, id, &format!("note {i}")).await }
    });
    futures_util::future::join_all(writes).await;
    until("forty deliveries", || receiver.delivered().len() == 40).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let delivered = receiver.delivered();
    assert_eq!(delivered.len(), 40);
    assert!(
        delivered.values().all(|n| *n == 1),
        "each delivery posted once: {delivered:?}"
    );
    assert_eq!(receiver.seen().len(), 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_left_pending_by_a_stopped_gateway_are_posted_once_after_its_restart() {
    let database = TestDb::new().await;
    let (receiver, url) = Receiver::start().await;
    receiver.set(0, true);
    let start = || {
        serve_demo(
            parley()
                .args([
                    "serve",
                    "--demo",
                    "--bind",
                    "127.0.0.1:0",
                    "--webhook-allow-private-addresses",
                    "--webhook-retry-delays",
                    "300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms",
                ])
                .env("DATABASE_URL", &database.url),
        )
    };
    let (running, base, authorization) = start();
    let client = reqwest::Client::new();
    let post = |base: String, authorization: String, query: &'static str, variables: Value| {
        let client = client.clone();
        async move {
            client
                .post(format!("{base}/graphql"))
                .header("Authorization", authorization)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let created = post(
        base.clone(),
        authorization.clone(),
        CREATE,
        json!({ "input": { "url": url, "eventTypes": ["NOTE_ADDED"] } }),
    )
    .await;
    let secret = created["data"]["createWebhookEndpoint"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = post(
        base.clone(),
        authorization.clone(),
        "{ conversations(first: 5) { nodes { id } } }",
        json!({}),
    )
    .await;
    let ids: Vec<String> = listed["data"]["conversations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let added = post(
            base.clone(),
            authorization.clone(),
            ADD_NOTE,
            json!({ "input": { "conversationId": id, "body": format!("before the restart {i}") } }),
        )
        .await;
        assert!(added["errors"].is_null(), "{added:#}");
    }
    // The receiver refuses while the gateway stops.
    until("every event was tried", || {
        let tried: std::collections::HashSet<String> =
            receiver.seen().into_iter().map(|p| p.id).collect();
        tried.len() == ids.len()
    })
    .await;
    assert!(running.terminate().await.success());
    let pending = db_count(
        &database.url,
        "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'PENDING'",
    )
    .await;
    assert_eq!(
        pending,
        ids.len() as i64,
        "left pending by the stopped gateway"
    );

    receiver.set(0, false);
    let (_restarted, _, _) = start();
    until("everything is delivered after the restart", || {
        receiver.delivered().len() == ids.len()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let delivered = receiver.delivered();
    assert!(
        delivered.values().all(|n| *n == 1),
        "once per delivery id: {delivered:?}"
    );
    assert!(receiver.seen().iter().all(|p| signed_by(&secret, p)));
}

async fn db_count(url: &str, sql: &str) -> i64 {
    let db = sea_orm::Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    let count = row.try_get_by_index::<i64>(0).unwrap();
    db.close().await.ok();
    count
}
