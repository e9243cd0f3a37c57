//! addMessage (sentiment, last message, trend), anonymization and custom attributes.

use entity::enums::{ActivityType, ConversationState};
use entity::{
    agent, contact, conversation, conversation_attribute_value, conversation_tag,
    custom_attribute_definition as definition, message, note, rating, ticket,
};
use parley::ids::NodeKind;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use crate::common::{TestServer, codes, gid, payload};
use crate::conversation_writes::{all_entries, conversation_in, entries, first_of, reload, ts};

const ADD: &str = r#"mutation($input: AddMessageInput!) {
  addMessage(input: $input) {
    clientMutationId
    message { id text html role direction sentiment author { __typename ... on Agent { id } ... on Contact { id } } }
    messageEdge { cursor node { id } }
    conversation {
      id updatedAt sentimentTrend lastMessage { id }
      messages(last: 1) { totalCount edges { cursor node { id } } }
    }
    userErrors { field message code }
  }
}"#;

async fn messages_of(db: &DatabaseConnection, conversation: i64) -> u64 {
    message::Entity::find()
        .filter(message::Column::ConversationId.eq(conversation))
        .count(db)
        .await
        .unwrap()
}

/// A new, empty OPEN conversation of tenant-1 with a requester.
async fn fresh_conversation(server: &TestServer, token: &str) -> i64 {
    let requester = first_of!(&server.db, contact, "tenant-1");
    let reply = server
        .post(
            Some(token),
            "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } } }",
            json!({ "input": { "subject": "Broken blender", "requesterId": gid(NodeKind::Contact, requester.id) } }),
        )
        .await;
    let id = reply.data()["createConversation"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    parley::ids::decode(&id).unwrap().1
}

#[tokio::test(flavor = "multi_thread")]
async fn add_message_scores_sentiment_and_updates_the_conversation() {
    let server = TestServer::start(1, 4).await;
    let db = &server.db;
    let token = server.token().await;
    let viewer = first_of!(db, agent, "tenant-1");
    let conv = fresh_conversation(&server, &token).await;
    let id = gid(NodeKind::Conversation, conv);
    let requester = reload(db, conv).await.requester_id.unwrap();

    let angry = "This is the third time my order arrived broken. I am furious, this is \
                 unacceptable and I want a refund now!";
    let reply = server
        .post(Some(&token), ADD, json!({ "input": { "conversationId": id, "text": angry, "role": "USER", "clientMutationId": "a" } }))
        .await;
    let p = payload(&reply, "addMessage");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "a");
    let m = &p["message"];
    assert!(
        m["sentiment"].as_f64().unwrap() < -0.3,
        "angry: {}",
        m["sentiment"]
    );
    assert_eq!(m["direction"], "INBOUND");
    assert_eq!(m["author"]["id"], gid(NodeKind::Contact, requester));
    assert_eq!(p["conversation"]["lastMessage"]["id"], m["id"]);
    assert!(
        p["conversation"]["sentimentTrend"].is_null(),
        "one USER message: no trend yet"
    );
    assert_eq!(p["messageEdge"], p["conversation"]["messages"]["edges"][0]);

    // AGENT by default, written by the viewer, sent OUTBOUND; no effect on the trend.
    let reply = server
        .post(Some(&token), ADD, json!({ "input": { "conversationId": id, "text": "I'm very sorry about that. A replacement is on its way." } }))
        .await;
    let p = payload(&reply, "addMessage");
    assert_eq!(p["message"]["role"], "AGENT");
    assert_eq!(p["message"]["direction"], "OUTBOUND");
    assert_eq!(
        p["message"]["author"]["id"],
        gid(NodeKind::Agent, viewer.id)
    );
    assert!(p["conversation"]["sentimentTrend"].is_null());

    let thankful =
        "Thank you so much, the replacement works perfectly. Great support, really appreciated!";
    let before = reload(db, conv).await;
    let reply = server
        .post(
            Some(&token),
            ADD,
            json!({ "input": { "conversationId": id, "text": thankful, "role": "USER" } }),
        )
        .await;
    let p = payload(&reply, "addMessage");
    assert!(
        p["message"]["sentiment"].as_f64().unwrap() > 0.3,
        "thankful: {}",
        p["message"]["sentiment"]
    );
    assert_eq!(p["conversation"]["sentimentTrend"], "UP");
    assert_eq!(p["conversation"]["lastMessage"]["id"], p["message"]["id"]);
    assert_eq!(p["conversation"]["messages"]["totalCount"], 3);
    let after = reload(db, conv).await;
    assert!(after.updated_at > before.updated_at);
    assert_eq!(after.version, before.version + 1);
    let shown =
        chrono::DateTime::parse_from_rfc3339(p["conversation"]["updatedAt"].as_str().unwrap());
    assert_eq!(shown.unwrap().timestamp_micros(), after.updated_at);
    assert_eq!(entries(db, conv, ActivityType::MessageAdded).await, 3);

    // Text derived from HTML.
    let reply = server
        .post(Some(&token), ADD, json!({ "input": { "conversationId": id, "html": "<p>Hello <b>there</b>,</p><p>see you&nbsp;soon</p>" } }))
        .await;
    let p = payload(&reply, "addMessage");
    assert_eq!(p["message"]["text"], "Hello there,\nsee you soon");
    assert_eq!(
        p["message"]["html"],
        "<p>Hello <b>there</b>,</p><p>see you&nbsp;soon</p>"
    );

    // Refusals name the field and write nothing.
    let count = messages_of(db, conv).await;
    let logged = all_entries(db, "tenant-1").await;
    let big = format!("<p>{}</p>", "x".repeat(100 * 1024));
    let bad = [
        (
            json!({ "conversationId": id, "text": "hi", "html": big }),
            json!(["input", "html"]),
        ),
        (
            json!({ "conversationId": id, "text": "   " }),
            json!(["input", "text"]),
        ),
        (
            json!({ "conversationId": id, "html": "<p> </p>" }),
            json!(["input", "text"]),
        ),
        (
            json!({ "conversationId": id, "text": "hi", "role": "USER", "authorAgentId": gid(NodeKind::Agent, viewer.id) }),
            json!(["input", "authorAgentId"]),
        ),
    ];
    for (input, field) in bad {
        let reply = server
            .post(Some(&token), ADD, json!({ "input": input }))
            .await;
        let p = payload(&reply, "addMessage");
        assert_eq!(codes(p), ["INVALID_VALUE"]);
        assert_eq!(p["userErrors"][0]["field"], field);
        assert!(p["message"].is_null() && p["messageEdge"].is_null());
    }
    assert_eq!(messages_of(db, conv).await, count);
    assert_eq!(all_entries(db, "tenant-1").await, logged);

    // External ids are unique; an idempotency key makes a retry safe.
    let input = json!({ "conversationId": id, "text": "Tracking: 1Z999", "externalId": "ext-m-1", "idempotencyKey": "am-1" });
    let first = server
        .post(Some(&token), ADD, json!({ "input": input }))
        .await;
    let first = payload(&first, "addMessage")["message"]["id"].clone();
    let again = server
        .post(Some(&token), ADD, json!({ "input": input }))
        .await;
    assert_eq!(payload(&again, "addMessage")["message"]["id"], first);
    assert_eq!(messages_of(db, conv).await, count + 1);
    let reply = server
        .post(
            Some(&token),
            ADD,
            json!({ "input": { "conversationId": id, "text": "again", "externalId": "ext-m-1" } }),
        )
        .await;
    assert_eq!(
        codes(payload(&reply, "addMessage")),
        ["DUPLICATE_EXTERNAL_ID"]
    );
    assert_eq!(messages_of(db, conv).await, count + 1);
}

const ANONYMIZE: &str = r#"mutation($input: AnonymizeConversationInput!) {
  anonymizeConversation(input: $input) {
    clientMutationId
    conversation {
      id state anonymizedAt
      requester { email firstName lastName organizationName avatarUrl anonymizedAt }
      messages(first: 100) { totalCount nodes { id text html anonymizedAt } }
      notes(first: 100) { totalCount nodes { id body } }
      tags { totalCount }
    }
    userErrors { field message code }
  }
}"#;

const ANONYMIZE_MESSAGE: &str = r#"mutation($input: AnonymizeMessageInput!) {
  anonymizeMessage(input: $input) {
    clientMutationId
    message { id text html anonymizedAt }
    conversation { id lastMessage { id } }
    userErrors { field message code }
  }
}"#;

/// The CLOSED conversation of tenant-1 with the most notes and tickets.
async fn busy_closed_conversation(db: &DatabaseConnection) -> conversation::Model {
    let closed = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .filter(conversation::Column::State.eq(ConversationState::Closed))
        .filter(conversation::Column::RequesterId.is_not_null())
        .all(db)
        .await
        .unwrap();
    let mut best = None;
    let mut best_score = 0;
    for c in closed {
        let notes = note::Entity::find()
            .filter(note::Column::ConversationId.eq(c.id))
            .count(db)
            .await
            .unwrap();
        let tickets = ticket::Entity::find()
            .filter(ticket::Column::ConversationId.eq(c.id))
            .count(db)
            .await
            .unwrap();
        let score = notes.min(1) + tickets.min(1);
        if best.is_none() || score > best_score {
            best_score = score;
            best = Some(c);
        }
    }
    assert_eq!(
        best_score, 2,
        "the seed has a closed conversation with notes and tickets"
    );
    best.unwrap()
}

/// What anonymization must keep: the ids of every row hanging off the conversation.
async fn structure(db: &DatabaseConnection, conv: i64) -> Vec<Vec<i64>> {
    let messages = message::Entity::find()
        .filter(message::Column::ConversationId.eq(conv))
        .order_by_asc(message::Column::Id)
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let notes = note::Entity::find()
        .filter(note::Column::ConversationId.eq(conv))
        .order_by_asc(note::Column::Id)
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::ConversationId.eq(conv))
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    let tags = conversation_tag::Entity::find()
        .filter(conversation_tag::Column::ConversationId.eq(conv))
        .order_by_asc(conversation_tag::Column::TagId)
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|l| l.tag_id)
        .collect();
    let ratings = rating::Entity::find()
        .filter(rating::Column::ConversationId.eq(conv))
        .order_by_asc(rating::Column::Id)
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    vec![messages, notes, tickets, tags, ratings]
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymize_erases_personal_text_and_keeps_structure() {
    let server = TestServer::start(1, 40).await;
    let db = &server.db;
    let token = server.token().await;
    let conv = busy_closed_conversation(db).await;
    let shape = structure(db, conv.id).await;
    let old_texts: Vec<String> = message::Entity::find()
        .filter(message::Column::ConversationId.eq(conv.id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    let requester = contact::Entity::find_by_id(conv.requester_id.unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let id = gid(NodeKind::Conversation, conv.id);

    let reply = server
        .post(
            Some(&token),
            ANONYMIZE,
            json!({ "input": { "conversationId": id, "clientMutationId": "an" } }),
        )
        .await;
    let p = payload(&reply, "anonymizeConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "an");
    let c = &p["conversation"];
    assert!(c["anonymizedAt"].is_string());
    for m in c["messages"]["nodes"].as_array().unwrap() {
        assert_eq!(
            (m["text"].as_str(), &m["html"]),
            (Some("[redacted]"), &Value::Null)
        );
        assert!(m["anonymizedAt"].is_string());
    }
    for n in c["notes"]["nodes"].as_array().unwrap() {
        assert_eq!(n["body"], "[redacted]");
    }
    // Detached from its requester, whose own data (shared with other conversations)
    // stays: erasing a person is anonymizeContact.
    assert!(c["requester"].is_null());

    // In the rows themselves: the text is gone, the ids and counts stay.
    assert_eq!(structure(db, conv.id).await, shape);
    for old in &old_texts {
        let found = message::Entity::find()
            .filter(message::Column::Text.eq(old.as_str()))
            .filter(message::Column::ConversationId.eq(conv.id))
            .count(db)
            .await
            .unwrap();
        assert_eq!(found, 0);
    }
    for t in ticket::Entity::find()
        .filter(ticket::Column::ConversationId.eq(conv.id))
        .all(db)
        .await
        .unwrap()
    {
        assert_eq!(t.original_text, "[redacted]");
        assert_eq!((t.original_html, t.sender), (None, None));
        assert!(t.cleanest_body.is_none_or(|b| b == "[redacted]"));
    }
    for r in rating::Entity::find()
        .filter(rating::Column::ConversationId.eq(conv.id))
        .all(db)
        .await
        .unwrap()
    {
        assert!(r.comment.is_none_or(|c| c == "[redacted]"));
    }
    let contact_row = contact::Entity::find_by_id(requester.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact_row, requester);
    assert_eq!(entries(db, conv.id, ActivityType::Anonymized).await, 1);

    // Again: success, and nothing changes.
    let done = reload(db, conv.id).await;
    let reply = server
        .post(
            Some(&token),
            ANONYMIZE,
            json!({ "input": { "conversationId": id } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "anonymizeConversation")["userErrors"],
        json!([])
    );
    assert_eq!(reload(db, conv.id).await, done);
    assert_eq!(entries(db, conv.id, ActivityType::Anonymized).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymizing_an_open_conversation_needs_force() {
    let server = TestServer::start(1, 20).await;
    let db = &server.db;
    let token = server.token().await;
    let open = conversation_in(db, "tenant-1", ConversationState::Open).await;
    let id = gid(NodeKind::Conversation, open.id);
    let texts = |db: &DatabaseConnection| {
        let db = db.clone();
        async move {
            message::Entity::find()
                .filter(message::Column::ConversationId.eq(open.id))
                .order_by_asc(message::Column::Id)
                .all(&db)
                .await
                .unwrap()
        }
    };
    let before = texts(db).await;
    let reply = server
        .post(
            Some(&token),
            ANONYMIZE,
            json!({ "input": { "conversationId": id } }),
        )
        .await;
    let p = payload(&reply, "anonymizeConversation");
    assert_eq!(codes(p), ["INVALID_STATE"]);
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "force"]));
    assert_eq!(texts(db).await, before, "nothing changed");
    assert_eq!(reload(db, open.id).await, open);

    let reply = server
        .post(
            Some(&token),
            ANONYMIZE,
            json!({ "input": { "conversationId": id, "force": true } }),
        )
        .await;
    let p = payload(&reply, "anonymizeConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(
        p["conversation"]["state"], "CLOSED",
        "force closes it first"
    );
    assert_eq!(p["conversation"]["messages"]["totalCount"], before.len());
    assert!(texts(db).await.iter().all(|m| m.text == "[redacted]"));
    assert_eq!(entries(db, open.id, ActivityType::Closed).await, 1);
    assert_eq!(entries(db, open.id, ActivityType::Anonymized).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymize_message_erases_one_message_once() {
    let server = TestServer::start(2, 10).await;
    let db = &server.db;
    let token = server.token().await;
    let open = conversation_in(db, "tenant-1", ConversationState::Open).await;
    let all = message::Entity::find()
        .filter(message::Column::ConversationId.eq(open.id))
        .order_by_asc(message::Column::Id)
        .all(db)
        .await
        .unwrap();
    let target = &all[0];
    let input = json!({ "messageId": gid(NodeKind::Message, target.id), "clientMutationId": "x" });
    let reply = server
        .post(Some(&token), ANONYMIZE_MESSAGE, json!({ "input": input }))
        .await;
    let p = payload(&reply, "anonymizeMessage");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "x");
    assert_eq!(p["message"]["text"], "[redacted]");
    assert!(p["message"]["html"].is_null() && p["message"]["anonymizedAt"].is_string());
    assert_eq!(
        p["conversation"]["id"],
        gid(NodeKind::Conversation, open.id)
    );
    let now = message::Entity::find()
        .filter(message::Column::ConversationId.eq(open.id))
        .order_by_asc(message::Column::Id)
        .all(db)
        .await
        .unwrap();
    assert_eq!(now.len(), all.len());
    assert_eq!(now[1..], all[1..], "the other messages are untouched");
    assert_eq!(now[0].id, target.id);
    assert_eq!(entries(db, open.id, ActivityType::Anonymized).await, 1);

    let conv = reload(db, open.id).await;
    let reply = server
        .post(Some(&token), ANONYMIZE_MESSAGE, json!({ "input": input }))
        .await;
    assert_eq!(payload(&reply, "anonymizeMessage")["userErrors"], json!([]));
    assert_eq!(
        reload(db, open.id).await,
        conv,
        "a second call changes nothing"
    );
    assert_eq!(entries(db, open.id, ActivityType::Anonymized).await, 1);

    let theirs = first_of!(db, message, "tenant-2");
    let reply = server
        .post(
            Some(&token),
            ANONYMIZE_MESSAGE,
            json!({ "input": { "messageId": gid(NodeKind::Message, theirs.id) } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
    let untouched = message::Entity::find_by_id(theirs.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched, theirs);
}

const SET: &str = r#"mutation($input: SetCustomAttributesInput!) {
  setCustomAttributes(input: $input) {
    clientMutationId
    conversation { id customAttributes { definition { identifier } text values } }
    userErrors { field message code }
  }
}"#;

async fn definitions(db: &DatabaseConnection, tenant: &str) -> (String, String) {
    let of = |identifier: &'static str| {
        let db = db.clone();
        let tenant = tenant.to_owned();
        async move {
            let d = definition::Entity::find()
                .filter(definition::Column::TenantId.eq(tenant))
                .filter(definition::Column::Identifier.eq(identifier))
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            gid(NodeKind::CustomAttributeDefinition, d.id)
        }
    };
    (of("order_id").await, of("plan").await)
}

async fn values_of(db: &DatabaseConnection, conv: i64) -> Vec<conversation_attribute_value::Model> {
    conversation_attribute_value::Entity::find()
        .filter(conversation_attribute_value::Column::ConversationId.eq(conv))
        .order_by_asc(conversation_attribute_value::Column::DefinitionId)
        .all(db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn set_custom_attributes_checks_each_value_against_its_definition() {
    let server = TestServer::start(2, 6).await;
    let db = &server.db;
    let token = server.token().await;
    let conv = fresh_conversation(&server, &token).await;
    let id = gid(NodeKind::Conversation, conv);
    let (order, plan) = definitions(db, "tenant-1").await;

    let input = json!({ "conversationId": id, "clientMutationId": "s", "values": [
        { "definitionId": order, "text": "ORD-1" },
        { "definitionId": plan, "values": ["pro", "enterprise", "pro"] },
    ] });
    let reply = server
        .post(Some(&token), SET, json!({ "input": input }))
        .await;
    let p = payload(&reply, "setCustomAttributes");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "s");
    assert_eq!(
        p["conversation"]["customAttributes"],
        json!([
            { "definition": { "identifier": "order_id" }, "text": "ORD-1", "values": [] },
            { "definition": { "identifier": "plan" }, "text": null, "values": ["pro", "enterprise"] },
        ])
    );
    assert_eq!(entries(db, conv, ActivityType::AttributesChanged).await, 1);
    let stored = values_of(db, conv).await;

    // One bad item: INVALID_VALUE on it, and nothing written (not even the good one).
    let bad = [
        (
            json!([{ "definitionId": order, "text": "ORD-2" }, { "definitionId": plan, "values": ["gold"] }]),
            vec![json!(["input", "values", "1", "values"])],
        ),
        (
            json!([{ "definitionId": order, "values": ["ORD-2"] }]),
            vec![json!(["input", "values", "0", "values"])],
        ),
        (
            json!([{ "definitionId": plan, "text": "pro" }]),
            vec![json!(["input", "values", "0", "text"])],
        ),
        (
            json!([{ "definitionId": order, "text": "x".repeat(1001) }, { "definitionId": plan, "values": ["free"] }]),
            vec![json!(["input", "values", "0", "text"])],
        ),
        (
            json!([{ "definitionId": plan, "values": ["free"] }, { "definitionId": plan, "values": ["pro"] }]),
            vec![json!(["input", "values", "1", "definitionId"])],
        ),
        (
            json!([{ "definitionId": order, "values": ["a"] }, { "definitionId": plan, "values": ["b"] }]),
            vec![
                json!(["input", "values", "0", "values"]),
                json!(["input", "values", "1", "values"]),
            ],
        ),
    ];
    for (values, fields) in bad {
        let reply = server
            .post(
                Some(&token),
                SET,
                json!({ "input": { "conversationId": id, "values": values } }),
            )
            .await;
        let p = payload(&reply, "setCustomAttributes");
        let got: Vec<&Value> = p["userErrors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["field"])
            .collect();
        assert_eq!(got, fields.iter().collect::<Vec<_>>(), "{values}");
        assert!(codes(p).iter().all(|c| c == "INVALID_VALUE"));
        assert!(p["conversation"].is_null());
        assert_eq!(values_of(db, conv).await, stored, "all or nothing");
    }
    assert_eq!(entries(db, conv, ActivityType::AttributesChanged).await, 1);

    // The same values again change nothing; an empty value removes the attribute.
    let reply = server
        .post(Some(&token), SET, json!({ "input": input }))
        .await;
    assert_eq!(
        payload(&reply, "setCustomAttributes")["userErrors"],
        json!([])
    );
    assert_eq!(entries(db, conv, ActivityType::AttributesChanged).await, 1);
    let remove = json!({ "conversationId": id, "values": [{ "definitionId": plan, "values": [] }, { "definitionId": order, "text": "ORD-9" }] });
    let reply = server
        .post(Some(&token), SET, json!({ "input": remove }))
        .await;
    let p = payload(&reply, "setCustomAttributes");
    assert_eq!(
        p["conversation"]["customAttributes"],
        json!([{ "definition": { "identifier": "order_id" }, "text": "ORD-9", "values": [] }])
    );
    assert_eq!(values_of(db, conv).await.len(), 1);
    assert_eq!(entries(db, conv, ActivityType::AttributesChanged).await, 2);

    // A stale expectedUpdatedAt is CONFLICT.
    let row = reload(db, conv).await;
    let stale = json!({ "conversationId": id, "expectedUpdatedAt": ts(row.updated_at - 5), "values": [{ "definitionId": order, "text": "ORD-10" }] });
    let reply = server
        .post(Some(&token), SET, json!({ "input": stale }))
        .await;
    assert_eq!(codes(payload(&reply, "setCustomAttributes")), ["CONFLICT"]);
    assert_eq!(reload(db, conv).await, row);
}

#[tokio::test(flavor = "multi_thread")]
async fn message_and_attribute_mutations_refuse_foreign_ids_and_missing_scope() {
    let server = TestServer::start(2, 8).await;
    let db = &server.db;
    let token = server.token().await;
    let mine = conversation_in(db, "tenant-1", ConversationState::Open).await;
    let theirs = conversation_in(db, "tenant-2", ConversationState::Closed).await;
    let their_agent = first_of!(db, agent, "tenant-2");
    let their_message = first_of!(db, message, "tenant-2");
    let (_, their_plan) = definitions(db, "tenant-2").await;
    let (my_order, _) = definitions(db, "tenant-1").await;
    let c = |id| gid(NodeKind::Conversation, id);
    let cases = [
        (ADD, json!({ "conversationId": c(theirs.id), "text": "hi" })),
        (
            ADD,
            json!({ "conversationId": c(mine.id), "text": "hi", "authorAgentId": gid(NodeKind::Agent, their_agent.id) }),
        ),
        (ANONYMIZE, json!({ "conversationId": c(theirs.id) })),
        (ANONYMIZE, json!({ "conversationId": "nope" })),
        (
            ANONYMIZE_MESSAGE,
            json!({ "messageId": gid(NodeKind::Message, their_message.id) }),
        ),
        (
            ANONYMIZE_MESSAGE,
            json!({ "messageId": gid(NodeKind::Note, mine.id) }),
        ),
        (SET, json!({ "conversationId": c(theirs.id), "values": [] })),
        (
            SET,
            json!({ "conversationId": c(mine.id), "values": [{ "definitionId": their_plan, "values": ["pro"] }] }),
        ),
    ];
    let (log_1, log_2) = (
        all_entries(db, "tenant-1").await,
        all_entries(db, "tenant-2").await,
    );
    for (query, input) in &cases {
        let reply = server
            .post(Some(&token), query, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "NOT_FOUND", "{input}");
    }
    assert_eq!(reload(db, mine.id).await, mine);
    assert_eq!(reload(db, theirs.id).await, theirs);
    assert_eq!(
        (
            all_entries(db, "tenant-1").await,
            all_entries(db, "tenant-2").await
        ),
        (log_1, log_2)
    );

    let reader = server
        .token_for("tenant-1", "conversation:read ticket:write admin")
        .await;
    let my_message = first_of!(db, message, "tenant-1");
    let allowed = [
        (ADD, json!({ "conversationId": c(mine.id), "text": "hi" })),
        (
            ANONYMIZE,
            json!({ "conversationId": c(mine.id), "force": true }),
        ),
        (
            ANONYMIZE_MESSAGE,
            json!({ "messageId": gid(NodeKind::Message, my_message.id) }),
        ),
        (
            SET,
            json!({ "conversationId": c(mine.id), "values": [{ "definitionId": my_order, "text": "x" }] }),
        ),
    ];
    for (query, input) in &allowed {
        let reply = server
            .post(Some(&reader), query, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "FORBIDDEN", "{input}");
    }
    assert_eq!(reload(db, mine.id).await, mine);
    assert_eq!(all_entries(db, "tenant-1").await, log_1);
    let untouched = message::Entity::find_by_id(my_message.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched, my_message);
}
