//! claimConversation: its rules, its activity entry, and exactly one winner among
//! concurrent claims.

use entity::enums::{ActivityType, ConversationState};
use entity::{activity, agent, conversation};
use parley::ids::NodeKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::common::{ALL_SCOPES, TestServer, gid};

const CLAIM: &str = r#"mutation($input: ClaimConversationInput!) {
  claimConversation(input: $input) {
    clientMutationId
    conversation { id assignee { id } assignedAt updatedAt }
    userErrors { field message code }
  }
}"#;

/// A token for agent `agent` of tenant-1.
fn token_of(server: &TestServer, agent: i64) -> String {
    server
        .jwt
        .mint(
            "tenant-1",
            agent,
            ALL_SCOPES,
            std::time::Duration::from_secs(600),
        )
        .unwrap()
}

async fn agents(server: &TestServer) -> Vec<i64> {
    agent::Entity::find()
        .filter(agent::Column::TenantId.eq("tenant-1"))
        .order_by_asc(agent::Column::Id)
        .all(&server.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

/// A conversation of tenant-1 in `state`, made assigned (to the first agent) or unassigned.
async fn conversation_where(
    server: &TestServer,
    state: ConversationState,
    assigned: bool,
) -> conversation::Model {
    let found = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .filter(conversation::Column::State.eq(state))
        .one(&server.db)
        .await
        .unwrap()
        .expect("the seed has a conversation in every state");
    let assignee = if assigned {
        Some(found.assignee_id.unwrap_or(agents(server).await[0]))
    } else {
        None
    };
    let mut row: conversation::ActiveModel = found.into();
    row.assignee_id = Set(assignee);
    row.update(&server.db).await.unwrap()
}

async fn claims_of(server: &TestServer, conversation: i64) -> Vec<activity::Model> {
    activity::Entity::find()
        .filter(activity::Column::ConversationId.eq(conversation))
        .filter(activity::Column::Kind.eq(ActivityType::Claimed))
        .order_by_asc(activity::Column::Id)
        .all(&server.db)
        .await
        .unwrap()
}

fn payload(reply: &crate::common::Reply) -> &Value {
    &reply.data()["claimConversation"]
}

#[tokio::test(flavor = "multi_thread")]
async fn claim_assigns_and_records_who_did_it() {
    let server = TestServer::start(1, 40).await;
    let agents = agents(&server).await;
    let conv = conversation_where(&server, ConversationState::Open, false).await;
    let before = claims_of(&server, conv.id).await.len();
    let token = token_of(&server, agents[1]);
    let input = json!({ "conversationId": gid(NodeKind::Conversation, conv.id), "clientMutationId": "c-1" });
    let reply = server
        .post(Some(&token), CLAIM, json!({ "input": input }))
        .await;
    let p = payload(&reply);
    assert_eq!(p["clientMutationId"], "c-1");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(
        p["conversation"]["assignee"]["id"],
        gid(NodeKind::Agent, agents[1]),
        "default: the viewer"
    );
    let row = conversation::Entity::find_by_id(conv.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.assignee_id, Some(agents[1]));
    assert_eq!(row.version, conv.version + 1);
    let entries = claims_of(&server, conv.id).await;
    assert_eq!(entries.len(), before + 1, "one CLAIMED entry");
    let entry = entries.last().unwrap();
    assert_eq!(
        (entry.actor_id, entry.agent_id, entry.from_agent_id),
        (Some(agents[1]), Some(agents[1]), None)
    );

    // Claiming again by the same agent changes nothing.
    let reply = server
        .post(Some(&token), CLAIM, json!({ "input": input }))
        .await;
    assert_eq!(payload(&reply)["userErrors"], json!([]));
    assert_eq!(claims_of(&server, conv.id).await.len(), before + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn claim_without_force_never_takes_from_another_agent_and_force_does() {
    let server = TestServer::start(1, 40).await;
    let conv = conversation_where(&server, ConversationState::Open, true).await;
    let holder = conv.assignee_id.unwrap();
    let other = *agents(&server)
        .await
        .iter()
        .find(|a| **a != holder)
        .unwrap();
    let token = token_of(&server, other);
    let id = gid(NodeKind::Conversation, conv.id);

    let reply = server
        .post(
            Some(&token),
            CLAIM,
            json!({ "input": { "conversationId": id } }),
        )
        .await;
    let p = payload(&reply);
    assert!(p["conversation"].is_null());
    assert_eq!(p["userErrors"][0]["code"], "ALREADY_ASSIGNED");
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["input", "conversationId"])
    );
    let row = conversation::Entity::find_by_id(conv.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row, conv, "a refused claim changes nothing");

    let reply = server
        .post(
            Some(&token),
            CLAIM,
            json!({ "input": { "conversationId": id, "force": true } }),
        )
        .await;
    assert_eq!(
        payload(&reply)["conversation"]["assignee"]["id"],
        gid(NodeKind::Agent, other)
    );
    let entry = claims_of(&server, conv.id).await.pop().unwrap();
    assert_eq!(
        entry.from_agent_id,
        Some(holder),
        "the log records who had it"
    );
    let log = server
        .post(Some(&token), "query($id: ID!) { conversation(id: $id) { activity(first: 1) { nodes { type agent { id } } } } }", json!({ "id": id }))
        .await;
    assert_eq!(
        log.data()["conversation"]["activity"]["nodes"][0]["type"],
        "CLAIMED"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn claim_refuses_closed_stale_and_unknown() {
    let server = TestServer::start(2, 30).await;
    let token = server.token().await;
    let closed = conversation_where(&server, ConversationState::Closed, false).await;
    let reply = server
        .post(
            Some(&token),
            CLAIM,
            json!({ "input": { "conversationId": gid(NodeKind::Conversation, closed.id) } }),
        )
        .await;
    assert_eq!(
        payload(&reply)["userErrors"][0]["code"],
        "CONVERSATION_CLOSED"
    );

    let open = conversation_where(&server, ConversationState::Open, false).await;
    let stale = chrono::DateTime::from_timestamp_micros(open.updated_at - 1)
        .unwrap()
        .to_rfc3339();
    let input = json!({ "conversationId": gid(NodeKind::Conversation, open.id), "expectedUpdatedAt": stale });
    let reply = server
        .post(Some(&token), CLAIM, json!({ "input": input }))
        .await;
    assert_eq!(payload(&reply)["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(
        conversation::Entity::find_by_id(open.id)
            .one(&server.db)
            .await
            .unwrap()
            .unwrap(),
        open
    );
    let current = chrono::DateTime::from_timestamp_micros(open.updated_at)
        .unwrap()
        .to_rfc3339();
    let input = json!({ "conversationId": gid(NodeKind::Conversation, open.id), "expectedUpdatedAt": current });
    let reply = server
        .post(Some(&token), CLAIM, json!({ "input": input }))
        .await;
    assert_eq!(payload(&reply)["userErrors"], json!([]));

    let foreign = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let foreign_agent = agent::Entity::find()
        .filter(agent::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let other = conversation_where(&server, ConversationState::Pending, false).await;
    let cases = [
        json!({ "conversationId": gid(NodeKind::Conversation, foreign.id) }),
        json!({ "conversationId": "garbage" }),
        json!({ "conversationId": gid(NodeKind::Ticket, other.id) }),
        json!({ "conversationId": gid(NodeKind::Conversation, other.id), "agentId": gid(NodeKind::Agent, foreign_agent.id) }),
    ];
    for input in cases {
        let reply = server
            .post(Some(&token), CLAIM, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "NOT_FOUND", "{input}");
    }
    let untouched = conversation::Entity::find_by_id(other.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched, other, "a failed claim leaves nothing behind");
    let reader = server.token_for("tenant-1", "conversation:read").await;
    let reply = server
        .post(
            Some(&reader),
            CLAIM,
            json!({ "input": { "conversationId": gid(NodeKind::Conversation, other.id) } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_claims_have_exactly_one_winner() {
    let server = TestServer::start(1, 20).await;
    let agents = agents(&server).await;
    let conv = conversation_where(&server, ConversationState::Open, false).await;
    let before = claims_of(&server, conv.id).await.len();
    let id = gid(NodeKind::Conversation, conv.id);
    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (server, id) = (server.clone(), id.clone());
        let agent = agents[i % agents.len()];
        let token = token_of(&server, agent);
        tasks.push(tokio::spawn(async move {
            let input = json!({ "conversationId": id, "agentId": gid(NodeKind::Agent, agent) });
            let reply = server
                .post(Some(&token), CLAIM, json!({ "input": input }))
                .await;
            (agent, payload(&reply).clone())
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (agent, p) = task.await.unwrap();
        if p["userErrors"] == json!([]) {
            winners.push(agent);
        } else {
            assert_eq!(p["userErrors"][0]["code"], "ALREADY_ASSIGNED", "{p}");
        }
    }
    let row = conversation::Entity::find_by_id(conv.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let winner = row.assignee_id.unwrap();
    // Every success is the winner's (repeat claims by the winning agent are no-ops).
    assert!(
        winners.iter().all(|w| *w == winner),
        "winners {winners:?}, assignee {winner}"
    );
    assert_eq!(
        claims_of(&server, conv.id).await.len(),
        before + 1,
        "exactly one CLAIMED entry"
    );
    let versions = conversation::Entity::find()
        .filter(conversation::Column::Id.eq(conv.id))
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(versions, 1);
    assert_eq!(row.version, conv.version + 1, "exactly one update");
}

/// Sixteen concurrent forced claims (PostgreSQL: really concurrent transactions) all
/// succeed, in turn: each takes the conversation from the one before it, the
/// activity log records an unbroken chain of hand-overs, and the last keeps it.
#[tokio::test(flavor = "multi_thread")]
async fn sixteen_concurrent_forced_claims_take_over_in_turn() {
    let config = crate::common::Config::racing(20);
    let server = TestServer::builder()
        .tenants(1)
        .conversations(20)
        .config(config)
        .start()
        .await;
    let agents = agents(&server).await;
    let conv = conversation_where(&server, ConversationState::Open, true).await;
    let holder = conv.assignee_id.unwrap();
    let before = claims_of(&server, conv.id).await.len();
    let id = gid(NodeKind::Conversation, conv.id);
    // Everyone but the holder, round the agents again when there are fewer than 16.
    let claimants: Vec<i64> = agents
        .iter()
        .copied()
        .filter(|a| *a != holder)
        .cycle()
        .take(16)
        .collect();
    let replies = futures_util::future::join_all(claimants.iter().map(|agent| {
        let token = token_of(&server, *agent);
        let input = json!({ "conversationId": id, "force": true });
        let server = &server;
        async move {
            server
                .post(Some(&token), CLAIM, json!({ "input": input }))
                .await
        }
    }))
    .await;
    for (agent, reply) in claimants.iter().zip(&replies) {
        let p = payload(reply);
        assert_eq!(p["userErrors"], json!([]), "a forced claim succeeds: {p}");
        assert_eq!(
            p["conversation"]["assignee"]["id"],
            gid(NodeKind::Agent, *agent),
            "each claimant had it when its claim committed"
        );
    }
    let entries = claims_of(&server, conv.id).await.split_off(before);
    let row = conversation::Entity::find_by_id(conv.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    // An agent claiming again while it still has the conversation changes nothing,
    // so there are at most 16 hand-overs, each from the previous assignee.
    assert!(!entries.is_empty() && entries.len() <= 16);
    let mut previous = holder;
    for entry in &entries {
        assert_eq!(entry.from_agent_id, Some(previous), "{entries:?}");
        assert_ne!(entry.agent_id, Some(previous));
        previous = entry.agent_id.unwrap();
    }
    assert_eq!(row.assignee_id, Some(previous), "the last hand-over holds");
    assert_eq!(row.version, conv.version + entries.len() as i64);
}
