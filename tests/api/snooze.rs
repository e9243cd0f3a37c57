//! Snoozed conversations: PENDING until their time, then OPEN again, woken exactly
//! once however many replicas look, also by a replica started after the snooze.

use std::time::Duration;

use entity::enums::{ActivityType, ConversationState};
use entity::{activity, conversation};
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{Config, TestServer, codes, gid, payload};

const SNOOZE: &str = "mutation($input: SnoozeConversationInput!) { snoozeConversation(input: $input) { conversation { id state snoozedUntil } userErrors { field code } } }";
const UNSNOOZE: &str = "mutation($input: UnsnoozeConversationInput!) { unsnoozeConversation(input: $input) { conversation { state snoozedUntil } userErrors { field code } } }";

fn in_seconds(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds)).to_rfc3339()
}

fn snooze(id: &Value, until: &str) -> Value {
    json!({ "input": { "conversationId": id, "until": until } })
}

/// A gateway whose waker looks every `interval` (zero: never).
fn config(interval: Duration) -> Config {
    let mut config = Config::racing(12);
    config.options.snooze_check_interval = interval;
    config
}

async fn open_ids(server: &TestServer, n: u64) -> Vec<Value> {
    use sea_orm::{QueryOrder, QuerySelect};
    conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .filter(conversation::Column::State.ne(ConversationState::Closed))
        .order_by_asc(conversation::Column::Id)
        .limit(n)
        .all(&server.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| json!(gid(parley::ids::NodeKind::Conversation, c.id)))
        .collect()
}

async fn unsnoozed(server: &TestServer) -> u64 {
    activity::Entity::find()
        .filter(activity::Column::Kind.eq(ActivityType::Unsnoozed))
        .count(&server.db)
        .await
        .unwrap()
}

/// Waits (up to 30 s) until no conversation is snoozed any more.
async fn until_all_woken(server: &TestServer) {
    for _ in 0..300 {
        let snoozed = conversation::Entity::find()
            .filter(conversation::Column::SnoozedUntil.is_not_null())
            .count(&server.db)
            .await
            .unwrap();
        if snoozed == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("snoozed conversations were not woken");
}

#[tokio::test(flavor = "multi_thread")]
async fn snoozing_sets_a_conversation_aside_until_woken() {
    let server = TestServer::builder()
        .tenants(1)
        .conversations(6)
        .config(config(Duration::ZERO))
        .start()
        .await;
    let token = server.token().await;
    let ids = open_ids(&server, 3).await;
    let until = in_seconds(3600);
    let reply = server
        .post(Some(&token), SNOOZE, snooze(&ids[0], &until))
        .await;
    let conv = &payload(&reply, "snoozeConversation")["conversation"];
    assert_eq!(conv["state"], "PENDING");
    assert!(conv["snoozedUntil"].is_string());
    let listed = server
        .post(
            Some(&token),
            "{ conversations(filter: { snoozed: true }) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed.data()["conversations"]["nodes"],
        json!([{ "id": ids[0] }])
    );

    // Bad times change nothing.
    for until in [in_seconds(-5), in_seconds(400 * 24 * 3600)] {
        let reply = server
            .post(Some(&token), SNOOZE, snooze(&ids[1], &until))
            .await;
        let p = payload(&reply, "snoozeConversation");
        assert_eq!(
            p["userErrors"],
            json!([{ "field": ["input", "until"], "code": "INVALID_VALUE" }])
        );
    }

    // An agent wakes it; waking it again is refused.
    for expected in [
        json!([]),
        json!([{ "field": ["input", "conversationId"], "code": "INVALID_STATE" }]),
    ] {
        let reply = server
            .post(
                Some(&token),
                UNSNOOZE,
                json!({ "input": { "conversationId": ids[0] } }),
            )
            .await;
        let p = payload(&reply, "unsnoozeConversation");
        assert_eq!(p["userErrors"], expected, "{p}");
    }

    // The customer writing wakes it, with no agent as the actor.
    server
        .post(Some(&token), SNOOZE, snooze(&ids[1], &until))
        .await;
    let add = "mutation($input: AddMessageInput!) { addMessage(input: $input) { conversation { state snoozedUntil } } }";
    let input = json!({ "conversationId": ids[1], "text": "Any news?", "role": "USER" });
    let reply = server
        .post(Some(&token), add, json!({ "input": input }))
        .await;
    assert_eq!(
        payload(&reply, "addMessage")["conversation"],
        json!({ "state": "OPEN", "snoozedUntil": null })
    );
    let by_nobody = activity::Entity::find()
        .filter(activity::Column::Kind.eq(ActivityType::Unsnoozed))
        .filter(activity::Column::ActorId.is_null())
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(by_nobody, 1);

    // Closing a snoozed conversation ends the snooze; a closed one is not snoozed.
    server
        .post(Some(&token), SNOOZE, snooze(&ids[2], &until))
        .await;
    let close = "mutation($input: CloseConversationInput!) { closeConversation(input: $input) { conversation { snoozedUntil } } }";
    let reply = server
        .post(
            Some(&token),
            close,
            json!({ "input": { "conversationId": ids[2] } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "closeConversation")["conversation"]["snoozedUntil"],
        Value::Null
    );
    let reply = server
        .post(Some(&token), SNOOZE, snooze(&ids[2], &until))
        .await;
    assert_eq!(
        codes(payload(&reply, "snoozeConversation")),
        ["CONVERSATION_CLOSED"]
    );
}

/// Snoozed by a gateway that never wakes anything, then woken by a replica started
/// afterwards, from what the database holds: a restart loses no snooze.
#[tokio::test(flavor = "multi_thread")]
async fn a_replica_started_later_wakes_what_came_due() {
    let first = TestServer::builder()
        .tenants(1)
        .conversations(6)
        .config(config(Duration::ZERO))
        .start()
        .await;
    let token = first.token().await;
    let ids = open_ids(&first, 3).await;
    let until = in_seconds(1);
    for id in &ids {
        let reply = first.post(Some(&token), SNOOZE, snooze(id, &until)).await;
        assert_eq!(
            payload(&reply, "snoozeConversation")["userErrors"],
            json!([])
        );
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        unsnoozed(&first).await,
        0,
        "the first gateway does not wake"
    );
    let _second = first.replica(config(Duration::from_millis(100))).await;
    until_all_woken(&first).await;
    assert_eq!(unsnoozed(&first).await, 3);
    let open = conversation::Entity::find()
        .filter(conversation::Column::State.eq(ConversationState::Open))
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .count(&first.db)
        .await
        .unwrap();
    assert!(open >= 3);
}

/// Three replicas look every 20 ms at forty conversations coming due together:
/// each is woken, and logged, exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn replicas_wake_each_due_conversation_once() {
    let first = TestServer::builder()
        .tenants(1)
        .conversations(150)
        .config(config(Duration::ZERO))
        .start()
        .await;
    let token = first.token().await;
    let ids = open_ids(&first, 40).await;
    assert!(
        ids.len() >= 20,
        "the seed has enough conversations not closed"
    );
    let until = in_seconds(2);
    let replies = join_all(
        ids.iter()
            .map(|id| first.post(Some(&token), SNOOZE, snooze(id, &until))),
    )
    .await;
    let snoozed = replies
        .iter()
        .filter(|r| payload(r, "snoozeConversation")["userErrors"] == json!([]))
        .count();
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(first.replica(config(Duration::from_millis(20))).await);
    }
    until_all_woken(&first).await;
    assert_eq!(unsnoozed(&first).await, snoozed as u64);
    assert_eq!(snoozed, ids.len());
}
