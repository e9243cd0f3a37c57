//! Nesting: a document or variables nested thousands of levels deep is refused
//! before anything parses it, over every transport (GET, POST, batch, persisted
//! query registration, websocket), and the server answers normally afterwards.
//! Before the limit, each of these overflowed the parser's stack and aborted the
//! process.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parley::persisted::sha256;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Reply, TestServer};
use crate::subscriptions::connect;

/// Levels of nesting in hostile requests, far beyond the default limit (64): 500
/// overflows the stack of a debug build (deeper, its parser gives up first), 3,000
/// that of a release build.
const DEPTHS: [usize; 2] = [500, 3000];

/// The deepest of them.
const DEEP: usize = 3000;

/// `open` `depth` times, `inner`, then `close` as often.
fn nested_to(depth: usize, open: &str, inner: &str, close: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

/// `open` `DEEP` times, `inner`, then `close` as often.
fn nested(open: &str, inner: &str, close: &str) -> String {
    nested_to(DEEP, open, inner, close)
}

/// Documents that nest lists, objects, arguments and selections each of `DEPTHS`.
fn deep_documents() -> Vec<String> {
    DEPTHS
        .into_iter()
        .flat_map(|depth| {
            let nested = |open, inner, close| nested_to(depth, open, inner, close);
            [
                format!(
                    "{{ __type(name: {}) {{ name }} }}",
                    nested("[", "\"Query\"", "]")
                ),
                format!("{{ nodes(ids: {}) {{ id }} }}", nested("[", "\"x\"", "]")),
                format!(
                    "{{ conversations(filter: {}) {{ totalCount }} }}",
                    nested("{a: ", "1", "}")
                ),
                nested("{ a ", "b", "}"),
                format!("query($v: {}) {{ __typename }}", nested("[", "Int", "]")),
            ]
        })
        .collect()
}

fn assert_too_complex(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 400, "{what}: {:#}", reply.body);
    assert_eq!(reply.code(), "QUERY_TOO_COMPLEX", "{what}");
}

/// The server still answers a normal query.
async fn assert_alive(server: &TestServer, token: &str) {
    let reply = server
        .post(Some(token), "{ conversations { totalCount } }", json!({}))
        .await;
    assert_eq!(reply.data()["conversations"]["totalCount"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_documents_are_refused_over_post_and_in_batches() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    for document in deep_documents() {
        let reply = server.post(Some(&token), &document, json!({})).await;
        assert_too_complex(&reply, &document[..40]);
        let batch = json!([{ "query": "{ __typename }" }, { "query": document }]);
        let reply = server.post_body(Some(&token), &batch).await;
        assert_too_complex(&reply, "in a batch");
        // Without a token too: nothing is parsed before the limit.
        let reply = server.post(None, &document, json!({})).await;
        assert_too_complex(&reply, "anonymous");
    }
    // At the limit (64), the same shapes are parsed and validated: wrong types, no crash.
    for document in [
        format!(
            "{{ __type(name: {}\"Query\"{}) {{ name }} }}",
            "[".repeat(61),
            "]".repeat(61)
        ),
        format!(
            "{{ conversations(filter: {}1{}) {{ totalCount }} }}",
            "{a: ".repeat(62),
            "}".repeat(62)
        ),
    ] {
        let reply = server.post(Some(&token), &document, json!({})).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{:#}", reply.body);
    }
    // Brackets inside strings and comments are not nesting.
    let quoted = format!(
        "{{ __type(name: \"{}\") {{ name }} # {}\n }}",
        "[".repeat(DEEP),
        "{".repeat(DEEP)
    );
    let reply = server.post(Some(&token), &quoted, json!({})).await;
    assert_eq!(reply.data()["__type"], Value::Null);
    assert_alive(&server, &token).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_variables_are_refused() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    // Deeper than the limit, within what JSON decoding accepts (128).
    let mut ids = json!("x");
    for _ in 0..100 {
        ids = json!([ids]);
    }
    let reply = server
        .post(Some(&token), query, json!({ "ids": ids }))
        .await;
    assert_too_complex(&reply, "variables");
    // Deeper than JSON decoding accepts: not a GraphQL request at all.
    let body = format!(
        r#"{{"query": "{{ __typename }}", "variables": {{"v": {}}}}}"#,
        nested("[", "1", "]")
    );
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_alive(&server, &token).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_documents_and_variables_are_refused_over_get() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let get = |params: Vec<(&'static str, String)>| {
        let request = reqwest::Client::new()
            .get(format!("{}/graphql", server.url))
            .bearer_auth(&token)
            .query(&params);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.json().await.unwrap();
            Reply {
                status,
                headers,
                body,
            }
        }
    };
    for document in deep_documents() {
        let reply = get(vec![("query", document)]).await;
        assert_too_complex(&reply, "GET");
    }
    let mut v = json!(1);
    for _ in 0..100 {
        v = json!({ "a": v });
    }
    let params = vec![
        ("query", "query($v: Int) { __typename }".to_owned()),
        ("variables", json!({ "v": v }).to_string()),
    ];
    assert_too_complex(&get(params).await, "GET variables");
    assert_alive(&server, &token).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_persisted_query_is_neither_parsed_nor_registered() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    for document in deep_documents() {
        let hash = sha256(&document);
        let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        let register = json!({ "query": document, "extensions": extensions });
        let reply = server.post_body(Some(&token), &register).await;
        assert_too_complex(&reply, "registration");
        let by_hash = json!({ "extensions": extensions });
        let reply = server.post_body(Some(&token), &by_hash).await;
        assert_eq!(reply.code(), "PERSISTED_QUERY_NOT_FOUND", "not registered");
    }
    assert_alive(&server, &token).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_subscription_is_refused_over_the_websocket() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let (mut socket, ack) = connect(&server.url, &token).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let deep = |depth| {
        format!(
            "subscription {{ conversationEvents(types: {}) {{ type }} }}",
            nested_to(depth, "[", "CLAIMED", "]")
        )
    };
    let queries = [
        ("deep", deep(DEPTHS[0])),
        ("deeper", deep(DEPTHS[1])),
        ("selections", nested("{ a ", "b", "}")),
    ];
    for (id, query) in queries {
        let message = json!({ "id": id, "type": "subscribe", "payload": { "query": query } });
        socket
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
        let reply = loop {
            let next = tokio::time::timeout(Duration::from_secs(10), socket.next())
                .await
                .expect("an answer")
                .expect("the socket is open")
                .unwrap();
            if let Message::Text(text) = next {
                let message: Value = serde_json::from_str(&text).unwrap();
                if message["type"] != "complete" {
                    break message;
                }
            }
        };
        assert_eq!(reply["id"], id, "{reply}");
        let code = &reply["payload"]["errors"][0]["extensions"]["code"];
        assert_eq!(code, "QUERY_TOO_COMPLEX", "{reply}");
    }
    assert_alive(&server, &token).await;
}

#[test]
fn a_deep_allow_list_entry_stops_the_server_from_starting() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let entries: serde_json::Map<String, Value> = deep_documents()
        .into_iter()
        .map(|document| (sha256(&document), Value::from(document)))
        .collect();
    std::fs::write(file.path(), Value::Object(entries).to_string()).unwrap();
    let error = parley::persisted::Store::allow_list(file.path(), 64)
        .err()
        .unwrap();
    assert!(error.to_string().contains("levels of brackets"), "{error}");
}
