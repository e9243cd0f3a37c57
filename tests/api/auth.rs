//! Every way a request can fail to authenticate or lack a scope.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::AgentRole;
use entity::{activity, agent, conversation, note};
use jsonwebtoken::{EncodingKey, Header, encode};
use parley::config::HttpOptions;
use parley::ids::NodeKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::common::{ALL_SCOPES, SECRET, TestServer, gid};

const VIEWER: &str = "{ viewer { scopes agent { name } tenant { id name } } }";

fn claims(exp_offset: i64, extra: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({ "sub": "1", "tenant": "tenant-1", "scope": "conversation:read", "exp": now + exp_offset });
    if let (Some(c), Some(e)) = (claims.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    claims
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_credentials_are_unauthenticated() {
    let server = TestServer::start(1, 3).await;
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(600, json!({})).to_string())
    );
    let cases = [
        ("no token", None),
        ("garbage", Some("not-a-jwt".to_owned())),
        (
            "bad signature",
            Some(sign(
                &claims(600, json!({})),
                "another-secret-of-enough-length",
            )),
        ),
        ("alg none", Some(unsigned)),
        ("expired", Some(sign(&claims(-3600, json!({})), SECRET))),
        (
            "not yet valid",
            Some(sign(
                &claims(600, json!({ "nbf": chrono::Utc::now().timestamp() + 3600 })),
                SECRET,
            )),
        ),
        (
            "no tenant",
            Some(sign(
                &json!({ "sub": "1", "exp": chrono::Utc::now().timestamp() + 60 }),
                SECRET,
            )),
        ),
        (
            "sub not an agent",
            Some(sign(&claims(600, json!({ "sub": "ada" })), SECRET)),
        ),
    ];
    for (case, token) in cases {
        let reply = server.post(token.as_deref(), VIEWER, json!({})).await;
        assert_eq!(reply.code(), "UNAUTHENTICATED", "{case}: {:#}", reply.body);
        assert!(reply.body["data"].is_null(), "{case}: no data");
    }
    let basic = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(basic["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let good = server
        .post(
            Some(&sign(&claims(600, json!({})), SECRET)),
            VIEWER,
            json!({}),
        )
        .await;
    assert_eq!(good.data()["viewer"]["tenant"]["id"], "tenant-1");
    assert_eq!(
        good.data()["viewer"]["scopes"],
        json!(["conversation:read"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issuer_and_audience_are_checked_when_configured() {
    let server = TestServer::builder()
        .tenants(1)
        .conversations(3)
        .issuer_and_audience("https://auth.parley.test", "parley-api")
        .start()
        .await;
    let iss = "https://auth.parley.test";
    let cases = [
        (
            "wrong audience",
            json!({ "iss": iss, "aud": "another-api" }),
            false,
        ),
        ("no audience", json!({ "iss": iss }), false),
        (
            "wrong issuer",
            json!({ "iss": "https://evil.test", "aud": "parley-api" }),
            false,
        ),
        (
            "right both",
            json!({ "iss": iss, "aud": "parley-api" }),
            true,
        ),
    ];
    for (case, extra, ok) in cases {
        let reply = server
            .post(Some(&sign(&claims(600, extra), SECRET)), VIEWER, json!({}))
            .await;
        if ok {
            assert_eq!(reply.data()["viewer"]["tenant"]["id"], "tenant-1", "{case}");
        } else {
            assert_eq!(reply.code(), "UNAUTHENTICATED", "{case}: {:#}", reply.body);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_scopes_are_forbidden() {
    let server = TestServer::start(1, 5).await;
    // (the token's scopes, a query, the code it gets: None when it answers).
    let table: &[(&str, &str, Option<&str>)] = &[
        (
            "ticket:read",
            "{ conversations { totalCount } }",
            Some("FORBIDDEN"),
        ),
        (
            "conversation:read",
            "{ tickets { totalCount } }",
            Some("FORBIDDEN"),
        ),
        (
            "conversation:read",
            "{ unreadTicketCount }",
            Some("FORBIDDEN"),
        ),
        // Nested tickets need ticket:read, a nested conversation conversation:read.
        (
            "conversation:read",
            "{ conversations(first: 1) { nodes { tickets { totalCount } } } }",
            Some("FORBIDDEN"),
        ),
        (
            "ticket:read",
            "{ tickets(first: 5) { nodes { conversation { id } } } }",
            Some("FORBIDDEN"),
        ),
        ("", "{ agents { totalCount } }", Some("FORBIDDEN")),
        ("conversation:read", "{ ratings { totalCount } }", None),
        (
            "ticket:read",
            "{ ratings { totalCount } }",
            Some("FORBIDDEN"),
        ),
        // The viewer itself needs no scope, and the allowed parts still answer.
        ("", "{ viewer { scopes } }", None),
        (
            "ticket:read",
            "{ tickets { totalCount } agents { totalCount } }",
            None,
        ),
        (
            "conversation:read ticket:read",
            "{ conversations { totalCount } tickets { totalCount } }",
            None,
        ),
    ];
    let mut failed = Vec::new();
    for (scopes, query, expected) in table {
        let token = server.token_for("tenant-1", scopes).await;
        let reply = server.post(Some(&token), query, json!({})).await;
        let got = reply.body["errors"][0]["extensions"]["code"].as_str();
        if got != *expected {
            failed.push(format!(
                "[{scopes}] {query}: expected {expected:?}, got {:#}",
                reply.body
            ));
        } else if let Some(needed) = expected.and(reply.body["errors"][0]["message"].as_str())
            && !needed.contains("scope")
        {
            failed.push(format!(
                "[{scopes}] {query}: the message names no scope: {needed}"
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} rows failed:\n{}",
        failed.len(),
        table.len(),
        failed.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn introspection_needs_no_token() {
    let server = TestServer::start(0, 0).await;
    let reply = server
        .post(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(reply.data()["__schema"]["queryType"]["name"], "Query");
}

/// The first agent of `tenant`.
async fn agent_of(server: &TestServer, tenant: &str) -> i64 {
    agent::Entity::find()
        .filter(agent::Column::TenantId.eq(tenant))
        .order_by_asc(agent::Column::Id)
        .one(&server.db)
        .await
        .unwrap()
        .expect("the tenant has agents")
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_for_unknown_tenants_or_agents_are_unauthenticated() {
    let server = TestServer::start(2, 3).await;
    let (agent1, agent2) = (
        agent_of(&server, "tenant-1").await,
        agent_of(&server, "tenant-2").await,
    );
    let mint = |tenant: &str, agent: i64| {
        server
            .jwt
            .mint(tenant, agent, ALL_SCOPES, Duration::from_secs(600))
            .unwrap()
    };
    let conversation = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let conversation = gid(NodeKind::Conversation, conversation.id);
    let counts = || async {
        (
            note::Entity::find().count(&server.db).await.unwrap(),
            conversation::Entity::find()
                .count(&server.db)
                .await
                .unwrap(),
            activity::Entity::find().count(&server.db).await.unwrap(),
        )
    };
    let before = counts().await;
    let add_note = "mutation($input: AddNoteInput!) { addNote(input: $input) { note { id } userErrors { code } } }";
    let create =
        "mutation { createConversation(input: {subject: \"hi\"}) { conversation { id } } }";
    let cases = [
        ("unknown tenant", mint("tenant-404", agent1)),
        ("unknown agent", mint("tenant-1", 999_999)),
        ("agent of another tenant", mint("tenant-1", agent2)),
    ];
    for (case, token) in &cases {
        let reply = server.post(Some(token), VIEWER, json!({})).await;
        assert_eq!(reply.code(), "UNAUTHENTICATED", "{case}: {:#}", reply.body);
        assert!(reply.body["data"].is_null(), "{case}: no data");
        let input = json!({ "input": { "conversationId": conversation, "body": "Who am I?" } });
        let reply = server.post(Some(token), add_note, input).await;
        assert_eq!(reply.code(), "UNAUTHENTICATED", "{case}: {:#}", reply.body);
        let reply = server.post(Some(token), create, json!({})).await;
        assert_eq!(reply.code(), "UNAUTHENTICATED", "{case}: {:#}", reply.body);
        let (_socket, reply) = crate::subscriptions::connect(&server.url, token).await;
        assert_eq!(reply, Some(json!({ "close": 4403 })), "{case}");
    }
    assert_eq!(counts().await, before, "nothing was written");
    // A token of an agent of its own tenant still works, on both transports.
    let good = mint("tenant-2", agent2);
    let reply = server.post(Some(&good), VIEWER, json!({})).await;
    assert_eq!(reply.data()["viewer"]["tenant"]["id"], "tenant-2");
    let (_socket, ack) = crate::subscriptions::connect(&server.url, &good).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_agent_is_refused_once_the_remembered_answer_expires() {
    let options = HttpOptions {
        auth_cache_ttl: Duration::from_secs(1),
        ..HttpOptions::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(2)
        .options(options)
        .start()
        .await;
    let agent = agent::ActiveModel {
        tenant_id: Set("tenant-1".into()),
        name: Set("Leaving Soon".into()),
        email: Set("leaving@example.com".into()),
        role: Set(AgentRole::Agent),
        created_at: Set(0),
        ..Default::default()
    }
    .insert(&server.db)
    .await
    .unwrap();
    let token = server
        .jwt
        .mint("tenant-1", agent.id, ALL_SCOPES, Duration::from_secs(600))
        .unwrap();
    let reply = server.post(Some(&token), VIEWER, json!({})).await;
    assert_eq!(reply.data()["viewer"]["agent"]["name"], "Leaving Soon");
    agent::Entity::delete_by_id(agent.id)
        .exec(&server.db)
        .await
        .unwrap();
    // Remembered for the TTL (so a request costs no query), then looked up again.
    let reply = server
        .post(Some(&token), "{ viewer { scopes } }", json!({}))
        .await;
    assert!(reply.body.get("errors").is_none(), "{:#}", reply.body);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let reply = server.post(Some(&token), VIEWER, json!({})).await;
    assert_eq!(reply.code(), "UNAUTHENTICATED", "{:#}", reply.body);
}
