//! What a client names is bounded before metrics and logs keep it: operation names
//! become metric labels only from a bounded set, and a request id is echoed only
//! when it is short and plain.

use std::collections::HashSet;

use futures_util::future::join_all;
use parley::config::HttpOptions;
use parley::persisted::sha256;
use serde_json::{Value, json};

use crate::common::TestServer;

/// The distinct `operation` label values of `/metrics`, and its size.
async fn operation_labels(server: &TestServer) -> (HashSet<String>, usize) {
    let text = server.get("/metrics").await.text().await.unwrap();
    let labels = text
        .lines()
        .filter_map(|line| line.split_once("operation=\"")?.1.split_once('"'))
        .map(|(label, _)| label.to_owned())
        .collect();
    (labels, text.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn random_operation_names_share_one_label_beyond_the_first_ones() {
    let options = HttpOptions {
        max_operation_labels: 20,
        ..HttpOptions::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(2)
        .options(options)
        .start()
        .await;
    let token = server.token().await;
    let inbox = "query Inbox { conversations { totalCount } }";
    server.post(Some(&token), inbox, json!({})).await.data();
    for chunk in 0..125 {
        let requests = (0..16).map(|i| {
            let name = format!("Random{}x{}", chunk * 16 + i, rand::random::<u32>());
            let query = format!("query {name} {{ __typename }}");
            let body = match i % 4 {
                // The name the client selects, whatever the document says.
                0 => json!({ "query": "{ __typename }", "operationName": name }),
                1 => json!({ "query": query, "operationName": "x".repeat(5000 + i) }),
                _ => json!({ "query": query }),
            };
            let token = token.clone();
            let server = &server;
            async move { server.post_body(Some(&token), &body).await }
        });
        join_all(requests).await;
    }
    server.post(Some(&token), inbox, json!({})).await.data();
    let (labels, size) = operation_labels(&server).await;
    assert!(
        labels.len() <= 20 + 3,
        "{} labels: {labels:?}",
        labels.len()
    );
    assert!(
        labels.contains("Inbox"),
        "a name seen first keeps its label"
    );
    assert!(labels.contains("other"), "the rest share one");
    // About 3 KB per label (three histograms): 2,000 labels would be 6 MB.
    assert!(size < 200_000, "/metrics is {size} bytes");
    let text = server.get("/metrics").await.text().await.unwrap();
    let inbox_count = r#"parley_graphql_requests_total{operation="Inbox",outcome="ok"} 2"#;
    assert!(text.lines().any(|l| l == inbox_count), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_an_allow_list_its_operation_names_are_the_labels() {
    let listed = "query Listed { conversations { totalCount } }";
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), json!({ sha256(listed): listed }).to_string()).unwrap();
    let options = HttpOptions {
        allowed_operations: Some(file.path().to_owned()),
        ..HttpOptions::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(2)
        .options(options)
        .start()
        .await;
    let token = server.token().await;
    server.post(Some(&token), listed, json!({})).await.data();
    for i in 0..50 {
        let reply = server
            .post(
                Some(&token),
                &format!("query Unlisted{i} {{ __typename }}"),
                json!({}),
            )
            .await;
        assert_eq!(reply.code(), "FORBIDDEN");
    }
    let (labels, _) = operation_labels(&server).await;
    let expected: HashSet<String> = ["Listed", "other"].map(String::from).into();
    assert_eq!(labels, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_short_plain_request_ids_are_kept() {
    let server = TestServer::start(1, 2).await;
    let client = reqwest::Client::new();
    let send = |id: String| {
        client
            .post(format!("{}/graphql", server.url))
            .header("x-request-id", id)
            .json(&json!({ "query": "{ nope }" }))
            .send()
    };
    let good = "0af7651916cd43dd8448eb211c80319c:b7ad6b71-69._";
    let response = send(good.to_owned()).await.unwrap();
    assert_eq!(
        response.headers()["x-request-id"],
        good,
        "a safe id is kept"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["requestId"], good);

    let long = "a".repeat(20 * 1024);
    for bad in [
        long,
        "a".repeat(65),
        "id with spaces".into(),
        "<script>".into(),
        "ünïcode".into(),
        String::new(),
    ] {
        let response = send(bad.clone()).await.unwrap();
        let echoed = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(echoed.len(), 36, "a fresh UUID instead of {:.40}", bad);
        assert_ne!(echoed, bad);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["requestId"],
            echoed.as_str()
        );
    }
}
