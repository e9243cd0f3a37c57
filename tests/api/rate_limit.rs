//! Per-tenant rate limiting by cost: headers on every response, a free
//! `rateLimit` field, RATE_LIMITED with Retry-After once the budget is spent.

use entity::conversation;
use parley::ids::NodeKind;
use parley::limits::{DEFAULT_RATE_LIMIT, Limits};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::common::{Config, Reply, TestServer, gid};

const BUDGET: &str = "{ rateLimit { limit cost remaining used resetAt } }";
/// 1 + 10 × (1 + 1 + 1) = 31 points.
const TEN: &str = "{ conversations(first: 10) { nodes { id subject } } }";

fn header(reply: &Reply, name: &str) -> u64 {
    reply.headers[name].to_str().unwrap().parse().unwrap()
}

async fn limited(points: u32) -> TestServer {
    let config = Config {
        limits: Limits {
            rate_limit: points,
            ..Limits::default()
        },
        ..Config::default()
    };
    TestServer::builder()
        .tenants(2)
        .conversations(3)
        .config(config)
        .start()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_the_budget_and_asking_for_it_is_free() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;

    let reply = server.post(Some(&token), TEN, json!({})).await;
    reply.data();
    assert_eq!(
        header(&reply, "x-ratelimit-limit"),
        u64::from(DEFAULT_RATE_LIMIT)
    );
    assert_eq!(header(&reply, "x-ratelimit-cost"), 31);
    assert!(header(&reply, "x-ratelimit-remaining") <= u64::from(DEFAULT_RATE_LIMIT));

    // 600 points a minute: one point back every 100 ms, slow enough to watch.
    let server = limited(600).await;
    let token = server.token().await;
    let first = server.post(Some(&token), TEN, json!({})).await;
    first.data();
    let left = header(&first, "x-ratelimit-remaining");
    assert!(
        (569..=570).contains(&left),
        "{left} left of 600 after spending 31"
    );
    assert!((3..=4).contains(&header(&first, "x-ratelimit-reset")));

    let asked = server.post(Some(&token), BUDGET, json!({})).await;
    let budget = &asked.data()["rateLimit"];
    assert_eq!(budget["cost"], 0);
    assert_eq!(header(&asked, "x-ratelimit-cost"), 0);
    assert_eq!(budget["limit"], 600);
    let remaining = budget["remaining"].as_u64().unwrap();
    assert!(
        (left..left + 20).contains(&remaining),
        "asking spent points: {remaining} < {left}"
    );
    assert_eq!(budget["used"].as_u64().unwrap() + remaining, 600);
    let reset_at = budget["resetAt"].as_str().unwrap();
    let reset_at = chrono::DateTime::parse_from_rfc3339(reset_at).unwrap();
    let until = reset_at
        .signed_duration_since(chrono::Utc::now())
        .num_milliseconds();
    assert!((0..=3_200).contains(&until), "full again in {until} ms");

    // The field reports what the rest of its request cost.
    let both = format!(
        "{{ {} conversations(first: 10) {{ nodes {{ id subject }} }} }}",
        &BUDGET[2..BUDGET.len() - 2]
    );
    let reply = server.post(Some(&token), &both, json!({})).await;
    assert_eq!(reply.data()["rateLimit"]["cost"], 31);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_budget_is_rate_limited_with_retry_after_and_changes_nothing() {
    let server = limited(100).await;
    let token = server.token().await;

    for _ in 0..3 {
        server.post(Some(&token), TEN, json!({})).await.data();
    }
    let refused = server.post(Some(&token), TEN, json!({})).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.code(), "RATE_LIMITED");
    assert!(refused.body["data"].is_null());
    let retry = header(&refused, "retry-after");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(header(&refused, "x-ratelimit-remaining") < 31);

    // A refused mutation does not run.
    let before = conversation::Entity::find().all(&server.db).await.unwrap();
    let free = server
        .post(Some(&token), "{ rateLimit { limit } }", json!({}))
        .await;
    assert!(
        free.body["errors"].is_null(),
        "the free field still answers"
    );
    let open = before.iter().find(|c| c.tenant_id == "tenant-1").unwrap();
    // 1 + 1 + 1 + (1 + 10 × 3) = 34 points, more than is left.
    let close = "mutation($id: ID!) { closeConversation(input: { conversationId: $id }) { conversation { state messages(first: 10) { nodes { id text } } } } }";
    let id = gid(NodeKind::Conversation, open.id);
    let reply = server.post(Some(&token), close, json!({ "id": id })).await;
    assert_eq!(reply.code(), "RATE_LIMITED");
    let after = conversation::Entity::find().all(&server.db).await.unwrap();
    assert_eq!(before, after);

    // Another tenant has its own budget.
    let other = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    server.post(Some(&other), TEN, json!({})).await.data();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_bigger_than_the_whole_budget_says_so() {
    let server = limited(20).await;
    let token = server.token().await;
    let reply = server.post(Some(&token), TEN, json!({})).await;
    assert_eq!(reply.status, 429);
    assert_eq!(reply.code(), "RATE_LIMITED");
    let message = reply.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("more than the whole budget"), "{message}");
    assert!(reply.headers.get("retry-after").is_none());
    // Nothing was spent.
    assert_eq!(header(&reply, "x-ratelimit-remaining"), 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_keeps_what_ran_when_part_of_it_is_refused() {
    let server = limited(40).await;
    let token = server.token().await;
    let op = json!({ "query": TEN });
    let reply = server.post_body(Some(&token), &json!([op, op])).await;
    assert_eq!(reply.status, 200);
    let results = reply.body.as_array().unwrap();
    assert!(results[0]["errors"].is_null());
    assert_eq!(
        results[1]["errors"][0]["extensions"]["code"],
        "RATE_LIMITED"
    );
    assert!(reply.headers.get("retry-after").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn zero_turns_limiting_off() {
    let server = limited(0).await;
    let token = server.token().await;
    for _ in 0..5 {
        let reply = server.post(Some(&token), TEN, json!({})).await;
        reply.data();
        assert!(reply.headers.get("x-ratelimit-limit").is_none());
    }
    let reply = server.post(Some(&token), BUDGET, json!({})).await;
    assert_eq!(reply.data()["rateLimit"], Value::Null);
}
