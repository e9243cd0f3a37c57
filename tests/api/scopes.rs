//! Read scopes guard the types themselves: a token that may only write gets the ids
//! of what it changed, and FORBIDDEN for every field that carries data, on every path
//! (mutation payloads, `node`/`nodes`, subscriptions).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use async_graphql_parser::parse_schema;
use async_graphql_parser::types::{
    BaseType, FieldDefinition, Type, TypeDefinition, TypeKind, TypeSystemDefinition,
};
use entity::enums::{ConversationState, TagState};
use entity::{
    contact, conversation, custom_attribute_definition as definition, queue, tag, ticket,
};
use futures_util::{SinkExt, StreamExt};
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{TestServer, gid};

/// Every write scope and no read scope.
const WRITE_ONLY: &str = "conversation:write ticket:write admin";

/// Payload fields a write-only token may read: ids, cursors, what it sent, and why
/// a write was refused.
const ALLOWED: [&str; 10] = [
    "id",
    "cursor",
    "__typename",
    "clientMutationId",
    "deletedTicketId",
    "deletedQueuedMessageId",
    "cleared",
    "removedTagId",
    "index",
    "importedMessages",
];

/// Mutations of data `admin` itself reads: webhook endpoints and their deliveries
/// have no other read scope, so the token that writes them reads them (what they
/// point to, such as a delivery's activity, keeps its own guard). That a token
/// without `admin` is refused every one of them is tested in `webhooks.rs`.
const ADMIN_DATA: [&str; 5] = [
    "createWebhookEndpoint",
    "updateWebhookEndpoint",
    "deleteWebhookEndpoint",
    "rotateWebhookEndpointSecret",
    "redeliverWebhook",
];

/// The SDL's type definitions, by name.
fn types() -> HashMap<String, TypeDefinition> {
    parse_schema(parley::graphql::sdl())
        .expect("the SDL parses")
        .definitions
        .into_iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(t) => Some((t.node.name.node.to_string(), t.node)),
            _ => None,
        })
        .collect()
}

fn fields(ty: &TypeDefinition) -> Vec<&FieldDefinition> {
    match &ty.kind {
        TypeKind::Object(o) => o.fields.iter().map(|f| &f.node).collect(),
        TypeKind::Interface(i) => i.fields.iter().map(|f| &f.node).collect(),
        _ => Vec::new(),
    }
}

fn base(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => base(inner),
    }
}

/// A selection of every field of `name` that needs no argument, objects to `depth`.
fn everything(types: &HashMap<String, TypeDefinition>, name: &str, depth: usize) -> String {
    let Some(ty) = types.get(name) else {
        return String::new(); // a scalar
    };
    if let TypeKind::Union(union) = &ty.kind {
        let arms: Vec<String> = union
            .members
            .iter()
            .map(|m| {
                format!(
                    "... on {} {{ {} }}",
                    m.node,
                    everything(types, &m.node, depth)
                )
            })
            .collect();
        return format!("__typename {}", arms.join(" "));
    }
    let mut out = vec!["__typename".to_owned()];
    for field in fields(ty) {
        let needs_args = field
            .arguments
            .iter()
            .any(|a| !a.node.ty.node.nullable && a.node.default_value.is_none());
        if needs_args {
            continue;
        }
        let inner = base(&field.ty.node);
        match types.get(inner).map(|t| &t.kind) {
            None | Some(TypeKind::Scalar | TypeKind::Enum(_)) => {
                out.push(field.name.node.to_string())
            }
            Some(_) if depth > 0 => out.push(format!(
                "{} {{ {} }}",
                field.name.node,
                everything(types, inner, depth - 1)
            )),
            Some(_) => {}
        }
    }
    out.join(" ")
}

/// The payload selection: each object field twice, once for what stays readable
/// (`id`, `cursor`) and once, as `leak_<field>`, for everything it has.
fn payload_selection(types: &HashMap<String, TypeDefinition>, payload: &str) -> String {
    let mut out = Vec::new();
    for field in fields(&types[payload]) {
        let name = field.name.node.to_string();
        let inner = base(&field.ty.node);
        match types.get(inner).map(|t| &t.kind) {
            None | Some(TypeKind::Scalar | TypeKind::Enum(_)) => out.push(name),
            Some(_) if name == "userErrors" => out.push("userErrors { field message code }".into()),
            Some(kind) => {
                let mut ids = vec!["__typename"];
                if let TypeKind::Object(o) = kind {
                    ids.extend(
                        o.fields
                            .iter()
                            .map(|f| f.node.name.node.as_str())
                            .filter(|f| ["id", "cursor"].contains(f)),
                    );
                }
                out.push(format!("{name} {{ {} }}", ids.join(" ")));
                out.push(format!(
                    "leak_{name}: {name} {{ {} }}",
                    everything(types, inner, 2)
                ));
            }
        }
    }
    out.join(" ")
}

/// Every non-null leaf of `value` that is neither allowed nor a `userErrors` entry,
/// as `path = value`.
fn leaks(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "userErrors" {
                    continue;
                }
                match v {
                    Value::Object(_) | Value::Array(_) => leaks(v, &format!("{path}.{key}"), out),
                    Value::Null => {}
                    _ if ALLOWED.contains(&key.as_str()) => {}
                    _ => out.push(format!("{path}.{key} = {v}")),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaks(v, &format!("{path}.{i}"), out);
            }
        }
        _ => {}
    }
}

/// The ids seeded or returned by earlier mutations, by name.
type Known = HashMap<String, String>;

fn id(known: &Known, key: &str) -> String {
    known
        .get(key)
        .cloned()
        .unwrap_or_else(|| panic!("no {key} known yet"))
}

/// Every mutation, in an order that lets each use what earlier ones made: its name,
/// the write scope it needs and its input.
type Case = (&'static str, &'static str, fn(&Known) -> Value);

const CASES: [Case; 40] = [
    (
        "createConversation",
        "conversation:write",
        |_| json!({ "subject": "Where is my order?", "message": { "text": "It is late." } }),
    ),
    ("importConversation", "conversation:write", |_| {
        json!({ "subject": "Imported", "requesterEmail": "imported@example.com", "channel": "PHONE",
                "messages": [{ "text": "From the old system." }] })
    }),
    (
        "claimConversation",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "force": true }),
    ),
    (
        "transferConversation",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "queueId": id(k, "queue") }),
    ),
    (
        "tagConversation",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "tagId": id(k, "tag") }),
    ),
    (
        "untagConversation",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "tagId": id(k, "tag") }),
    ),
    (
        "addMessage",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "text": "We are on it." }),
    ),
    (
        "enqueueAssistantMessage",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "content": "Where is it?" }),
    ),
    (
        "updateAssistantQueuedMessage",
        "conversation:write",
        |k| json!({ "id": id(k, "enqueueAssistantMessage.queuedMessage"), "content": "Where?" }),
    ),
    (
        "deleteAssistantQueuedMessage",
        "conversation:write",
        |k| json!({ "id": id(k, "enqueueAssistantMessage.queuedMessage") }),
    ),
    (
        "clearAssistantQueue",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation") }),
    ),
    (
        "askAssistant",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "content": "Is my order late?" }),
    ),
    (
        "cancelAssistantRun",
        "conversation:write",
        |k| json!({ "runId": id(k, "askAssistant.run") }),
    ),
    (
        "addNote",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "body": "Customer is a VIP." }),
    ),
    ("addNotes", "conversation:write", |k| {
        json!({ "conversationId": id(k, "conversation"),
                "notes": [{ "body": "First." }, { "body": "Second." }] })
    }),
    (
        "offerRating",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation"), "ratingType": "CSAT" }),
    ),
    (
        "submitRating",
        "conversation:write",
        |k| json!({ "ratingId": id(k, "offerRating.rating"), "score": 5, "comment": "Great help." }),
    ),
    ("setCustomAttributes", "conversation:write", |k| {
        json!({ "conversationId": id(k, "conversation"),
                "values": [{ "definitionId": id(k, "definition"), "text": "ORD-42" }] })
    }),
    (
        "startVoiceSession",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "importConversation.conversation"), "sessionProperties": { "lang": "en" } }),
    ),
    (
        "updateVoiceSession",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "importConversation.conversation"), "status": "IN_PROGRESS", "appendPath": ["greeting"] }),
    ),
    (
        "mergeConversations",
        "conversation:write",
        |k| json!({ "sourceId": id(k, "importConversation.conversation"), "targetId": id(k, "conversation") }),
    ),
    ("snoozeConversation", "conversation:write", |k| {
        json!({ "conversationId": id(k, "conversation"),
                    "until": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339() })
    }),
    (
        "unsnoozeConversation",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation") }),
    ),
    (
        "closeConversation",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation") }),
    ),
    (
        "reopenConversation",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "conversation") }),
    ),
    (
        "rateMessage",
        "conversation:write",
        |k| json!({ "messageId": id(k, "addMessage.message"), "rating": 1 }),
    ),
    (
        "anonymizeMessage",
        "conversation:write",
        |k| json!({ "messageId": id(k, "addMessage.message") }),
    ),
    (
        "anonymizeConversation",
        "conversation:write",
        |k| json!({ "conversationId": id(k, "createConversation.conversation"), "force": true }),
    ),
    ("createTicket", "ticket:write", |k| {
        json!({ "conversationId": id(k, "conversation"), "originalText": "My order is late.",
                "sender": "ada@example.com" })
    }),
    (
        "updateTicket",
        "ticket:write",
        |k| json!({ "ticketId": id(k, "ticket"), "priority": "HIGH" }),
    ),
    (
        "addTagToTicket",
        "ticket:write",
        |k| json!({ "ticketId": id(k, "ticket"), "tagId": id(k, "tag"), "salience": 0.5, "sentiment": 0.1 }),
    ),
    (
        "removeTagFromTicket",
        "ticket:write",
        |k| json!({ "ticketId": id(k, "ticket"), "tagId": id(k, "tag") }),
    ),
    (
        "markTicketRead",
        "ticket:write",
        |k| json!({ "ticketId": id(k, "ticket") }),
    ),
    (
        "deleteTicket",
        "ticket:write",
        |k| json!({ "ticketId": id(k, "createTicket.ticket") }),
    ),
    ("createTag", "admin", |_| json!({ "name": "Fresh topic" })),
    (
        "createCustomAttributeDefinition",
        "admin",
        |_| json!({ "identifier": "tier", "name": "Tier", "kind": "SELECT", "options": ["gold", "silver"] }),
    ),
    (
        "updateCustomAttributeDefinition",
        "admin",
        |k| json!({ "definitionId": id(k, "createCustomAttributeDefinition.definition"), "name": "Level" }),
    ),
    (
        "createFlow",
        "admin",
        |_| json!({ "name": "Main line", "contactEndpointId": "+4534343434" }),
    ),
    (
        "updateTag",
        "admin",
        |k| json!({ "tagId": id(k, "tag"), "relevant": false }),
    ),
    // Last: erasing a person closes and erases their conversations.
    (
        "anonymizeContact",
        "admin",
        |k| json!({ "contactId": id(k, "contact"), "force": true }),
    ),
];

/// Global IDs of tenant-1 rows the table writes to.
async fn seeded(server: &TestServer) -> Known {
    let db = &server.db;
    let conversation = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .filter(conversation::Column::State.eq(ConversationState::Open))
        .filter(conversation::Column::AnonymizedAt.is_null())
        .order_by_asc(conversation::Column::Id)
        .one(db)
        .await
        .unwrap()
        .expect("an open conversation");
    let queue = queue::Entity::find()
        .filter(queue::Column::TenantId.eq("tenant-1"))
        .filter(queue::Column::Id.ne(conversation.queue_id.unwrap_or(0)))
        .one(db)
        .await
        .unwrap()
        .expect("another queue");
    let tag = tag::Entity::find()
        .filter(tag::Column::TenantId.eq("tenant-1"))
        .filter(tag::Column::State.eq(TagState::Active))
        .order_by_asc(tag::Column::Id)
        .one(db)
        .await
        .unwrap()
        .expect("an active tag");
    let ticket = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-1"))
        .order_by_asc(ticket::Column::Id)
        .one(db)
        .await
        .unwrap()
        .expect("a ticket");
    let definition = definition::Entity::find()
        .filter(definition::Column::TenantId.eq("tenant-1"))
        .filter(definition::Column::Identifier.eq("order_id"))
        .one(db)
        .await
        .unwrap()
        .expect("the order_id attribute");
    let contact = contact::Entity::find()
        .filter(contact::Column::TenantId.eq("tenant-1"))
        .order_by_desc(contact::Column::Id)
        .one(db)
        .await
        .unwrap()
        .expect("a contact");
    HashMap::from([
        ("contact".into(), gid(NodeKind::Contact, contact.id)),
        (
            "conversation".into(),
            gid(NodeKind::Conversation, conversation.id),
        ),
        ("queue".into(), gid(NodeKind::Queue, queue.id)),
        ("tag".into(), gid(NodeKind::Tag, tag.id)),
        ("ticket".into(), gid(NodeKind::Ticket, ticket.id)),
        (
            "definition".into(),
            gid(NodeKind::CustomAttributeDefinition, definition.id),
        ),
    ])
}

/// The payload type each mutation returns, from the SDL.
fn mutations(types: &HashMap<String, TypeDefinition>) -> HashMap<String, String> {
    fields(&types["Mutation"])
        .into_iter()
        .map(|f| (f.name.node.to_string(), base(&f.ty.node).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_mutation_payload_hides_data_from_a_write_only_token() {
    let server = TestServer::start(1, 5).await;
    let types = types();
    let payloads = mutations(&types);
    let covered: BTreeSet<&str> = CASES.iter().map(|(mutation, _, _)| *mutation).collect();
    let in_schema: BTreeSet<&str> = payloads
        .keys()
        .map(String::as_str)
        .filter(|name| !ADMIN_DATA.contains(name))
        .collect();
    assert_eq!(
        covered, in_schema,
        "every mutation of the schema has a case in this table"
    );
    let mut known = seeded(&server).await;
    for (name, scope, input) in CASES {
        let token = server.token_for("tenant-1", scope).await;
        let payload = &payloads[name];
        let selection = payload_selection(&types, payload);
        let input_type = format!("{}Input", payload.trim_end_matches("Payload"));
        let query = format!(
            "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} }} }}"
        );
        let input = input(&known);
        let reply = server
            .post(Some(&token), &query, json!({ "input": input }))
            .await;
        let errors = reply.body["errors"].as_array().cloned().unwrap_or_default();
        for error in &errors {
            assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{name}: {error}");
            assert_eq!(error["path"][0], name, "{name}: {error}");
            let field = error["path"][1].as_str().unwrap();
            let data_scalar = error["path"].as_array().unwrap().len() == 2;
            assert!(
                field.starts_with("leak_") || (data_scalar && !ALLOWED.contains(&field)),
                "only data fields are refused ({name}): {error}"
            );
        }
        let data = &reply.body["data"][name];
        if data.is_null() {
            // A refused field inside a non-null list (`addNotes.results`) nulls the
            // whole payload, as GraphQL's null propagation has it; the write was made.
            assert!(!errors.is_empty(), "{name}: {:#}", reply.body);
            continue;
        }
        assert_eq!(data["userErrors"], json!([]), "{name} was accepted");

        let mut leaked = Vec::new();
        leaks(data, name, &mut leaked);
        assert!(leaked.is_empty(), "{name} leaked {leaked:#?}");

        let has_objects = fields(&types[payload.as_str()]).iter().any(|f| {
            let kind = types.get(base(&f.ty.node)).map(|t| &t.kind);
            f.name.node != "userErrors"
                && matches!(kind, Some(TypeKind::Object(_) | TypeKind::Union(_)))
        });
        if has_objects {
            assert!(
                !errors.is_empty(),
                "{name}: data was refused: {:#}",
                reply.body
            );
        }
        // The ids of what changed stay readable, for the next cases too.
        for (field, value) in data.as_object().unwrap() {
            if let Some(id) = value.get("id").and_then(Value::as_str) {
                known.insert(format!("{name}.{field}"), id.to_owned());
            }
        }
        if [
            "createConversation",
            "offerRating",
            "addMessage",
            "createTicket",
        ]
        .contains(&name)
        {
            assert!(
                known.keys().any(|k| k.starts_with(&format!("{name}."))),
                "{name} returned the new object's id: {data:#}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn readers_still_read_what_payloads_return() {
    let server = TestServer::start(1, 5).await;
    let known = seeded(&server).await;
    let token = server
        .token_for(
            "tenant-1",
            "conversation:read conversation:write ticket:read ticket:write",
        )
        .await;
    let reply = server
        .post(
            Some(&token),
            "mutation($input: TransferConversationInput!) { transferConversation(input: $input) { conversation { id subject requester { email } messages(first: 1) { nodes { text } } } } }",
            json!({ "input": { "conversationId": known["conversation"], "queueId": known["queue"] } }),
        )
        .await;
    assert!(reply.body.get("errors").is_none(), "{:#}", reply.body);
    let conversation = &reply.data()["transferConversation"]["conversation"];
    assert_eq!(conversation["id"], known["conversation"]);
    assert!(conversation["messages"]["nodes"][0]["text"].is_string());
    let reply = server
        .post(
            Some(&token),
            "mutation($input: MarkTicketReadInput!) { markTicketRead(input: $input) { ticket { originalText } unreadTicketCount } }",
            json!({ "input": { "ticketId": known["ticket"] } }),
        )
        .await;
    assert!(reply.body.get("errors").is_none(), "{:#}", reply.body);
    assert!(reply.data()["markTicketRead"]["ticket"]["originalText"].is_string());
    assert!(reply.data()["markTicketRead"]["unreadTicketCount"].is_i64());
}

/// The issue's two reproductions, by name, with the scope each token had.
#[tokio::test(flavor = "multi_thread")]
async fn the_reported_payload_leaks_are_forbidden() {
    let server = TestServer::start(1, 5).await;
    let known = seeded(&server).await;
    let table = [
        (
            "conversation:write",
            "mutation($input: TransferConversationInput!) { transferConversation(input: $input) { conversation { id } data: conversation { subject requester { email } messages { nodes { text } } } } }",
            json!({ "conversationId": known["conversation"], "queueId": known["queue"] }),
            "transferConversation",
        ),
        (
            "ticket:write",
            "mutation($input: MarkTicketReadInput!) { markTicketRead(input: $input) { ticket { id } data: ticket { originalText } unreadTicketCount } }",
            json!({ "ticketId": known["ticket"] }),
            "markTicketRead",
        ),
    ];
    for (scopes, query, input, name) in table {
        let token = server.token_for("tenant-1", scopes).await;
        let reply = server
            .post(Some(&token), query, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "FORBIDDEN", "{name}: {:#}", reply.body);
        let payload = &reply.body["data"][name];
        assert!(payload["data"].is_null(), "{name}: {payload:#}");
        assert!(
            payload["unreadTicketCount"].is_null(),
            "{name}: {payload:#}"
        );
        assert!(
            payload
                .as_object()
                .unwrap()
                .values()
                .any(|v| v["id"].is_string()),
            "{name} still returns the id: {payload:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn node_nodes_and_subscriptions_need_the_read_scope() {
    let server = TestServer::start(1, 5).await;
    let known = seeded(&server).await;
    let write_only = server.token_for("tenant-1", WRITE_ONLY).await;
    let conversations_only = server.token_for("tenant-1", "conversation:read").await;
    let (conversation, ticket) = (&known["conversation"], &known["ticket"]);
    let table = [
        (
            &write_only,
            format!(
                r#"{{ node(id: "{conversation}") {{ id ... on Conversation {{ subject }} }} }}"#
            ),
        ),
        (
            &write_only,
            format!(r#"{{ nodes(ids: ["{conversation}", "{ticket}"]) {{ id }} }}"#),
        ),
        (
            &write_only,
            format!(
                r#"{{ node(id: "{}") {{ ... on Tag {{ name }} }} }}"#,
                known["tag"]
            ),
        ),
        (
            &conversations_only,
            format!(r#"{{ node(id: "{ticket}") {{ ... on Ticket {{ originalText }} }} }}"#),
        ),
        (
            &conversations_only,
            "{ activityLog(first: 50) { nodes { ticket { originalText } } } }".into(),
        ),
    ];
    for (token, query) in &table {
        let reply = server.post(Some(token), query, json!({})).await;
        assert_eq!(reply.code(), "FORBIDDEN", "{query}: {:#}", reply.body);
        let mut leaked = Vec::new();
        leaks(&reply.body["data"], "data", &mut leaked);
        assert!(leaked.is_empty(), "{query} leaked {leaked:#?}");
    }
    // A write-only socket connects, but its subscription is refused.
    let (mut socket, ack) = crate::subscriptions::connect(&server.url, &write_only).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { conversationEvents { id type conversation { subject } } }" } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    let reply = loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("an answer")
            .expect("an open socket")
            .unwrap();
        if let Message::Text(text) = message {
            break serde_json::from_str::<Value>(&text).unwrap();
        }
    };
    assert_eq!(
        reply["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{reply}"
    );
}
