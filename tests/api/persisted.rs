//! Automatic persisted queries (Apollo's protocol) and the allow-list mode.

use parley::config::HttpOptions;
use parley::persisted::sha256;
use serde_json::{Value, json};

use crate::common::{TestServer, gid};

const QUERY: &str = "{ conversations(first: 2) { nodes { id subject } } }";
const MUTATION: &str = "mutation($id: ID!) { closeConversation(input: { conversationId: $id }) { conversation { state } } }";

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// GETs /graphql with `params`, returning status and JSON body.
async fn get(server: &TestServer, token: &str, params: &[(&str, String)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/graphql", server.url))
        .bearer_auth(token)
        .query(params)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_registers_a_query_then_sends_its_hash_alone() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let hash = sha256(QUERY);

    let unknown = server
        .post_body(Some(&token), &json!({ "extensions": persisted(&hash) }))
        .await;
    assert_eq!(unknown.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(
        unknown.body["errors"][0]["message"],
        "PersistedQueryNotFound"
    );

    let body = json!({ "query": QUERY, "extensions": persisted(&hash) });
    let full = server.post_body(Some(&token), &body).await;
    let expected = full.data().clone();
    assert_eq!(
        expected["conversations"]["nodes"].as_array().unwrap().len(),
        2
    );

    let by_hash = server
        .post_body(Some(&token), &json!({ "extensions": persisted(&hash) }))
        .await;
    assert_eq!(by_hash.data(), &expected);

    let extensions = persisted(&hash).to_string();
    let (status, body) = get(&server, &token, &[("extensions", extensions)]).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"], expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hash_that_does_not_match_its_query_is_refused() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let body =
        json!({ "query": QUERY, "extensions": persisted(&sha256("{ viewer { agent { id } } }")) });
    let reply = server.post_body(Some(&token), &body).await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
    assert!(reply.body["data"].is_null());

    let hash = sha256(QUERY);
    for extension in [
        json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } }),
        json!({ "persistedQuery": { "sha256Hash": hash } }),
        json!({ "persistedQuery": "yes" }),
    ] {
        let body = json!({ "query": QUERY, "extensions": extension });
        let reply = server.post_body(Some(&token), &body).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{extension}");
        assert!(reply.body["data"].is_null());
    }
    // Nothing of the above was registered.
    let unknown = server
        .post_body(Some(&token), &json!({ "extensions": persisted(&hash) }))
        .await;
    assert_eq!(unknown.code(), "PERSISTED_QUERY_NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_runs_no_persisted_mutation_and_no_unknown_hash() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let id = gid(parley::ids::NodeKind::Conversation, 1);
    let variables = json!({ "id": id }).to_string();
    let hash = sha256(MUTATION);

    let (status, body) = get(
        &server,
        &token,
        &[
            ("extensions", persisted(&hash).to_string()),
            ("variables", variables.clone()),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    // Registered by POST (without running: the variable is missing), then tried by GET.
    let register = json!({ "query": MUTATION, "extensions": persisted(&hash) });
    let reply = server.post_body(Some(&token), &register).await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
    let (status, body) = get(
        &server,
        &token,
        &[
            ("extensions", persisted(&hash).to_string()),
            ("variables", variables),
        ],
    )
    .await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn persisted_documents_still_obey_the_limits() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let aliases: String = (0..150).map(|i| format!("a{i}: __typename ")).collect();
    let query = format!("{{ {aliases} }}");
    let body = json!({ "query": query, "extensions": persisted(&sha256(&query)) });
    let reply = server.post_body(Some(&token), &body).await;
    assert_eq!(reply.code(), "QUERY_TOO_COMPLEX");
}

fn allow_list(entries: &[&str]) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    let map: serde_json::Map<String, Value> = entries
        .iter()
        .map(|q| (sha256(q), Value::from(*q)))
        .collect();
    std::fs::write(file.path(), Value::Object(map).to_string()).unwrap();
    file
}

#[tokio::test(flavor = "multi_thread")]
async fn allow_list_mode_runs_registered_operations_only() {
    let list = allow_list(&[QUERY]);
    let options = HttpOptions {
        allowed_operations: Some(list.path().to_owned()),
        ..HttpOptions::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(3)
        .options(options)
        .start()
        .await;
    let token = server.token().await;

    let by_hash = json!({ "extensions": persisted(&sha256(QUERY)) });
    let expected = server
        .post_body(Some(&token), &by_hash)
        .await
        .data()
        .clone();
    assert_eq!(
        expected["conversations"]["nodes"].as_array().unwrap().len(),
        2
    );
    let by_text = server.post(Some(&token), QUERY, json!({})).await;
    assert_eq!(by_text.data(), &expected);
    let (status, body) = get(
        &server,
        &token,
        &[("extensions", by_hash["extensions"].to_string())],
    )
    .await;
    assert_eq!((status, &body["data"]), (200, &expected));

    let other = "{ viewer { agent { id } } }";
    let reply = server.post(Some(&token), other, json!({})).await;
    assert_eq!(reply.code(), "FORBIDDEN");
    assert!(reply.body["data"].is_null());
    let registering = json!({ "query": other, "extensions": persisted(&sha256(other)) });
    assert_eq!(
        server.post_body(Some(&token), &registering).await.code(),
        "FORBIDDEN"
    );
    let again = json!({ "extensions": persisted(&sha256(other)) });
    assert_eq!(
        server.post_body(Some(&token), &again).await.code(),
        "FORBIDDEN"
    );
    let (_, body) = get(
        &server,
        &token,
        &[("extensions", again["extensions"].to_string())],
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_allow_list_stops_the_server_from_starting() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), json!({ "0123": QUERY }).to_string()).unwrap();
    let error = parley::persisted::Store::allow_list(file.path(), 64)
        .err()
        .unwrap();
    assert!(error.to_string().contains("is not the SHA-256"), "{error}");
    std::fs::write(file.path(), "[1, 2]").unwrap();
    assert!(parley::persisted::Store::allow_list(file.path(), 64).is_err());
    let broken = "{ conversations ";
    std::fs::write(file.path(), json!({ sha256(broken): broken }).to_string()).unwrap();
    let error = parley::persisted::Store::allow_list(file.path(), 64)
        .err()
        .unwrap();
    assert!(error.to_string().contains("does not parse"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_client_with_a_token_registers_a_query() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let hash = sha256(QUERY);
    let registering = json!({ "query": QUERY, "extensions": persisted(&hash) });

    for authorization in [None, Some("not-a-token")] {
        let reply = server.post_body(authorization, &registering).await;
        assert_eq!(reply.code(), "UNAUTHENTICATED");
        assert!(reply.body["data"].is_null());
    }
    let by_hash = json!({ "extensions": persisted(&hash) });
    let unknown = server.post_body(Some(&token), &by_hash).await;
    assert_eq!(
        unknown.code(),
        "PERSISTED_QUERY_NOT_FOUND",
        "nothing was kept"
    );

    server.post_body(Some(&token), &registering).await.data();
    server.post_body(Some(&token), &by_hash).await.data();
}

/// The value of the gauge `parley_cache_bytes{cache="<cache>"}` at /metrics.
async fn cache_bytes(server: &TestServer, cache: &str) -> u64 {
    let metrics = server.get("/metrics").await.text().await.unwrap();
    let series = format!("parley_cache_bytes{{cache=\"{cache}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .unwrap_or_else(|| panic!("no {series} in /metrics"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn caches_hold_no_more_bytes_than_their_budgets() {
    const PARSED: u64 = 1 << 20;
    const APQ: u64 = 512 << 10;
    let mut options = HttpOptions::default();
    options.caches.parsed_cache_bytes = PARSED;
    options.caches.apq_cache_bytes = APQ;
    let server = TestServer::builder()
        .tenants(1)
        .conversations(3)
        .options(options)
        .start()
        .await;
    let token = server.token().await;

    // 300 unique queries of 12 KB, each registered: some 8 MB of documents and 3.6
    // MB of text, were they all kept.
    for batch in 0..30 {
        let replies = (0..10).map(|i| {
            let name = format!("{}{}", "x".repeat(12 * 1024), batch * 10 + i);
            let query = format!("{{ __type(name: \"{name}\") {{ name }} }}");
            let body = json!({ "query": query, "extensions": persisted(&sha256(&query)) });
            let (server, token) = (&server, &token);
            async move { server.post_body(Some(token), &body).await }
        });
        for reply in futures_util::future::join_all(replies).await {
            assert_eq!(reply.data()["__type"], Value::Null);
        }
        let parsed = cache_bytes(&server, "parsed_documents").await;
        let registered = cache_bytes(&server, "persisted_queries").await;
        assert!(
            0 < parsed && parsed <= PARSED,
            "{parsed} bytes of parsed documents"
        );
        assert!(
            0 < registered && registered <= APQ,
            "{registered} bytes of queries"
        );
    }

    // Queries above the size kept (16 KB) run, and are neither kept nor registered.
    let (parsed, registered) = (
        cache_bytes(&server, "parsed_documents").await,
        cache_bytes(&server, "persisted_queries").await,
    );
    for i in 0..10 {
        let query = format!(
            "{{ __type(name: \"{}{i}\") {{ name }} }}",
            "y".repeat(60_000)
        );
        let hash = sha256(&query);
        let body = json!({ "query": query, "extensions": persisted(&hash) });
        assert_eq!(
            server.post_body(Some(&token), &body).await.data()["__type"],
            Value::Null
        );
        let by_hash = json!({ "extensions": persisted(&hash) });
        let reply = server.post_body(Some(&token), &by_hash).await;
        assert_eq!(reply.code(), "PERSISTED_QUERY_NOT_FOUND");
    }
    assert_eq!(cache_bytes(&server, "parsed_documents").await, parsed);
    assert_eq!(cache_bytes(&server, "persisted_queries").await, registered);

    // And the server still answers.
    let reply = server.post(Some(&token), QUERY, json!({})).await;
    assert_eq!(
        reply.data()["conversations"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
