//! Depth, cost, alias, batch and size limits: each gets a clear error, and the
//! server answers normally afterwards.

use serde_json::{Value, json};

use crate::common::TestServer;

/// Status and JSON body of a POST; status 0 when the server closed the connection
/// before the client finished sending (it answers 413 at once to an oversized body).
async fn post_raw(server: &TestServer, token: &str, body: Value) -> (u16, Value) {
    let sent = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await;
    match sent {
        Ok(response) => (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        ),
        Err(_) => (0, Value::Null),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_costly_and_aliased_queries_are_too_complex() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;

    let deep = format!(
        "{{ conversations {{ nodes {}id{} }} }}",
        "parent { ".repeat(20),
        " }".repeat(20)
    );
    assert_eq!(
        server.post(Some(&token), &deep, json!({})).await.code(),
        "QUERY_TOO_COMPLEX"
    );

    let costly = |n: i32| {
        format!(
            "{{ conversations(first: {n}) {{ nodes {{ messages(first: {n}) {{ nodes {{ text conversation {{
               tickets(first: {n}) {{ nodes {{ tags(first: {n}) {{ nodes {{ name }} }} }} }} }} }} }} }} }} }}"
        )
    };
    let reply = server.post(Some(&token), &costly(100), json!({})).await;
    assert_eq!(reply.code(), "QUERY_TOO_COMPLEX", "cost grows with first");
    let reply = server.post(Some(&token), &costly(3), json!({})).await;
    assert!(
        reply.data()["conversations"]["nodes"].is_array(),
        "the same shape with small pages runs"
    );

    let aliases = |n: usize| {
        format!(
            "{{ {} }}",
            (0..n)
                .map(|i| format!("a{i}: __typename"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    assert_eq!(
        server
            .post(Some(&token), &aliases(101), json!({}))
            .await
            .code(),
        "QUERY_TOO_COMPLEX"
    );
    assert_eq!(
        server
            .post(Some(&token), &aliases(100), json!({}))
            .await
            .data()["a99"],
        "Query"
    );
}

/// Parsed documents are reused by their text; the checks are not.
#[tokio::test(flavor = "multi_thread")]
async fn a_document_sent_again_is_checked_again() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;
    let query = "query($n: Int) { conversations(first: $n) { nodes {
        messages(first: $n) { nodes { tickets: conversation { tickets(first: $n) { nodes {
        tags(first: $n) { nodes { name } } } } } } } } } }";
    for (n, runs) in [(3, true), (100, false), (3, true), (100, false)] {
        let reply = server.post(Some(&token), query, json!({ "n": n })).await;
        if runs {
            assert!(
                reply.data()["conversations"]["nodes"].is_array(),
                "first: {n}"
            );
        } else {
            assert_eq!(reply.code(), "QUERY_TOO_COMPLEX", "first: {n}");
        }
    }
    let aliased: String = (0..101).map(|i| format!("a{i}: __typename ")).collect();
    for _ in 0..2 {
        let reply = server
            .post(Some(&token), &format!("{{ {aliased} }}"), json!({}))
            .await;
        assert_eq!(reply.code(), "QUERY_TOO_COMPLEX");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_batches_queries_and_bodies_are_refused() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let one = json!({ "query": "{ __typename }" });

    let (status, body) = post_raw(&server, &token, Value::Array(vec![one.clone(); 11])).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (400, Some("BAD_USER_INPUT"))
    );
    let (status, body) = post_raw(&server, &token, Value::Array(vec![one.clone(); 10])).await;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(10)));

    let long = format!("{{ __typename }} # {}", "x".repeat(70 * 1024));
    let (status, body) = post_raw(&server, &token, json!({ "query": long })).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (400, Some("BAD_USER_INPUT"))
    );

    let huge =
        json!({ "query": "{ __typename }", "variables": { "x": "y".repeat(2 * 1024 * 1024) } });
    let (status, _) = post_raw(&server, &token, huge).await;
    assert!(matches!(status, 413 | 0), "the body limit: {status}");

    let (status, body) = post_raw(&server, &token, one).await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("Query")),
        "still answering"
    );
}
