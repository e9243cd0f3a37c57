//! createConversation, importConversation, close/reopen/transfer and tag/untag: their
//! rules, their activity entries, and that a refused change leaves nothing behind.

use entity::enums::{ActivityType, ConversationState, TagState};
use entity::{
    activity, agent, contact, conversation, conversation_tag, message, queue, tag, tenant_counter,
};
use parley::ids::NodeKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::common::{TestServer, codes, gid, payload};

/// A stored timestamp as a client sends it.
pub fn ts(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .unwrap()
        .to_rfc3339()
}

/// The first conversation of `tenant` in `state`.
pub async fn conversation_in(
    db: &DatabaseConnection,
    tenant: &str,
    state: ConversationState,
) -> conversation::Model {
    conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::State.eq(state))
        .order_by_asc(conversation::Column::Id)
        .one(db)
        .await
        .unwrap()
        .expect("the seed has a conversation in every state")
}

/// The conversation row as stored now.
pub async fn reload(db: &DatabaseConnection, id: i64) -> conversation::Model {
    conversation::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

/// How many `kind` entries the conversation's log has.
pub async fn entries(db: &DatabaseConnection, conversation: i64, kind: ActivityType) -> u64 {
    activity::Entity::find()
        .filter(activity::Column::ConversationId.eq(conversation))
        .filter(activity::Column::Kind.eq(kind))
        .count(db)
        .await
        .unwrap()
}

/// Every activity entry of `tenant`.
pub async fn all_entries(db: &DatabaseConnection, tenant: &str) -> u64 {
    activity::Entity::find()
        .filter(activity::Column::TenantId.eq(tenant))
        .count(db)
        .await
        .unwrap()
}

/// The first row of table `E` in `tenant`.
macro_rules! first_of {
    ($db:expr, $table:ident, $tenant:expr) => {
        $table::Entity::find()
            .filter($table::Column::TenantId.eq($tenant))
            .order_by_asc($table::Column::Id)
            .one($db)
            .await
            .unwrap()
            .unwrap()
    };
}
pub(crate) use first_of;

const CREATE: &str = r#"mutation($input: CreateConversationInput!) {
  createConversation(input: $input) {
    clientMutationId
    conversation {
      id number state channel direction subject externalId queuedAt createdAt updatedAt
      requester { id } queue { id }
      lastMessage { id text role direction sentiment author { __typename ... on Contact { id } ... on Agent { id } } }
      messages { totalCount }
    }
    conversationEdge { cursor node { id } }
    userErrors { field message code }
  }
}"#;

async fn counter(db: &DatabaseConnection, tenant: &str) -> i64 {
    tenant_counter::Entity::find_by_id((tenant.to_owned(), tenant_counter::CONVERSATION.to_owned()))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .value
}

async fn conversations_of(db: &DatabaseConnection, tenant: &str) -> u64 {
    conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq(tenant))
        .count(db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_numbers_per_tenant_and_refuses_duplicate_external_ids() {
    let server = TestServer::start(2, 12).await;
    let db = &server.db;
    let token = server.token().await;
    let requester = first_of!(db, contact, "tenant-1");
    let queue = first_of!(db, queue, "tenant-1");
    let before = counter(db, "tenant-1").await;
    assert_eq!(before, 12, "the seed numbered 1..=12");

    let input = json!({
        "subject": "Order #123 has not shipped",
        "externalId": "crm-1",
        "requesterId": gid(NodeKind::Contact, requester.id),
        "queueId": gid(NodeKind::Queue, queue.id),
        "language": "en",
        "message": { "text": "Hi, my order #123 still hasn't shipped. Can you check?" },
        "clientMutationId": "m-1",
    });
    let reply = server
        .post(Some(&token), CREATE, json!({ "input": input }))
        .await;
    let p = payload(&reply, "createConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "m-1");
    let c = &p["conversation"];
    assert_eq!(c["number"], 13);
    assert_eq!(
        (c["state"].as_str(), c["channel"].as_str()),
        (Some("OPEN"), Some("API"))
    );
    assert_eq!(c["direction"], "INBOUND");
    assert_eq!(c["externalId"], "crm-1");
    assert_eq!(c["queue"]["id"], gid(NodeKind::Queue, queue.id));
    assert!(c["queuedAt"].is_string());
    assert_eq!(c["messages"]["totalCount"], 1);
    let first = &c["lastMessage"];
    assert_eq!(
        (first["role"].as_str(), first["direction"].as_str()),
        (Some("USER"), Some("INBOUND"))
    );
    assert_eq!(
        first["author"]["id"],
        gid(NodeKind::Contact, requester.id),
        "the requester wrote it"
    );
    assert!(first["sentiment"].is_number());
    assert_eq!(p["conversationEdge"]["node"]["id"], c["id"]);
    let id = parley::ids::decode(c["id"].as_str().unwrap()).unwrap().1;
    assert_eq!(entries(db, id, ActivityType::ConversationCreated).await, 1);

    // The edge's cursor is the one `conversations` (newest update first) gives it.
    let list = server
        .post(
            Some(&token),
            "{ conversations(first: 1) { edges { cursor node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list.data()["conversations"]["edges"][0],
        p["conversationEdge"]
    );

    let reply = server
        .post(
            Some(&token),
            CREATE,
            json!({ "input": { "subject": "Second" } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "createConversation")["conversation"]["number"],
        14
    );

    // The same external id again: refused, and nothing written (not even a number).
    let count = conversations_of(db, "tenant-1").await;
    let entries_before = all_entries(db, "tenant-1").await;
    let reply = server
        .post(
            Some(&token),
            CREATE,
            json!({ "input": { "externalId": "crm-1" } }),
        )
        .await;
    let p = payload(&reply, "createConversation");
    assert!(p["conversation"].is_null() && p["conversationEdge"].is_null());
    assert_eq!(p["userErrors"][0]["code"], "DUPLICATE_EXTERNAL_ID");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "externalId"]));
    assert_eq!(conversations_of(db, "tenant-1").await, count);
    assert_eq!(counter(db, "tenant-1").await, 14);
    assert_eq!(all_entries(db, "tenant-1").await, entries_before);

    // Another tenant has its own numbers and its own external ids.
    let other = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let reply = server
        .post(
            Some(&other),
            CREATE,
            json!({ "input": { "externalId": "crm-1" } }),
        )
        .await;
    let p = payload(&reply, "createConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["conversation"]["number"], 13);

    // A bad first message refuses the whole creation.
    let reply = server
        .post(
            Some(&token),
            CREATE,
            json!({ "input": { "message": { "text": "  " } } }),
        )
        .await;
    let p = payload(&reply, "createConversation");
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["input", "message", "text"])
    );
    assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE");
    assert_eq!(conversations_of(db, "tenant-1").await, count);
    assert_eq!(counter(db, "tenant-1").await, 14);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_an_idempotency_key_writes_once() {
    let server = TestServer::start(1, 5).await;
    let db = &server.db;
    let token = server.token().await;
    let input = json!({ "subject": "Refund please", "idempotencyKey": "key-1",
        "message": { "text": "I was charged twice." } });
    let count = conversations_of(db, "tenant-1").await;
    let first = server
        .post(Some(&token), CREATE, json!({ "input": input }))
        .await;
    let first = payload(&first, "createConversation")["conversation"].clone();
    let again = server
        .post(Some(&token), CREATE, json!({ "input": input }))
        .await;
    let again = payload(&again, "createConversation");
    assert_eq!(again["userErrors"], json!([]));
    assert_eq!(
        again["conversation"]["id"], first["id"],
        "the retry gets the first result"
    );
    assert_eq!(
        conversations_of(db, "tenant-1").await,
        count + 1,
        "written once"
    );
    let id = parley::ids::decode(first["id"].as_str().unwrap())
        .unwrap()
        .1;
    assert_eq!(entries(db, id, ActivityType::ConversationCreated).await, 1);
    let messages = message::Entity::find()
        .filter(message::Column::ConversationId.eq(id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(messages, 1);

    let other = json!({ "subject": "Something else", "idempotencyKey": "key-1" });
    let reply = server
        .post(Some(&token), CREATE, json!({ "input": other }))
        .await;
    let p = payload(&reply, "createConversation");
    assert_eq!(codes(p), ["IDEMPOTENCY_KEY_REUSED"]);
    assert_eq!(conversations_of(db, "tenant-1").await, count + 1);
}

const IMPORT: &str = r#"mutation($input: ImportConversationInput!) {
  importConversation(input: $input) {
    clientMutationId
    importedMessages
    conversation {
      id number state createdAt updatedAt closedAt stateUpdatedAt assignedAt queuedAt sentimentTrend
      requester { id email } assignee { id } queue { id }
      lastMessage { text createdAt }
      messages { totalCount nodes { text role direction createdAt author { __typename ... on Agent { id } } } }
    }
    conversationEdge { cursor node { id } }
    userErrors { field message code }
  }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn import_keeps_original_timestamps_and_reports_bad_messages_while_keeping_the_rest() {
    let server = TestServer::start(2, 6).await;
    let db = &server.db;
    let token = server.token().await;
    let agent = first_of!(db, agent, "tenant-1");
    let foreign_agent = first_of!(db, agent, "tenant-2");
    let queue = first_of!(db, queue, "tenant-1");
    let messages = json!([
        { "text": "Hello, my package is lost and nobody answers.", "createdAt": "2023-03-01T10:00:05Z", "externalId": "zd-1" },
        { "text": "Sorry to hear that, let me check the tracking.", "role": "AGENT",
          "authorAgentId": gid(NodeKind::Agent, agent.id), "createdAt": "2023-03-01T10:30:00Z" },
        { "text": "", "createdAt": "2023-03-01T10:40:00Z" },
        { "text": "Written by a stranger", "role": "AGENT",
          "authorAgentId": gid(NodeKind::Agent, foreign_agent.id), "createdAt": "2023-03-01T10:45:00Z" },
        { "text": "Before the conversation began", "createdAt": "2023-02-28T09:00:00Z" },
        { "text": "Thanks a lot, that was great help!", "createdAt": "2023-03-01T11:00:00Z" },
        { "text": "Bad author id", "role": "AGENT", "authorAgentId": "garbage", "createdAt": "2023-03-01T11:05:00Z" },
        { "text": "Same external id", "createdAt": "2023-03-01T11:06:00Z", "externalId": "zd-1" },
    ]);
    let input = json!({
        "externalId": "zendesk-4711",
        "subject": "Lost package",
        "channel": "EMAIL",
        "requesterEmail": "New.Customer@Example.com",
        "assigneeId": gid(NodeKind::Agent, agent.id),
        "queueId": gid(NodeKind::Queue, queue.id),
        "createdAt": "2023-03-01T10:00:00Z",
        "closedAt": "2023-03-02T12:00:00Z",
        "messages": messages,
        "clientMutationId": "imp-1",
    });
    let reply = server
        .post(Some(&token), IMPORT, json!({ "input": input }))
        .await;
    let p = payload(&reply, "importConversation");
    assert_eq!(p["clientMutationId"], "imp-1");
    assert_eq!(p["importedMessages"], 3);
    let fields: Vec<&Value> = p["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["field"])
        .collect();
    assert_eq!(
        fields,
        [
            &json!(["input", "messages", "2", "text"]),
            &json!(["input", "messages", "3", "authorAgentId"]),
            &json!(["input", "messages", "4", "createdAt"]),
            &json!(["input", "messages", "6", "authorAgentId"]),
            &json!(["input", "messages", "7", "externalId"]),
        ]
    );
    assert_eq!(
        codes(p),
        [
            "INVALID_VALUE",
            "NOT_FOUND",
            "INVALID_VALUE",
            "NOT_FOUND",
            "DUPLICATE_EXTERNAL_ID"
        ]
    );
    let c = &p["conversation"];
    assert_eq!(c["number"], 7);
    assert_eq!(c["state"], "CLOSED", "closedAt given: CLOSED");
    assert_eq!(c["createdAt"], "2023-03-01T10:00:00+00:00");
    assert_eq!(c["closedAt"], "2023-03-02T12:00:00+00:00");
    assert_eq!(c["stateUpdatedAt"], "2023-03-02T12:00:00+00:00");
    assert_eq!(
        c["updatedAt"], "2023-03-02T12:00:00+00:00",
        "the latest of its times"
    );
    assert_eq!(c["assignedAt"], "2023-03-01T10:00:00+00:00");
    assert_eq!(c["assignee"]["id"], gid(NodeKind::Agent, agent.id));
    assert_eq!(c["queue"]["id"], gid(NodeKind::Queue, queue.id));
    assert_eq!(c["requester"]["email"], "New.Customer@Example.com");
    assert_eq!(c["messages"]["totalCount"], 3);
    let times: Vec<&str> = c["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["createdAt"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        [
            "2023-03-01T10:00:05+00:00",
            "2023-03-01T10:30:00+00:00",
            "2023-03-01T11:00:00+00:00"
        ]
    );
    assert_eq!(
        c["messages"]["nodes"][1]["author"]["id"],
        gid(NodeKind::Agent, agent.id)
    );
    assert_eq!(c["messages"]["nodes"][1]["direction"], "OUTBOUND");
    assert_eq!(
        c["lastMessage"]["text"],
        "Thanks a lot, that was great help!"
    );
    assert_eq!(c["sentimentTrend"], "UP", "from a lost package to thanks");
    let id = parley::ids::decode(c["id"].as_str().unwrap()).unwrap().1;
    assert_eq!(entries(db, id, ActivityType::ConversationImported).await, 1);
    assert_eq!(p["conversationEdge"]["node"]["id"], c["id"]);

    // The same email in another case finds the same contact; the same external id is refused.
    let contacts = contact::Entity::find().count(db).await.unwrap();
    let again = json!({ "externalId": "zendesk-4712", "requesterEmail": "new.customer@example.COM",
        "createdAt": "2023-04-01T08:00:00Z" });
    let reply = server
        .post(Some(&token), IMPORT, json!({ "input": again }))
        .await;
    let p = payload(&reply, "importConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["conversation"]["requester"], c["requester"]);
    assert_eq!(p["conversation"]["state"], "OPEN");
    assert_eq!(p["conversation"]["updatedAt"], "2023-04-01T08:00:00+00:00");
    assert_eq!(contact::Entity::find().count(db).await.unwrap(), contacts);

    let count = conversations_of(db, "tenant-1").await;
    let duplicate = json!({ "externalId": "zendesk-4711", "messages": [{ "text": "hello" }] });
    let reply = server
        .post(Some(&token), IMPORT, json!({ "input": duplicate }))
        .await;
    let p = payload(&reply, "importConversation");
    assert_eq!(codes(p), ["DUPLICATE_EXTERNAL_ID"]);
    assert!(p["conversation"].is_null());
    assert_eq!(p["importedMessages"], 0);
    assert_eq!(
        conversations_of(db, "tenant-1").await,
        count,
        "nothing written"
    );

    // Conversation-level problems refuse the whole import.
    let bad = json!({ "state": "OPEN", "closedAt": "2023-03-02T12:00:00Z", "createdAt": "2023-03-01T10:00:00Z" });
    let reply = server
        .post(Some(&token), IMPORT, json!({ "input": bad }))
        .await;
    let p = payload(&reply, "importConversation");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "closedAt"]));
    assert_eq!(conversations_of(db, "tenant-1").await, count);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_with_an_idempotency_key_returns_the_first_result_with_its_problems() {
    let server = TestServer::start(1, 3).await;
    let db = &server.db;
    let token = server.token().await;
    let input = json!({ "externalId": "x-1", "idempotencyKey": "imp-key",
        "messages": [{ "text": "fine" }, { "text": "" }] });
    let first = server
        .post(Some(&token), IMPORT, json!({ "input": input }))
        .await;
    let first = payload(&first, "importConversation").clone();
    assert_eq!(first["importedMessages"], 1);
    let count = conversations_of(db, "tenant-1").await;
    let again = server
        .post(Some(&token), IMPORT, json!({ "input": input }))
        .await;
    let again = payload(&again, "importConversation");
    assert_eq!(again["conversation"]["id"], first["conversation"]["id"]);
    assert_eq!(again["importedMessages"], 1);
    assert_eq!(again["userErrors"], first["userErrors"]);
    assert_eq!(conversations_of(db, "tenant-1").await, count);
}

const CLOSE: &str = r#"mutation($input: CloseConversationInput!) {
  closeConversation(input: $input) {
    clientMutationId
    conversation { id state closedAt stateUpdatedAt updatedAt }
    userErrors { field message code }
  }
}"#;

const REOPEN: &str = r#"mutation($input: ReopenConversationInput!) {
  reopenConversation(input: $input) {
    clientMutationId
    conversation { id state closedAt stateUpdatedAt updatedAt }
    userErrors { field message code }
  }
}"#;

const TRANSFER: &str = r#"mutation($input: TransferConversationInput!) {
  transferConversation(input: $input) {
    clientMutationId
    conversation { id queue { id } queuedAt updatedAt }
    userErrors { field message code }
  }
}"#;

const TAG: &str = r#"mutation($input: TagConversationInput!) {
  tagConversation(input: $input) {
    clientMutationId
    conversation { id updatedAt tags(last: 1) { totalCount edges { cursor node { id } } } }
    tag { id conversationsCount }
    tagEdge { cursor node { id } }
    userErrors { field message code }
  }
}"#;

const UNTAG: &str = r#"mutation($input: UntagConversationInput!) {
  untagConversation(input: $input) {
    clientMutationId
    conversation { id tags { totalCount } }
    tag { id conversationsCount }
    removedTagId
    userErrors { field message code }
  }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn close_and_reopen_follow_the_state_rules() {
    let server = TestServer::start(1, 20).await;
    let db = &server.db;
    let token = server.token().await;
    let open = conversation_in(db, "tenant-1", ConversationState::Pending).await;
    let id = gid(NodeKind::Conversation, open.id);
    let closes = entries(db, open.id, ActivityType::Closed).await;
    let reopens = entries(db, open.id, ActivityType::Reopened).await;

    // A stale expectedUpdatedAt: CONFLICT, nothing changed.
    let stale = json!({ "conversationId": id, "expectedUpdatedAt": ts(open.updated_at - 1) });
    let reply = server
        .post(Some(&token), CLOSE, json!({ "input": stale }))
        .await;
    assert_eq!(codes(payload(&reply, "closeConversation")), ["CONFLICT"]);
    assert_eq!(reload(db, open.id).await, open);
    assert_eq!(entries(db, open.id, ActivityType::Closed).await, closes);

    let input = json!({ "conversationId": id, "expectedUpdatedAt": ts(open.updated_at), "clientMutationId": "c" });
    let reply = server
        .post(Some(&token), CLOSE, json!({ "input": input }))
        .await;
    let p = payload(&reply, "closeConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "c");
    assert_eq!(p["conversation"]["state"], "CLOSED");
    assert_eq!(
        p["conversation"]["closedAt"],
        p["conversation"]["updatedAt"]
    );
    assert_eq!(
        p["conversation"]["stateUpdatedAt"],
        p["conversation"]["updatedAt"]
    );
    let closed = reload(db, open.id).await;
    assert_eq!(closed.version, open.version + 1);
    assert_eq!(entries(db, open.id, ActivityType::Closed).await, closes + 1);

    // Closing a closed conversation is INVALID_STATE.
    let reply = server
        .post(
            Some(&token),
            CLOSE,
            json!({ "input": { "conversationId": id } }),
        )
        .await;
    assert_eq!(
        codes(payload(&reply, "closeConversation")),
        ["INVALID_STATE"]
    );
    assert_eq!(reload(db, open.id).await, closed);

    // The CLOSED rule: every other change is CONVERSATION_CLOSED until it is reopened.
    let queue = queue::Entity::find()
        .filter(queue::Column::TenantId.eq("tenant-1"))
        .filter(queue::Column::Id.ne(closed.queue_id.unwrap_or(0)))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let tag = active_tag_not_on(db, closed.id).await;
    let refusals = [
        (
            TRANSFER,
            "transferConversation",
            json!({ "conversationId": id, "queueId": gid(NodeKind::Queue, queue.id) }),
        ),
        (
            TAG,
            "tagConversation",
            json!({ "conversationId": id, "tagId": gid(NodeKind::Tag, tag.id) }),
        ),
        (
            UNTAG,
            "untagConversation",
            json!({ "conversationId": id, "tagId": gid(NodeKind::Tag, tag.id) }),
        ),
    ];
    for (query, name, input) in refusals {
        let reply = server
            .post(Some(&token), query, json!({ "input": input }))
            .await;
        assert_eq!(
            codes(payload(&reply, name)),
            ["CONVERSATION_CLOSED"],
            "{name}"
        );
    }
    let add = r#"mutation($input: AddMessageInput!) { addMessage(input: $input) { userErrors { code } } }"#;
    let reply = server
        .post(
            Some(&token),
            add,
            json!({ "input": { "conversationId": id, "text": "hello?" } }),
        )
        .await;
    assert_eq!(
        codes(payload(&reply, "addMessage")),
        ["CONVERSATION_CLOSED"]
    );
    assert_eq!(reload(db, open.id).await, closed, "refusals change nothing");

    let reply = server
        .post(Some(&token), REOPEN, json!({ "input": { "conversationId": id, "expectedUpdatedAt": ts(closed.updated_at) } }))
        .await;
    let p = payload(&reply, "reopenConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["conversation"]["state"], "OPEN");
    assert!(p["conversation"]["closedAt"].is_null());
    assert_eq!(
        entries(db, open.id, ActivityType::Reopened).await,
        reopens + 1
    );
    let reopened = reload(db, open.id).await;
    assert_eq!(
        (reopened.closed_at, reopened.version),
        (None, closed.version + 1)
    );

    let reply = server
        .post(
            Some(&token),
            REOPEN,
            json!({ "input": { "conversationId": id } }),
        )
        .await;
    assert_eq!(
        codes(payload(&reply, "reopenConversation")),
        ["INVALID_STATE"]
    );
    assert_eq!(
        entries(db, open.id, ActivityType::Reopened).await,
        reopens + 1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn transfer_moves_the_conversation_and_logs_both_queues() {
    let server = TestServer::start(1, 20).await;
    let db = &server.db;
    let token = server.token().await;
    let conv = conversation_in(db, "tenant-1", ConversationState::Open).await;
    let from = conv.queue_id;
    let to = queue::Entity::find()
        .filter(queue::Column::TenantId.eq("tenant-1"))
        .filter(queue::Column::Id.ne(from.unwrap_or(0)))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let id = gid(NodeKind::Conversation, conv.id);
    let to_id = gid(NodeKind::Queue, to.id);
    let transfers = entries(db, conv.id, ActivityType::Transferred).await;

    let stale = json!({ "conversationId": id, "queueId": to_id, "expectedUpdatedAt": ts(conv.updated_at + 1) });
    let reply = server
        .post(Some(&token), TRANSFER, json!({ "input": stale }))
        .await;
    assert_eq!(codes(payload(&reply, "transferConversation")), ["CONFLICT"]);
    assert_eq!(reload(db, conv.id).await, conv);

    let input =
        json!({ "conversationId": id, "queueId": to_id, "expectedUpdatedAt": ts(conv.updated_at) });
    let reply = server
        .post(Some(&token), TRANSFER, json!({ "input": input }))
        .await;
    let p = payload(&reply, "transferConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["conversation"]["queue"]["id"], to_id);
    assert_eq!(
        p["conversation"]["queuedAt"],
        p["conversation"]["updatedAt"]
    );
    assert_eq!(
        entries(db, conv.id, ActivityType::Transferred).await,
        transfers + 1
    );
    let log = server
        .post(
            Some(&token),
            "query($id: ID!) { conversation(id: $id) { activity(first: 1) { nodes { type fromQueue { id } toQueue { id } } } } }",
            json!({ "id": id }),
        )
        .await;
    let entry = &log.data()["conversation"]["activity"]["nodes"][0];
    assert_eq!(entry["type"], "TRANSFERRED");
    assert_eq!(entry["toQueue"]["id"], to_id);
    assert_eq!(
        entry["fromQueue"]["id"],
        from.map_or(Value::Null, |q| json!(gid(NodeKind::Queue, q)))
    );

    // To its own queue: nothing changes.
    let moved = reload(db, conv.id).await;
    let reply = server
        .post(
            Some(&token),
            TRANSFER,
            json!({ "input": { "conversationId": id, "queueId": to_id } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "transferConversation")["userErrors"],
        json!([])
    );
    assert_eq!(reload(db, conv.id).await, moved);
    assert_eq!(
        entries(db, conv.id, ActivityType::Transferred).await,
        transfers + 1
    );
}

/// An ACTIVE tag of the conversation's tenant that it does not carry.
async fn active_tag_not_on(db: &DatabaseConnection, conversation: i64) -> tag::Model {
    let conv = reload(db, conversation).await;
    let linked: Vec<i64> = conversation_tag::Entity::find()
        .filter(conversation_tag::Column::ConversationId.eq(conversation))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.tag_id)
        .collect();
    tag::Entity::find()
        .filter(tag::Column::TenantId.eq(conv.tenant_id))
        .filter(tag::Column::State.eq(TagState::Active))
        .filter(tag::Column::Id.is_not_in(linked))
        .order_by_asc(tag::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

/// Every tag's `conversations_count` equals its links.
async fn assert_counts_match_links(db: &DatabaseConnection) {
    for t in tag::Entity::find().all(db).await.unwrap() {
        let links = conversation_tag::Entity::find()
            .filter(conversation_tag::Column::TagId.eq(t.id))
            .count(db)
            .await
            .unwrap();
        assert_eq!(
            t.conversations_count, links as i64,
            "tag {} ({})",
            t.id, t.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_and_untag_keep_counts_equal_to_the_links() {
    let server = TestServer::start(1, 20).await;
    let db = &server.db;
    let token = server.token().await;
    assert_counts_match_links(db).await;
    let conv = conversation_in(db, "tenant-1", ConversationState::Open).await;
    let tag = active_tag_not_on(db, conv.id).await;
    let input = json!({ "conversationId": gid(NodeKind::Conversation, conv.id), "tagId": gid(NodeKind::Tag, tag.id), "clientMutationId": "t" });
    let tagged = entries(db, conv.id, ActivityType::Tagged).await;
    let untagged = entries(db, conv.id, ActivityType::Untagged).await;

    let reply = server
        .post(Some(&token), TAG, json!({ "input": input }))
        .await;
    let p = payload(&reply, "tagConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "t");
    assert_eq!(p["tag"]["conversationsCount"], tag.conversations_count + 1);
    // The edge is the one `Conversation.tags` lists last, with the same cursor.
    assert_eq!(p["tagEdge"], p["conversation"]["tags"]["edges"][0]);
    assert_eq!(entries(db, conv.id, ActivityType::Tagged).await, tagged + 1);
    assert!(reload(db, conv.id).await.version > conv.version);
    assert_counts_match_links(db).await;

    // Twice: a no-op success.
    let reply = server
        .post(Some(&token), TAG, json!({ "input": input }))
        .await;
    let p = payload(&reply, "tagConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["tag"]["conversationsCount"], tag.conversations_count + 1);
    assert_eq!(entries(db, conv.id, ActivityType::Tagged).await, tagged + 1);
    assert_counts_match_links(db).await;

    let reply = server
        .post(Some(&token), UNTAG, json!({ "input": input }))
        .await;
    let p = payload(&reply, "untagConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["tag"]["conversationsCount"], tag.conversations_count);
    assert_eq!(p["removedTagId"], gid(NodeKind::Tag, tag.id));
    assert_eq!(
        entries(db, conv.id, ActivityType::Untagged).await,
        untagged + 1
    );
    let reply = server
        .post(Some(&token), UNTAG, json!({ "input": input }))
        .await;
    assert_eq!(
        payload(&reply, "untagConversation")["userErrors"],
        json!([])
    );
    assert_eq!(
        entries(db, conv.id, ActivityType::Untagged).await,
        1,
        "nothing to remove"
    );
    assert_counts_match_links(db).await;

    // An inactive tag cannot be added, but one already there can be removed.
    let mut retired: tag::ActiveModel = tag.clone().into();
    retired.state = Set(TagState::Inactive);
    let retired = retired.update(db).await.unwrap();
    let before = reload(db, conv.id).await;
    let reply = server
        .post(Some(&token), TAG, json!({ "input": input }))
        .await;
    let p = payload(&reply, "tagConversation");
    assert_eq!(codes(p), ["TAG_INACTIVE"]);
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "tagId"]));
    assert_eq!(reload(db, conv.id).await, before);
    assert_counts_match_links(db).await;

    let other = conversation_in(db, "tenant-1", ConversationState::Pending).await;
    conversation_tag::ActiveModel {
        tenant_id: Set("tenant-1".into()),
        conversation_id: Set(other.id),
        tag_id: Set(retired.id),
        created_at: Set(1),
    }
    .insert(db)
    .await
    .unwrap();
    let mut counted: tag::ActiveModel = retired.clone().into();
    counted.conversations_count = Set(retired.conversations_count + 1);
    counted.update(db).await.unwrap();
    let input = json!({ "conversationId": gid(NodeKind::Conversation, other.id), "tagId": gid(NodeKind::Tag, retired.id) });
    let reply = server
        .post(Some(&token), UNTAG, json!({ "input": input }))
        .await;
    let p = payload(&reply, "untagConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["tag"]["conversationsCount"], retired.conversations_count);
    assert_counts_match_links(db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn conversation_mutations_refuse_foreign_ids_and_missing_scope() {
    let server = TestServer::start(2, 8).await;
    let db = &server.db;
    let token = server.token().await;
    let mine = conversation_in(db, "tenant-1", ConversationState::Open).await;
    let theirs = conversation_in(db, "tenant-2", ConversationState::Open).await;
    let my_tag = active_tag_not_on(db, mine.id).await;
    let their_tag = active_tag_not_on(db, theirs.id).await;
    let my_queue = first_of!(db, queue, "tenant-1");
    let their_queue = first_of!(db, queue, "tenant-2");
    let their_contact = first_of!(db, contact, "tenant-2");
    let c = |id| gid(NodeKind::Conversation, id);
    let cases = [
        (
            CREATE,
            json!({ "requesterId": gid(NodeKind::Contact, their_contact.id) }),
        ),
        (
            CREATE,
            json!({ "queueId": gid(NodeKind::Queue, their_queue.id) }),
        ),
        (CREATE, json!({ "parentId": c(theirs.id) })),
        (CREATE, json!({ "requesterId": "garbage" })),
        (
            IMPORT,
            json!({ "requesterId": gid(NodeKind::Contact, their_contact.id) }),
        ),
        (
            IMPORT,
            json!({ "queueId": gid(NodeKind::Queue, their_queue.id) }),
        ),
        (CLOSE, json!({ "conversationId": c(theirs.id) })),
        (
            CLOSE,
            json!({ "conversationId": gid(NodeKind::Ticket, mine.id) }),
        ),
        (REOPEN, json!({ "conversationId": c(theirs.id) })),
        (
            TRANSFER,
            json!({ "conversationId": c(theirs.id), "queueId": gid(NodeKind::Queue, their_queue.id) }),
        ),
        (
            TRANSFER,
            json!({ "conversationId": c(mine.id), "queueId": gid(NodeKind::Queue, their_queue.id) }),
        ),
        (
            TAG,
            json!({ "conversationId": c(theirs.id), "tagId": gid(NodeKind::Tag, their_tag.id) }),
        ),
        (
            TAG,
            json!({ "conversationId": c(mine.id), "tagId": gid(NodeKind::Tag, their_tag.id) }),
        ),
        (
            UNTAG,
            json!({ "conversationId": c(mine.id), "tagId": gid(NodeKind::Tag, their_tag.id) }),
        ),
    ];
    let mine_before = reload(db, mine.id).await;
    let theirs_before = reload(db, theirs.id).await;
    let (log_1, log_2) = (
        all_entries(db, "tenant-1").await,
        all_entries(db, "tenant-2").await,
    );
    let count_1 = conversations_of(db, "tenant-1").await;
    for (query, input) in &cases {
        let reply = server
            .post(Some(&token), query, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "NOT_FOUND", "{input}");
    }
    assert_eq!(reload(db, mine.id).await, mine_before);
    assert_eq!(reload(db, theirs.id).await, theirs_before);
    assert_eq!(all_entries(db, "tenant-1").await, log_1);
    assert_eq!(all_entries(db, "tenant-2").await, log_2);
    assert_eq!(conversations_of(db, "tenant-1").await, count_1);

    let reader = server
        .token_for("tenant-1", "conversation:read ticket:write admin")
        .await;
    let allowed = [
        (CREATE, json!({})),
        (IMPORT, json!({})),
        (CLOSE, json!({ "conversationId": c(mine.id) })),
        (REOPEN, json!({ "conversationId": c(mine.id) })),
        (
            TRANSFER,
            json!({ "conversationId": c(mine.id), "queueId": gid(NodeKind::Queue, my_queue.id) }),
        ),
        (
            TAG,
            json!({ "conversationId": c(mine.id), "tagId": gid(NodeKind::Tag, my_tag.id) }),
        ),
        (
            UNTAG,
            json!({ "conversationId": c(mine.id), "tagId": gid(NodeKind::Tag, my_tag.id) }),
        ),
    ];
    for (query, input) in &allowed {
        let reply = server
            .post(Some(&reader), query, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "FORBIDDEN", "{input}");
    }
    assert_eq!(reload(db, mine.id).await, mine_before);
    assert_eq!(all_entries(db, "tenant-1").await, log_1);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_creates_and_tags_stay_consistent() {
    let server = std::sync::Arc::new(TestServer::start(1, 5).await);
    let token = server.token().await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (server, token) = (server.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            // Half of them race for the same external id.
            let external = if i % 2 == 0 {
                "race".to_owned()
            } else {
                format!("own-{i}")
            };
            let input = json!({ "externalId": external });
            let reply = server
                .post(Some(&token), CREATE, json!({ "input": input }))
                .await;
            payload(&reply, "createConversation").clone()
        }));
    }
    let mut numbers = Vec::new();
    let mut duplicates = 0;
    for task in tasks {
        let p = task.await.unwrap();
        match p["conversation"]["number"].as_i64() {
            Some(n) => numbers.push(n),
            None => {
                assert_eq!(codes(&p), ["DUPLICATE_EXTERNAL_ID"], "{p}");
                duplicates += 1;
            }
        }
    }
    assert_eq!(duplicates, 7, "one of the eight racing creates wins");
    numbers.sort_unstable();
    let expected: Vec<i64> = (6..6 + numbers.len() as i64).collect();
    assert_eq!(numbers, expected, "distinct numbers, none skipped");

    let db = &server.db;
    let conv = conversation_in(db, "tenant-1", ConversationState::Open).await;
    let tag = active_tag_not_on(db, conv.id).await;
    let tagged = entries(db, conv.id, ActivityType::Tagged).await;
    let input = json!({ "conversationId": gid(NodeKind::Conversation, conv.id), "tagId": gid(NodeKind::Tag, tag.id) });
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (server, token, input) = (server.clone(), token.clone(), input.clone());
        tasks.push(tokio::spawn(async move {
            let reply = server
                .post(Some(&token), TAG, json!({ "input": input }))
                .await;
            payload(&reply, "tagConversation")["userErrors"].clone()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), json!([]));
    }
    assert_eq!(entries(db, conv.id, ActivityType::Tagged).await, tagged + 1);
    assert_counts_match_links(db).await;
}
