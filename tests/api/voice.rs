//! Voice sessions: a PHONE conversation's call, its lifecycle, path and properties,
//! filters on its status, and one session (and code) however many start at once.

use entity::voice_session;
use futures_util::future::join_all;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::common::{Config, TestServer, payload};

const CREATE: &str = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } } }";
const START: &str = "mutation($input: StartVoiceSessionInput!) { startVoiceSession(input: $input) { voiceSession { connectionCode status sessionProperties pathTaken startedAt endedAt } userErrors { field code } } }";
const UPDATE: &str = "mutation($input: UpdateVoiceSessionInput!) { updateVoiceSession(input: $input) { voiceSession { status pathTaken sessionProperties startedAt endedAt } userErrors { field code } } }";

async fn conversation(server: &TestServer, token: &str, channel: &str) -> Value {
    let input = json!({ "subject": "Call", "channel": channel });
    let reply = server
        .post(Some(token), CREATE, json!({ "input": input }))
        .await;
    payload(&reply, "createConversation")["conversation"]["id"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_moves_through_its_lifecycle_and_is_filtered_by_status() {
    let server = TestServer::start(2, 0).await;
    let token = server.token().await;
    let call = conversation(&server, &token, "PHONE").await;
    let input = json!({ "conversationId": call, "sessionProperties": { "lang": "en" } });
    let reply = server
        .post(Some(&token), START, json!({ "input": input }))
        .await;
    let session = &payload(&reply, "startVoiceSession")["voiceSession"];
    assert_eq!(session["status"], "PENDING");
    assert_eq!(session["connectionCode"].as_str().map(str::len), Some(8));
    assert_eq!(session["sessionProperties"], json!({ "lang": "en" }));

    let step = |status: Value, path: Value| json!({ "input": { "conversationId": call, "status": status, "appendPath": path } });
    let reply = server
        .post(
            Some(&token),
            UPDATE,
            step(json!("IN_PROGRESS"), json!(["greeting", "menu"])),
        )
        .await;
    let s = &payload(&reply, "updateVoiceSession")["voiceSession"];
    assert_eq!(
        (&s["status"], &s["pathTaken"]),
        (&json!("IN_PROGRESS"), &json!(["greeting", "menu"]))
    );
    assert!(s["startedAt"].is_string() && s["endedAt"].is_null());
    let reply = server
        .post(
            Some(&token),
            UPDATE,
            step(json!("COMPLETED"), json!(["billing"])),
        )
        .await;
    let s = &payload(&reply, "updateVoiceSession")["voiceSession"];
    assert_eq!(s["pathTaken"], json!(["greeting", "menu", "billing"]));
    assert!(s["endedAt"].is_string());

    // Moves the lifecycle does not have, bad paths and properties change nothing.
    for (input, field, code) in [
        (
            step(json!("IN_PROGRESS"), json!([])),
            "status",
            "INVALID_STATE",
        ),
        (
            step(Value::Null, json!([""])),
            "appendPath",
            "INVALID_VALUE",
        ),
        (
            json!({ "input": { "conversationId": call, "sessionProperties": [1] } }),
            "sessionProperties",
            "INVALID_VALUE",
        ),
    ] {
        let reply = server.post(Some(&token), UPDATE, input).await;
        let p = payload(&reply, "updateVoiceSession");
        assert_eq!(
            p["userErrors"],
            json!([{ "field": ["input", field], "code": code }]),
            "{p}"
        );
    }
    // More steps than a list argument may hold is refused before it runs.
    let reply = server
        .post(
            Some(&token),
            UPDATE,
            step(Value::Null, json!(vec!["x"; 101])),
        )
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
    let reply = server
        .post(Some(&token), "query($id: ID!) { node(id: $id) { ... on Conversation { voiceSession { status pathTaken } } } }", json!({ "id": call }))
        .await;
    assert_eq!(
        reply.data()["node"]["voiceSession"],
        json!({ "status": "COMPLETED", "pathTaken": ["greeting", "menu", "billing"] })
    );

    // Filters; only PHONE conversations have sessions; the other tenant sees none.
    let pending = conversation(&server, &token, "PHONE").await;
    server
        .post(
            Some(&token),
            START,
            json!({ "input": { "conversationId": pending } }),
        )
        .await;
    let filter = "query($s: [VoiceSessionStatus!]) { conversations(filter: { voiceStatuses: $s }) { nodes { id } } }";
    let reply = server
        .post(Some(&token), filter, json!({ "s": ["COMPLETED"] }))
        .await;
    assert_eq!(
        reply.data()["conversations"]["nodes"],
        json!([{ "id": call }])
    );
    let reply = server
        .post(
            Some(&token),
            filter,
            json!({ "s": ["PENDING", "COMPLETED"] }),
        )
        .await;
    assert_eq!(
        reply.data()["conversations"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let chat = conversation(&server, &token, "WIDGET_CHAT").await;
    let reply = server
        .post(
            Some(&token),
            START,
            json!({ "input": { "conversationId": chat } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "startVoiceSession")["userErrors"][0]["code"],
        "INVALID_VALUE"
    );
    let foreign = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let reply = server
        .post(
            Some(&foreign),
            filter,
            json!({ "s": ["PENDING", "COMPLETED"] }),
        )
        .await;
    assert_eq!(reply.data()["conversations"]["nodes"], json!([]));
    let reply = server
        .post(Some(&foreign), UPDATE, step(json!("ARCHIVED"), json!([])))
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
}

/// Sixteen starts of one conversation's session make one session; sixteen sessions
/// of different calls asking for one code get it once.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_starts_make_one_session_and_codes_stay_unique() {
    let config = Config::racing(20);
    let server = TestServer::builder()
        .tenants(1)
        .config(config)
        .start()
        .await;
    let token = server.token().await;
    let call = conversation(&server, &token, "PHONE").await;
    let replies = join_all((0..16).map(|_| {
        server.post(
            Some(&token),
            START,
            json!({ "input": { "conversationId": call } }),
        )
    }))
    .await;
    let started = replies
        .iter()
        .filter(|r| payload(r, "startVoiceSession")["userErrors"] == json!([]))
        .count();
    assert_eq!(started, 1);

    let mut calls = Vec::new();
    for _ in 0..16 {
        calls.push(conversation(&server, &token, "PHONE").await);
    }
    let replies = join_all(calls.iter().map(|c| {
        let input = json!({ "conversationId": c, "connectionCode": "JOIN-42" });
        server.post(Some(&token), START, json!({ "input": input }))
    }))
    .await;
    let mut refused = 0;
    for reply in &replies {
        let p = payload(reply, "startVoiceSession");
        if p["userErrors"] != json!([]) {
            assert_eq!(
                p["userErrors"],
                json!([{ "field": ["input", "connectionCode"], "code": "DUPLICATE_NAME" }])
            );
            refused += 1;
        }
    }
    assert_eq!(refused, 15);
    let sessions = voice_session::Entity::find()
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(sessions, 2);
}
