//! Two replicas of one deployment sharing a Redis (`--redis-url`): a tenant's rate
//! limit and the persisted queries are the deployment's, not each process's; and a
//! Redis that fails or never answers costs no request its answer.

use std::time::{Duration, Instant};

use parley::config::{HttpOptions, RedisOptions};
use parley::limits::Limits;
use parley::persisted::sha256;
use serde_json::{Value, json};

use crate::common::{ALL_SCOPES, Config, Reply, TestServer};

/// 1 + 10 × (1 + 1 + 1) = 31 points.
const TEN: &str = "{ conversations(first: 10) { nodes { id subject } } }";

/// The Redis the tests share (PARLEY_TEST_REDIS_URL, else the local one).
fn redis_url() -> String {
    std::env::var("PARLEY_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into())
}

/// A gateway's configuration with `rate_limit` points per minute and Redis at
/// `url`, its keys under `prefix` (one per test, so that tests running at once
/// share nothing).
fn config(rate_limit: u32, url: &str, prefix: &str) -> Config {
    Config {
        limits: Limits {
            rate_limit,
            ..Limits::default()
        },
        options: HttpOptions {
            redis: RedisOptions {
                redis_url: Some(url.to_owned()),
                redis_prefix: prefix.to_owned(),
                redis_timeout: Duration::from_millis(200),
                apq_ttl: Duration::from_secs(60),
            },
            ..HttpOptions::default()
        },
        ..Config::default()
    }
}

fn unique_prefix() -> String {
    format!("parley-test-{}:", rand::random::<u64>())
}

/// Two replicas over one database, sharing the Redis at `url`.
async fn replicas(rate_limit: u32, url: &str) -> (TestServer, TestServer) {
    let prefix = unique_prefix();
    let a = TestServer::builder()
        .tenants(2)
        .conversations(3)
        .config(config(rate_limit, url, &prefix))
        .start()
        .await;
    let b = a.replica(config(rate_limit, url, &prefix)).await;
    (a, b)
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

fn header(reply: &Reply, name: &str) -> u64 {
    reply.headers[name].to_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_budget_spent_on_one_replica_is_spent_on_the_other() {
    let (a, b) = replicas(100, &redis_url()).await;
    let token = a.token().await;

    for _ in 0..3 {
        a.post(Some(&token), TEN, json!({})).await.data();
    }
    let refused = b.post(Some(&token), TEN, json!({})).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.code(), "RATE_LIMITED");
    assert!((1..=60).contains(&header(&refused, "retry-after")));
    assert!(header(&refused, "x-ratelimit-remaining") < 31);
    // The free field reads the shared bucket too.
    let asked = b
        .post(Some(&token), "{ rateLimit { remaining } }", json!({}))
        .await;
    let remaining = asked.data()["rateLimit"]["remaining"].as_u64().unwrap();
    assert!(remaining < 31, "{remaining} left of 100 after 93 spent");

    // Another tenant has its own budget, on both.
    let other = b.token_for("tenant-2", ALL_SCOPES).await;
    b.post(Some(&other), TEN, json!({})).await.data();
    a.post(Some(&other), TEN, json!({})).await.data();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_registered_on_one_replica_runs_by_hash_on_the_other() {
    let (a, b) = replicas(0, &redis_url()).await;
    let token = a.token().await;
    let query = "{ conversations(first: 2) { nodes { id subject } } }";
    let hash = sha256(query);

    let registered = a
        .post_body(
            Some(&token),
            &json!({ "query": query, "extensions": persisted(&hash) }),
        )
        .await;
    let expected = registered.data().clone();
    let by_hash = json!({ "extensions": persisted(&hash) });
    let reply = b.post_body(Some(&token), &by_hash).await;
    assert_eq!(reply.data(), &expected);

    // A query above the size kept is not shared (nor kept): it is sent in full.
    let padding = "x".repeat(20 * 1024);
    let large = format!("{{ __type(name: \"{padding}\") {{ name }} }}");
    let hash = sha256(&large);
    let body = json!({ "query": large, "extensions": persisted(&hash) });
    assert_eq!(
        a.post_body(Some(&token), &body).await.data()["__type"],
        Value::Null
    );
    let by_hash = json!({ "extensions": persisted(&hash) });
    for replica in [&a, &b] {
        let reply = replica.post_body(Some(&token), &by_hash).await;
        assert_eq!(reply.code(), "PERSISTED_QUERY_NOT_FOUND");
    }
}

/// A server that accepts connections and never answers: a Redis that hangs.
async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn without_redis_each_replica_limits_and_remembers_on_its_own() {
    // Nothing listens on port 1; the silent server takes connections and says nothing.
    for url in ["redis://127.0.0.1:1".to_owned(), silent_server().await] {
        let (a, b) = replicas(100, &url).await;
        let token = a.token().await;
        let started = Instant::now();

        // Persisted queries: registered on A, kept by A alone; B has not seen it.
        let query = "{ conversations(first: 1) { nodes { id } } }";
        let hash = sha256(query);
        let body = json!({ "query": query, "extensions": persisted(&hash) });
        a.post_body(Some(&token), &body).await.data();
        let by_hash = json!({ "extensions": persisted(&hash) });
        a.post_body(Some(&token), &by_hash).await.data();
        let reply = b.post_body(Some(&token), &by_hash).await;
        assert_eq!(reply.code(), "PERSISTED_QUERY_NOT_FOUND", "{url}");

        // Rate limits: each replica's own bucket holds the line (6 points spent above).
        for _ in 0..3 {
            a.post(Some(&token), TEN, json!({})).await.data();
        }
        let refused = a.post(Some(&token), TEN, json!({})).await;
        assert_eq!(refused.status, 429, "{url}: {}", refused.body);
        assert_eq!(refused.code(), "RATE_LIMITED");
        b.post(Some(&token), TEN, json!({})).await.data();

        // A few timeouts of 200 ms at most, not one per request.
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(5), "{url}: {elapsed:?}");
    }
}
