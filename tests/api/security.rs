//! Hostile requests, each answered with its clear error, after which the server
//! still answers normally.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header, encode};
use parley::auth::{JwtConfig, KeySource};
use serde_json::{Value, json};

use crate::common::{ALL_SCOPES, TestServer};

const PUBLIC: &str = include_str!("../fixtures/rsa-public.pem");
const PRIVATE: &str = include_str!("../fixtures/rsa-private.pem");

fn claims(extra: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut claims =
        json!({ "sub": "1", "tenant": "tenant-1", "scope": ALL_SCOPES, "exp": now + 600 });
    if let (Some(c), Some(e)) = (claims.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    claims
}

/// Status and body of a raw POST; status 0 when the server closed the connection
/// before the client finished sending (it answers 413 at once to an oversized body).
async fn raw(
    server: &TestServer,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, String) {
    let sent = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        ),
        Err(_) => (0, String::new()),
    }
}

async fn still_answers(server: &TestServer, token: &str) {
    let reply = server
        .post(
            Some(token),
            "{ conversations(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(
        reply.data()["conversations"]["totalCount"]
            .as_i64()
            .unwrap()
            > 0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_tokens_are_refused_with_an_rs256_key() {
    let source = KeySource::PublicKey {
        public_pem: PUBLIC.into(),
        private_pem: Some(PRIVATE.into()),
    };
    let jwt = JwtConfig::new(source, None, None).unwrap();
    let server = TestServer::builder()
        .tenants(1)
        .conversations(3)
        .jwt(jwt.clone())
        .start()
        .await;
    let good = jwt
        .mint(
            "tenant-1",
            1,
            ALL_SCOPES,
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    still_answers(&server, &good).await;

    // HS256 signed with the public key as the secret: the classic algorithm confusion.
    let confused = encode(
        &Header::default(),
        &claims(json!({})),
        &EncodingKey::from_secret(PUBLIC.as_bytes()),
    )
    .unwrap();
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(json!({})).to_string())
    );
    let rs = |extra: Value| {
        encode(
            &Header::new(jsonwebtoken::Algorithm::RS256),
            &claims(extra),
            &EncodingKey::from_rsa_pem(PRIVATE.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    for (case, token) in [
        ("HS256 with the public key", confused),
        ("alg none", unsigned),
        ("expired", rs(json!({ "exp": now - 3600 }))),
        ("not yet valid", rs(json!({ "nbf": now + 3600 }))),
    ] {
        let reply = server
            .post(Some(&token), "{ viewer { scopes } }", json!({}))
            .await;
        assert_eq!(reply.code(), "UNAUTHENTICATED", "{case}");
    }
    still_answers(&server, &good).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn abusive_requests_get_clear_errors() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;

    let deep = format!(
        "{{ conversations {{ nodes {}id{} }} }}",
        "parent { ".repeat(200),
        " }".repeat(200)
    );
    assert_eq!(
        server.post(Some(&token), &deep, json!({})).await.code(),
        "QUERY_TOO_COMPLEX",
        "depth 200"
    );

    let aliases = format!(
        "{{ {} }}",
        (0..5000)
            .map(|i| format!("a{i}:__typename"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let reply = server.post(Some(&token), &aliases, json!({})).await;
    assert!(
        matches!(reply.code(), "QUERY_TOO_COMPLEX" | "BAD_USER_INPUT"),
        "5,000 aliases: {}",
        reply.code()
    );

    let (status, _) = raw(
        &server,
        "application/json",
        format!(
            r#"{{"query":"{{ __typename }}","x":"{}"}}"#,
            "y".repeat(10 << 20)
        ),
    )
    .await;
    assert!(matches!(status, 413 | 0), "a 10 MB body: {status}");

    let batch = Value::Array(vec![json!({ "query": "{ __typename }" }); 1000]);
    let (status, body) = raw(&server, "application/json", batch.to_string()).await;
    assert_eq!(status, 400, "a batch of 1,000: {body}");
    assert!(body.contains("BAD_USER_INPUT"));

    for (content_type, body) in [
        ("application/json", r#"{"query": "{ __typename }""#),
        ("application/json", "not json at all"),
        ("text/plain", r#"{"query": "{ __typename }"}"#),
        ("application/xml", "<query/>"),
    ] {
        let (status, _) = raw(&server, content_type, body).await;
        assert!(
            (400..500).contains(&status),
            "{content_type} {body}: {status}"
        );
    }

    for first in [json!(-1), json!(1_000_000_000)] {
        let reply = server
            .post(
                Some(&token),
                "query($n: Int) { conversations(first: $n) { totalCount } }",
                json!({ "n": first }),
            )
            .await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "first = {first}");
    }
    still_answers(&server, &token).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sdl_is_served_only_while_introspection_is_on() {
    let open = TestServer::start(0, 0).await;
    let reply = open.get("/schema.graphql").await;
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.text().await.unwrap(), parley::graphql::sdl());

    let options = parley::config::HttpOptions {
        introspection: false,
        ..parley::config::HttpOptions::default()
    };
    let closed = TestServer::builder()
        .tenants(1)
        .conversations(2)
        .options(options)
        .start()
        .await;
    let reply = closed.get("/schema.graphql").await;
    assert_eq!(reply.status(), 404);
    assert!(!reply.text().await.unwrap().contains("type Query"));
    // Queries still run.
    let token = closed.token().await;
    still_answers(&closed, &token).await;
}
