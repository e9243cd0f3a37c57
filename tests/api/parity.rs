//! What the source APIs carry that the graph lacked: history dates, source and
//! metadata on conversations, per-message ratings and metadata, translations,
//! anonymous traits on tickets, custom attribute definitions and telephony flows.
//! Every refusal changes nothing.

use entity::enums::ActivityType;
use entity::{activity, conversation, custom_attribute_definition, flow, message};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestServer, codes, payload};

const CREATE: &str = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id createdAt source metadata messages(first: 5) { nodes { id createdAt } } } userErrors { field code } } }";

async fn conversations(server: &TestServer) -> u64 {
    conversation::Entity::find()
        .count(&server.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn conversations_take_their_history_date_source_and_metadata() {
    let server = TestServer::start(1, 2).await;
    let token = server.token().await;
    let input = json!({
        "subject": "Old case", "createdAt": "2024-03-01T10:00:00Z", "source": "zendesk",
        "metadata": { "model": "gpt-4o", "userId": 3242 },
        "message": { "text": "Hello from the past" }
    });
    let reply = server
        .post(Some(&token), CREATE, json!({ "input": input }))
        .await;
    let created = &payload(&reply, "createConversation")["conversation"];
    assert_eq!(created["createdAt"], "2024-03-01T10:00:00+00:00");
    assert_eq!(created["source"], "zendesk");
    assert_eq!(
        created["metadata"],
        json!({ "model": "gpt-4o", "userId": 3242 })
    );
    assert_eq!(
        created["messages"]["nodes"][0]["createdAt"], "2024-03-01T10:00:00+00:00",
        "the first message is dated with the conversation"
    );

    // Each bad value is refused on its field, and nothing is written.
    let before = conversations(&server).await;
    let huge = "x".repeat(17 * 1024);
    for (input, field) in [
        (json!({ "createdAt": "2999-01-01T00:00:00Z" }), "createdAt"),
        (json!({ "metadata": [1, 2, 3] }), "metadata"),
        (json!({ "metadata": "text" }), "metadata"),
        (json!({ "metadata": { "blob": huge } }), "metadata"),
        (json!({ "source": "s".repeat(201) }), "source"),
    ] {
        let reply = server
            .post(Some(&token), CREATE, json!({ "input": input }))
            .await;
        let p = payload(&reply, "createConversation");
        assert_eq!(codes(p), ["INVALID_VALUE"], "{p}");
        assert_eq!(p["userErrors"][0]["field"], json!(["input", field]), "{p}");
    }
    assert_eq!(conversations(&server).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn imports_keep_source_metadata_and_message_ratings() {
    let server = TestServer::start(1, 2).await;
    let token = server.token().await;
    let document = "mutation($input: ImportConversationInput!) { importConversation(input: $input) { conversation { source metadata messages(first: 5) { nodes { text rating metadata } } } importedMessages userErrors { field code } } }";
    let input = json!({
        "source": "intercom", "metadata": { "plan": "pro" },
        "messages": [
            { "text": "Was this helpful?", "role": "ASSISTANT", "rating": -1, "metadata": { "model": "m1" } },
            { "text": "A bad rating", "role": "ASSISTANT", "rating": 2 },
        ]
    });
    let reply = server
        .post(Some(&token), document, json!({ "input": input }))
        .await;
    let p = payload(&reply, "importConversation");
    assert_eq!(p["importedMessages"], 1);
    assert_eq!(
        p["userErrors"],
        json!([{ "field": ["input", "messages", "1", "rating"], "code": "INVALID_VALUE" }])
    );
    let conv = &p["conversation"];
    assert_eq!(
        (&conv["source"], &conv["metadata"]),
        (&json!("intercom"), &json!({ "plan": "pro" }))
    );
    assert_eq!(
        conv["messages"]["nodes"],
        json!([{ "text": "Was this helpful?", "rating": -1, "metadata": { "model": "m1" } }])
    );
}

const RATE: &str = "mutation($input: RateMessageInput!) { rateMessage(input: $input) { message { id rating } userErrors { field code } } }";

async fn rated_entries(server: &TestServer) -> u64 {
    activity::Entity::find()
        .filter(activity::Column::Kind.eq(ActivityType::MessageRated))
        .count(&server.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_are_rated_logged_once_per_change_and_cleared() {
    let server = TestServer::start(2, 2).await;
    let token = server.token().await;
    let msg = message::Entity::find()
        .filter(message::Column::TenantId.eq("tenant-1"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let id = crate::common::gid(parley::ids::NodeKind::Message, msg.id);
    let rate = |rating: Value| json!({ "input": { "messageId": id, "rating": rating } });

    for (rating, logged) in [
        (json!(1), 1),
        (json!(1), 1),
        (json!(-1), 2),
        (Value::Null, 3),
    ] {
        let reply = server.post(Some(&token), RATE, rate(rating.clone())).await;
        assert_eq!(payload(&reply, "rateMessage")["message"]["rating"], rating);
        assert_eq!(
            rated_entries(&server).await,
            logged,
            "a change is logged, a repeat is not"
        );
    }
    for bad in [json!(2), json!(-2)] {
        let reply = server.post(Some(&token), RATE, rate(bad)).await;
        let p = payload(&reply, "rateMessage");
        assert_eq!(
            p["userErrors"],
            json!([{ "field": ["input", "rating"], "code": "INVALID_VALUE" }])
        );
    }
    assert_eq!(rated_entries(&server).await, 3, "refusals log nothing");

    // Another tenant's message does not exist for this token.
    let foreign = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let reply = server.post(Some(&foreign), RATE, rate(json!(1))).await;
    assert_eq!(reply.code(), "NOT_FOUND");
    let stored = message::Entity::find_by_id(msg.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.rating, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_is_its_own_translation_and_others_need_a_provider() {
    let server = TestServer::start(1, 0).await;
    let token = server.token().await;
    let document = "mutation($input: AddMessageInput!) { addMessage(input: $input) { message { language metadata same: translation(to: \"EN\") other: translation(to: \"de\") } } }";
    let conv = server
        .post(
            Some(&token),
            CREATE,
            json!({ "input": { "subject": "Hi" } }),
        )
        .await;
    let conv_id = payload(&conv, "createConversation")["conversation"]["id"].clone();
    let text = "I would like to change the delivery address of my order, please.";
    let input = json!({ "conversationId": conv_id, "text": text, "metadata": { "userId": 7 } });
    let reply = server
        .post(Some(&token), document, json!({ "input": input }))
        .await;
    let m = &payload(&reply, "addMessage")["message"];
    assert_eq!(m["language"], "en");
    assert_eq!(m["same"], text);
    assert_eq!(m["other"], Value::Null);
    assert_eq!(m["metadata"], json!({ "userId": 7 }));
}

#[tokio::test(flavor = "multi_thread")]
async fn tickets_carry_anonymous_traits() {
    let server = TestServer::start(1, 0).await;
    let token = server.token().await;
    let create = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id anonymousTraits } userErrors { field code } } }";
    let update = "mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { ticket { anonymousTraits } userErrors { field code } } }";
    let traits = json!({ "plan": "pro", "locale": "de" });
    let reply = server
        .post(
            Some(&token),
            create,
            json!({ "input": { "originalText": "Help", "anonymousTraits": traits } }),
        )
        .await;
    let ticket = &payload(&reply, "createTicket")["ticket"];
    assert_eq!(ticket["anonymousTraits"], traits);
    let id = ticket["id"].clone();
    for (value, expected) in [
        (json!({ "plan": "free" }), json!({ "plan": "free" })),
        (Value::Null, Value::Null),
    ] {
        let reply = server
            .post(
                Some(&token),
                update,
                json!({ "input": { "ticketId": id, "anonymousTraits": value } }),
            )
            .await;
        assert_eq!(
            payload(&reply, "updateTicket")["ticket"]["anonymousTraits"],
            expected
        );
    }
    let reply = server
        .post(
            Some(&token),
            update,
            json!({ "input": { "ticketId": id, "anonymousTraits": 5 } }),
        )
        .await;
    let p = payload(&reply, "updateTicket");
    assert_eq!(
        p["userErrors"],
        json!([{ "field": ["input", "anonymousTraits"], "code": "INVALID_VALUE" }])
    );
}

const DEFINE: &str = "mutation($input: CreateCustomAttributeDefinitionInput!) { createCustomAttributeDefinition(input: $input) { definition { id identifier name kind options } userErrors { field code } } }";
const REDEFINE: &str = "mutation($input: UpdateCustomAttributeDefinitionInput!) { updateCustomAttributeDefinition(input: $input) { definition { name options } userErrors { field code message } } }";
const SET: &str = "mutation($input: SetCustomAttributesInput!) { setCustomAttributes(input: $input) { userErrors { field code } } }";

async fn definitions(server: &TestServer) -> u64 {
    custom_attribute_definition::Entity::find()
        .count(&server.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_attributes_are_defined_renamed_and_keep_chosen_options() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;
    let input = json!({ "identifier": "region", "name": "Region", "kind": "SELECT", "options": ["EU", "US"] });
    let reply = server
        .post(Some(&token), DEFINE, json!({ "input": input }))
        .await;
    let defined = payload(&reply, "createCustomAttributeDefinition")["definition"].clone();
    assert_eq!(defined["options"], json!(["EU", "US"]));
    let id = defined["id"].clone();

    // Bad definitions are refused on their field and write nothing.
    let before = definitions(&server).await;
    for (input, field, code) in [
        (
            json!({ "identifier": "region", "name": "Again", "kind": "TEXT" }),
            "identifier",
            "DUPLICATE_NAME",
        ),
        (
            json!({ "identifier": "Region!", "name": "R", "kind": "TEXT" }),
            "identifier",
            "INVALID_VALUE",
        ),
        (
            json!({ "identifier": "x", "name": "  ", "kind": "TEXT" }),
            "name",
            "INVALID_VALUE",
        ),
        (
            json!({ "identifier": "x", "name": "X", "kind": "SELECT" }),
            "options",
            "INVALID_VALUE",
        ),
        (
            json!({ "identifier": "x", "name": "X", "kind": "TEXT", "options": ["a"] }),
            "options",
            "INVALID_VALUE",
        ),
        (
            json!({ "identifier": "x", "name": "X", "kind": "SELECT", "options": ["a", "a"] }),
            "options",
            "INVALID_VALUE",
        ),
    ] {
        let reply = server
            .post(Some(&token), DEFINE, json!({ "input": input }))
            .await;
        let p = payload(&reply, "createCustomAttributeDefinition");
        assert_eq!(
            p["userErrors"],
            json!([{ "field": ["input", field], "code": code }]),
            "{p}"
        );
    }
    assert_eq!(definitions(&server).await, before);

    // A conversation chooses EU; US can go, EU cannot.
    let conv = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .filter(conversation::Column::State.ne(entity::enums::ConversationState::Closed))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let conv_id = crate::common::gid(parley::ids::NodeKind::Conversation, conv.id);
    let reply = server
        .post(Some(&token), SET, json!({ "input": { "conversationId": conv_id, "values": [{ "definitionId": id, "values": ["EU"] }] } }))
        .await;
    assert_eq!(
        payload(&reply, "setCustomAttributes")["userErrors"],
        json!([])
    );
    let change = |options: Value| json!({ "input": { "definitionId": id, "name": "Data region", "options": options } });
    let reply = server
        .post(Some(&token), REDEFINE, change(json!(["US", "APAC"])))
        .await;
    let p = payload(&reply, "updateCustomAttributeDefinition");
    assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE", "{p}");
    assert!(
        p["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`EU`"),
        "{p}"
    );
    let reply = server
        .post(Some(&token), REDEFINE, change(json!(["EU", "APAC"])))
        .await;
    let p = payload(&reply, "updateCustomAttributeDefinition");
    assert_eq!(
        p["definition"],
        json!({ "name": "Data region", "options": ["EU", "APAC"] })
    );

    // The list shows it; an agent without `admin` may not define.
    let list = server
        .post(
            Some(&token),
            "{ customAttributeDefinitions(first: 10) { nodes { identifier name } } }",
            json!({}),
        )
        .await;
    let nodes = list.data()["customAttributeDefinitions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        nodes.contains(&json!({ "identifier": "region", "name": "Data region" })),
        "{nodes:?}"
    );
    let agent = server
        .token_for("tenant-1", "conversation:read conversation:write")
        .await;
    let input = json!({ "identifier": "y", "name": "Y", "kind": "TEXT" });
    let reply = server
        .post(Some(&agent), DEFINE, json!({ "input": input }))
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn flows_are_listed_by_channel_and_found_by_node() {
    let server = TestServer::start(2, 0).await;
    let token = server.token().await;
    let create = "mutation($input: CreateFlowInput!) { createFlow(input: $input) { flow { id name channel contactEndpointId } flowEdge { cursor } userErrors { field code } } }";
    let mut ids = Vec::new();
    for (name, channel) in [
        ("Support line", "PHONE"),
        ("Chat bot", "WIDGET_CHAT"),
        ("After hours", "PHONE"),
    ] {
        let input = json!({ "name": name, "channel": channel, "contactEndpointId": "+4534343434" });
        let reply = server
            .post(Some(&token), create, json!({ "input": input }))
            .await;
        ids.push(payload(&reply, "createFlow")["flow"]["id"].clone());
    }
    let reply = server
        .post(
            Some(&token),
            create,
            json!({ "input": { "name": "Chat bot" } }),
        )
        .await;
    let p = payload(&reply, "createFlow");
    assert_eq!(
        p["userErrors"],
        json!([{ "field": ["input", "name"], "code": "DUPLICATE_NAME" }])
    );
    // The seed gives each tenant five flows, two of them PHONE.
    let seeded = 5;
    let mine = flow::Entity::find()
        .filter(flow::Column::TenantId.eq("tenant-1"))
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(mine, seeded + 3);

    let reply = server
        .post(
            Some(&token),
            "{ phone: flows(channel: PHONE) { nodes { name } } all: flows { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.data()["phone"]["nodes"],
        json!([
            { "name": "After hours" },
            { "name": "After-hours line" },
            { "name": "Main support line" },
            { "name": "Support line" }
        ])
    );
    assert_eq!(reply.data()["all"]["totalCount"], seeded + 3);

    let node = "query($id: ID!) { node(id: $id) { ... on Flow { name channel } } }";
    let reply = server
        .post(Some(&token), node, json!({ "id": ids[1] }))
        .await;
    assert_eq!(
        reply.data()["node"],
        json!({ "name": "Chat bot", "channel": "WIDGET_CHAT" })
    );
    // Another tenant sees neither the node nor the list.
    let foreign = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let reply = server
        .post(Some(&foreign), node, json!({ "id": ids[1] }))
        .await;
    assert_eq!(reply.data()["node"], Value::Null);
    let reply = server
        .post(Some(&foreign), "{ flows { nodes { name } } }", json!({}))
        .await;
    let theirs = reply.data()["flows"]["nodes"].as_array().unwrap().clone();
    assert_eq!(theirs.len() as u64, seeded);
    let mine = ["Support line", "Chat bot", "After hours"];
    assert!(
        theirs
            .iter()
            .all(|f| !mine.contains(&f["name"].as_str().unwrap()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn topics_are_the_tenants_active_tags_a_conversation_is_about() {
    let server = TestServer::start(1, 0).await;
    let token = server.token().await;
    let create = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id messages(first: 1) { nodes { topics { tag { name } relevance } } } } } }";
    let text = "My package has not arrived. The shipping is delayed by two weeks. \
                Shipping delays like this hurt; I also want to leave the legacy plan.";
    let input = json!({ "subject": "Late", "message": { "text": text } });
    let reply = server
        .post(Some(&token), create, json!({ "input": input }))
        .await;
    let conv = &payload(&reply, "createConversation")["conversation"];
    let topics = conv["messages"]["nodes"][0]["topics"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = topics
        .iter()
        .map(|t| t["tag"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"shipping-delay"), "{topics:?}");
    assert!(
        !names.contains(&"legacy-plan"),
        "a retired tag is no topic: {topics:?}"
    );
    assert!(
        topics
            .iter()
            .all(|t| (0.0..=1.0).contains(&t["relevance"].as_f64().unwrap()))
    );

    // Suggested: the topics the conversation does not carry yet.
    let suggested = "query($id: ID!) { node(id: $id) { ... on Conversation { suggestedTopics(first: 3) { tag { id name } } } } }";
    let reply = server
        .post(Some(&token), suggested, json!({ "id": conv["id"] }))
        .await;
    let found = reply.data()["node"]["suggestedTopics"]
        .as_array()
        .unwrap()
        .clone();
    let shipping = found
        .iter()
        .find(|t| t["tag"]["name"] == "shipping-delay")
        .unwrap_or_else(|| panic!("{found:?}"));
    let tag = "mutation($input: TagConversationInput!) { tagConversation(input: $input) { userErrors { code } } }";
    let input = json!({ "conversationId": conv["id"], "tagId": shipping["tag"]["id"] });
    let reply = server
        .post(Some(&token), tag, json!({ "input": input }))
        .await;
    assert_eq!(payload(&reply, "tagConversation")["userErrors"], json!([]));
    let reply = server
        .post(Some(&token), suggested, json!({ "id": conv["id"] }))
        .await;
    let after = reply.data()["node"]["suggestedTopics"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        after.iter().all(|t| t["tag"]["name"] != "shipping-delay"),
        "{after:?}"
    );

    let reply = server
        .post(Some(&token), "query($id: ID!) { node(id: $id) { ... on Conversation { suggestedTopics(first: 21) { relevance } } } }", json!({ "id": conv["id"] }))
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
}

/// What clients stored about people (metadata, anonymous traits, a call's
/// properties) goes with the conversation's anonymization.
#[tokio::test(flavor = "multi_thread")]
async fn anonymization_erases_metadata_traits_and_call_properties() {
    let server = TestServer::start(1, 0).await;
    let token = server.token().await;
    let input = json!({ "subject": "Call", "channel": "PHONE", "metadata": { "userId": 3242 },
                        "message": { "text": "Hi, this is Ada Lovelace" } });
    let reply = server
        .post(Some(&token), CREATE, json!({ "input": input }))
        .await;
    let id = payload(&reply, "createConversation")["conversation"]["id"].clone();
    let add =
        "mutation($input: AddMessageInput!) { addMessage(input: $input) { userErrors { code } } }";
    let input = json!({ "conversationId": id, "text": "My phone is 555-1234", "metadata": { "phone": "555-1234" } });
    server
        .post(Some(&token), add, json!({ "input": input }))
        .await;
    let ticket = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { userErrors { code } } }";
    let input = json!({ "conversationId": id, "originalText": "Call me", "anonymousTraits": { "email": "ada@example.com" } });
    server
        .post(Some(&token), ticket, json!({ "input": input }))
        .await;
    let start = "mutation($input: StartVoiceSessionInput!) { startVoiceSession(input: $input) { userErrors { code } } }";
    let input = json!({ "conversationId": id, "sessionProperties": { "callerName": "Ada" } });
    server
        .post(Some(&token), start, json!({ "input": input }))
        .await;

    let anonymize = "mutation($input: AnonymizeConversationInput!) { anonymizeConversation(input: $input) { userErrors { code } } }";
    let reply = server
        .post(
            Some(&token),
            anonymize,
            json!({ "input": { "conversationId": id, "force": true } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "anonymizeConversation")["userErrors"],
        json!([])
    );
    let read = "query($id: ID!) { node(id: $id) { ... on Conversation { metadata messages { nodes { metadata } } tickets { nodes { anonymousTraits } } voiceSession { sessionProperties } } } }";
    let reply = server.post(Some(&token), read, json!({ "id": id })).await;
    assert_eq!(
        reply.data()["node"],
        json!({
            "metadata": null,
            "messages": { "nodes": [{ "metadata": null }, { "metadata": null }] },
            "tickets": { "nodes": [{ "anonymousTraits": null }] },
            "voiceSession": { "sessionProperties": {} }
        })
    );
}
