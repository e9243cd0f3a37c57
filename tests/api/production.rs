//! Production switches: request ids, CORS, introspection and GraphiQL off, a request
//! timeout that rolls back what the request began, and the limit on requests executing
//! at once.

use std::time::Duration;

use entity::conversation;
use parley::config::HttpOptions;
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestServer, gid};

#[tokio::test(flavor = "multi_thread")]
async fn every_response_has_a_request_id_and_errors_carry_it() {
    let server = TestServer::start(1, 2).await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", server.url);
    let fresh = client
        .post(&url)
        .json(&json!({ "query": "{ viewer { scopes } }" }))
        .send()
        .await
        .unwrap();
    let id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID when the client sends none");
    let body: Value = fresh.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str());
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let mine = client
        .post(&url)
        .header("x-request-id", "trace-42")
        .json(&json!({ "query": "{ nope }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        mine.headers()["x-request-id"],
        "trace-42",
        "the client's id is kept"
    );
    let body: Value = mine.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "trace-42");
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_is_closed_by_default_and_opens_to_configured_origins() {
    let preflight = |server: &TestServer, origin: &str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", server.url))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let closed = TestServer::start(0, 0).await;
    let reply = preflight(&closed, "https://app.example").await.unwrap();
    assert!(reply.headers().get("access-control-allow-origin").is_none());

    let options = HttpOptions {
        cors_origins: vec!["https://app.example".into()],
        ..HttpOptions::default()
    };
    let open = TestServer::builder()
        .tenants(0)
        .conversations(0)
        .options(options)
        .start()
        .await;
    let reply = preflight(&open, "https://app.example").await.unwrap();
    assert_eq!(
        reply.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let reply = preflight(&open, "https://evil.example").await.unwrap();
    assert!(
        reply.headers().get("access-control-allow-origin").is_none(),
        "other origins stay out"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn introspection_and_graphiql_can_be_switched_off() {
    let options = HttpOptions {
        introspection: false,
        graphiql: false,
        ..HttpOptions::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(2)
        .options(options)
        .start()
        .await;
    let token = server.token().await;
    let reply = server
        .post(
            Some(&token),
            "{ __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert!(
        reply.body.get("errors").is_some() || reply.body["data"]["__schema"].is_null(),
        "{:#}",
        reply.body
    );
    assert_eq!(server.get("/").await.status(), 404);
    assert_eq!(
        server.get("/graphiql/graphiql-3.8.3.min.js").await.status(),
        404,
        "nor its files"
    );
    let reply = server
        .post(Some(&token), "{ conversations { totalCount } }", json!({}))
        .await;
    assert_eq!(
        reply.data()["conversations"]["totalCount"],
        2,
        "queries still run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_times_out_is_refused_and_rolled_back() {
    let options = HttpOptions {
        request_timeout: Duration::from_secs(1),
        ..HttpOptions::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(5)
        .options(options)
        .start()
        .await;
    let token = server.token().await;
    // Another writer holds the conversation, so closing it has to wait.
    let (conv, blocker) = hold_an_open_conversation(&server).await;
    let mutation = "mutation($c: ID!) { closeConversation(input: {conversationId: $c}) { conversation { state } } }";
    let reply = server
        .post(
            Some(&token),
            mutation,
            json!({ "c": gid(NodeKind::Conversation, conv.id) }),
        )
        .await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.code(), "SERVICE_UNAVAILABLE");
    blocker.rollback().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = conversation::Entity::find_by_id(conv.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, conv, "nothing the request began was kept");
    let reply = server
        .post(Some(&token), "{ conversations { totalCount } }", json!({}))
        .await;
    assert_eq!(
        reply.data()["conversations"]["totalCount"],
        5,
        "and the server answers again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_sql_pool_and_subscriptions() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    server
        .post(
            Some(&token),
            "query Inbox { conversations { nodes { id assignee { name } } } }",
            json!({}),
        )
        .await
        .data();
    server
        .post(
            Some(&token),
            "query Inbox { conversations { nodes { id } } }",
            json!({}),
        )
        .await
        .data();
    let failed = server
        .post(
            None,
            "query Broken { conversations { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(failed.code(), "UNAUTHENTICATED");
    let text = server.get("/metrics").await.text().await.unwrap();
    for line in [
        r#"parley_graphql_requests_total{operation="Inbox",outcome="ok"} 2"#,
        r#"parley_graphql_requests_total{operation="Broken",outcome="error"} 1"#,
        r#"parley_graphql_request_seconds_count{operation="Inbox"} 2"#,
        r#"parley_sql_statements_per_request_count{operation="Inbox"} 2"#,
        "parley_subscriptions_open 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert!(text.contains(r#"parley_db_pool_connections{state="open"}"#));
    let statements: f64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix(r#"parley_sql_statements_per_request_sum{operation="Inbox"} "#)
        })
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        statements, 2.0,
        "the page with its assignees joined, then the page alone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn traces_reach_a_configured_otlp_collector() {
    // A collector of our own: it keeps what is POSTed to /v1/traces.
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, Vec<u8>)>::new()));
    let kept = received.clone();
    let collector = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let kept = kept.clone();
                async move {
                    let kind = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    kept.lock().unwrap().push((kind, body.to_vec()));
                    ""
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, collector).await });

    let dir = tempfile::tempdir().unwrap();
    let (running, url, authorization) = crate::common::serve_demo(
        crate::common::parley()
            .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
    );
    let query = "query TracedInbox { conversations(first: 3) { nodes { id } } }";
    let reply = crate::common::post_json(&url, &authorization, &json!({ "query": query })).await;
    assert!(reply["errors"].is_null(), "{reply}");

    // Shutting down flushes the batch.
    assert!(running.terminate().await.success());

    let received = received.lock().unwrap();
    assert!(!received.is_empty(), "no traces were exported");
    let contains = |needle: &[u8]| {
        received
            .iter()
            .any(|(_, body)| body.windows(needle.len()).any(|w| w == needle))
    };
    assert!(
        received
            .iter()
            .all(|(kind, _)| kind == "application/x-protobuf")
    );
    assert!(contains(b"parley"), "the service is named");
    assert!(contains(b"graphql"), "the GraphQL span is there");
    assert!(contains(b"TracedInbox"), "with its operation name");
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_beyond_the_concurrency_limit_wait_their_turn() {
    let options = HttpOptions {
        max_concurrent_requests: Some(1),
        ..HttpOptions::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(3)
        .options(options)
        .start()
        .await;
    let token = server.token().await;
    // A writer outside the server holds the conversation, so the mutation below keeps
    // the one turn until the writer lets go.
    let (conv, blocker) = hold_an_open_conversation(&server).await;
    let server = std::sync::Arc::new(server);
    let mutation = tokio::spawn({
        let (server, token) = (server.clone(), token.clone());
        async move {
            let close = "mutation($c: ID!) { closeConversation(input: {conversationId: $c}) { conversation { state } } }";
            let vars = json!({ "c": gid(NodeKind::Conversation, conv.id) });
            server.post(Some(&token), close, vars).await
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let read = tokio::spawn({
        let (server, token) = (server.clone(), token.clone());
        async move {
            let list = "{ conversations { totalCount } }";
            server.post(Some(&token), list, json!({})).await
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !read.is_finished(),
        "the read waits while the mutation has the turn"
    );
    blocker.rollback().await.unwrap();
    let closed = mutation.await.unwrap();
    assert_eq!(
        closed.data()["closeConversation"]["conversation"]["state"],
        "CLOSED"
    );
    let listed = read.await.unwrap();
    assert_eq!(
        listed.data()["conversations"]["totalCount"],
        3,
        "then it runs"
    );
}

/// An open conversation of tenant-1, and a transaction outside the server that holds it
/// (SQLite: the write lock; PostgreSQL: the row) until it is rolled back.
async fn hold_an_open_conversation(
    server: &TestServer,
) -> (conversation::Model, sea_orm::DatabaseTransaction) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let conv = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .filter(conversation::Column::State.ne(entity::enums::ConversationState::Closed))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let blocker = parley::service::begin(&server.db).await.unwrap();
    if blocker.get_database_backend() == DbBackend::Postgres {
        let lock = format!(
            "SELECT id FROM conversations WHERE id = {} FOR UPDATE",
            conv.id
        );
        blocker
            .execute_raw(Statement::from_string(DbBackend::Postgres, lock))
            .await
            .unwrap();
    }
    (conv, blocker)
}

/// On PostgreSQL, Parley's sessions plan each prepared statement once (generic plans):
/// the inbox page's joins would otherwise be planned anew on every execution.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_sessions_use_generic_plans() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let server = TestServer::start(1, 0).await;
    if server.db.get_database_backend() != DbBackend::Postgres {
        return; // SQLite has no plan cache mode
    }
    let row = server
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SHOW plan_cache_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    let mode: String = row.try_get_by_index(0).unwrap();
    assert_eq!(mode, "force_generic_plan");
}
