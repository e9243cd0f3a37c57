//! Hostile input values: lists too long for a statement, NUL characters, forged
//! cursors and active HTML. Each is refused (or made harmless) the same way on
//! SQLite and PostgreSQL, and the server answers normally afterwards.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::enums::ConversationState;
use entity::{message, tag};
use parley::ids::NodeKind;
use parley::limits::Limits;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{Config, Reply, TestServer, gid, payload};
use crate::conversation_writes::{conversation_in, first_of};

/// A query any server answers with data, to show it still does.
const NORMAL: &str =
    "{ conversations(first: 3) { totalCount nodes { id messages(first: 2) { nodes { id } } } } }";

async fn still_answers(server: &TestServer, token: &str) {
    let reply = server.post(Some(token), NORMAL, json!({})).await;
    assert!(
        reply.data()["conversations"]["totalCount"]
            .as_i64()
            .unwrap()
            > 0,
        "a normal query still works"
    );
}

fn assert_bad_input(reply: &Reply, what: &str) {
    assert_eq!(
        reply.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{what}: {:#}",
        reply.body
    );
}

/// `n` global ids of tenant-1's first tag.
async fn tag_ids(server: &TestServer, n: usize) -> Vec<String> {
    let tag = first_of!(&server.db, tag, "tenant-1");
    vec![gid(NodeKind::Tag, tag.id); n]
}

#[tokio::test(flavor = "multi_thread")]
async fn long_lists_are_refused_before_they_reach_the_database() {
    // Room for a 33,000-item list written in the query, and a small cost limit to
    // show that list items count in it.
    let config = Config {
        limits: Limits {
            max_query_bytes: 1 << 20,
            max_complexity: 1_000,
            ..Limits::default()
        },
        ..Config::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(5)
        .config(config)
        .start()
        .await;
    let token = server.token().await;
    let huge = tag_ids(&server, 33_000).await;

    let by_variable =
        "query($ids: [ID!]) { conversations(filter: { tagIds: $ids }) { totalCount } }";
    let reply = server
        .post(Some(&token), by_variable, json!({ "ids": huge }))
        .await;
    assert_bad_input(&reply, "33,000 tag ids in a variable");
    let message = reply.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("33000") && message.contains("100"),
        "the message says how many and the limit: {message}"
    );

    let by_filter = "query($f: ConversationFilter) { conversations(filter: $f) { totalCount } }";
    let reply = server
        .post(Some(&token), by_filter, json!({ "f": { "tagIds": huge } }))
        .await;
    assert_bad_input(&reply, "33,000 tag ids inside a filter variable");

    let written = format!(
        "{{ tickets(filter: {{ tagIds: {} }}) {{ totalCount }} }}",
        serde_json::to_string(&huge).unwrap()
    );
    let reply = server.post(Some(&token), &written, json!({})).await;
    assert_bad_input(&reply, "33,000 tag ids written in the query");

    let just_over = format!(
        "{{ conversations(filter: {{ tagIds: {} }}) {{ totalCount }} }}",
        serde_json::to_string(&huge[..101]).unwrap()
    );
    let reply = server.post(Some(&token), &just_over, json!({})).await;
    assert_bad_input(&reply, "101 tag ids written in the query");

    // Every operation of a batch is checked on its own.
    let batch = json!([
        { "query": by_variable, "variables": { "ids": &huge[..101] } },
        { "query": NORMAL },
    ]);
    let reply = server.post_body(Some(&token), &batch).await;
    assert_eq!(
        reply.body[0]["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert!(reply.body[1]["data"]["conversations"]["totalCount"].is_i64());

    // A list in an input object in a list.
    let conversation = conversation_in(&server.db, "tenant-1", ConversationState::Open).await;
    let nested = json!({ "input": {
        "conversationId": gid(NodeKind::Conversation, conversation.id),
        "values": [{ "definitionId": "x", "values": vec!["a"; 101] }],
    } });
    let reply = server
        .post(
            Some(&token),
            "mutation($input: SetCustomAttributesInput!) { setCustomAttributes(input: $input) { clientMutationId } }",
            nested,
        )
        .await;
    assert_bad_input(&reply, "101 values in a list of input objects");

    // At the limit the list is used, and its items count in the cost.
    let reply = server
        .post(Some(&token), by_variable, json!({ "ids": &huge[..100] }))
        .await;
    assert!(reply.data()["conversations"]["totalCount"].is_i64());
    let aliased = format!(
        "query($ids: [ID!]) {{ {} }}",
        (0..10)
            .map(|i| format!("c{i}: conversations(filter: {{ tagIds: $ids }}) {{ totalCount }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let reply = server
        .post(Some(&token), &aliased, json!({ "ids": &huge[..100] }))
        .await;
    assert_eq!(
        reply.code(),
        "QUERY_TOO_COMPLEX",
        "ten uses of 100 ids cost over 1,000"
    );
    let reply = server
        .post(Some(&token), &aliased, json!({ "ids": &huge[..10] }))
        .await;
    assert!(reply.data()["c9"]["totalCount"].is_i64());

    still_answers(&server, &token).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_keeps_its_own_cap_of_a_thousand_messages() {
    let server = TestServer::start(1, 2).await;
    let token = server.token().await;
    let messages: Vec<Value> = (0..150)
        .map(|i| json!({ "text": format!("message {i}"), "createdAt": "2024-01-01T10:00:00Z" }))
        .collect();
    let import = "mutation($input: ImportConversationInput!) { importConversation(input: $input) { importedMessages userErrors { code } } }";
    let input = json!({ "requesterEmail": "many@example.com", "createdAt": "2024-01-01T09:00:00Z", "messages": messages });
    let reply = server
        .post(Some(&token), import, json!({ "input": input }))
        .await;
    assert_eq!(
        payload(&reply, "importConversation")["importedMessages"],
        150
    );

    let messages: Vec<Value> = vec![json!({ "text": "x" }); 1001];
    let input = json!({ "requesterEmail": "many@example.com", "messages": messages });
    let reply = server
        .post(Some(&token), import, json!({ "input": input }))
        .await;
    assert_bad_input(&reply, "1001 messages");
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_characters_are_refused_in_every_string() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;
    let db = &server.db;
    let conversation = conversation_in(db, "tenant-1", ConversationState::Open).await;
    let id = gid(NodeKind::Conversation, conversation.id);
    let messages = || async {
        message::Entity::find()
            .filter(message::Column::TenantId.eq("tenant-1"))
            .count(db)
            .await
            .unwrap()
    };
    let before = messages().await;

    let add = "mutation($input: AddMessageInput!) { addMessage(input: $input) { message { id } userErrors { code } } }";
    let bad_inputs = [
        json!({ "conversationId": id, "text": "refund\u{0}please" }),
        json!({ "conversationId": id, "html": "<p>a\u{0}b</p>" }),
        json!({ "conversationId": id, "text": "ok", "externalId": "\u{0}" }),
        json!({ "conversationId": id, "text": "ok", "te\u{0}xt": "a key" }),
        json!({ "conversationId": format!("{id}\u{0}"), "text": "ok" }),
    ];
    for input in bad_inputs {
        let reply = server
            .post(Some(&token), add, json!({ "input": input }))
            .await;
        assert_bad_input(&reply, &format!("addMessage {input}"));
    }
    // The same, written in the query.
    let written = format!(
        r#"mutation {{ addMessage(input: {{ conversationId: "{id}", text: "a\u0000b" }}) {{ message {{ id }} }} }}"#
    );
    let reply = server.post(Some(&token), &written, json!({})).await;
    assert_bad_input(&reply, "NUL written in the query");
    assert_eq!(messages().await, before, "no message was written");

    let other_mutations = [
        (
            "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } } }",
            json!({ "subject": "a\u{0}b", "message": { "text": "hi" } }),
        ),
        (
            "mutation($input: CreateTagInput!) { createTag(input: $input) { tag { id } } }",
            json!({ "name": "bad\u{0}tag" }),
        ),
        (
            "mutation($input: AddNoteInput!) { addNote(input: $input) { note { id } } }",
            json!({ "conversationId": id, "body": "\u{0}" }),
        ),
    ];
    for (mutation, input) in other_mutations {
        let reply = server
            .post(Some(&token), mutation, json!({ "input": input }))
            .await;
        assert_bad_input(&reply, mutation);
    }

    let reads = [
        "query($q: String) { tags(filter: { nameContains: $q }) { totalCount } }",
        "query($q: String!) { searchTickets(query: $q) { totalCount } }",
        "query($q: String!) { searchConversations(query: $q) { totalCount } }",
        "query($q: String!) { conversationByExternalId(externalId: $q) { id } }",
        "query($q: String!) { tagByName(name: $q) { id } }",
        "query($q: ID!) { node(id: $q) { id } }",
        "query($q: String) { conversations(after: $q) { totalCount } }",
    ];
    for read in reads {
        let reply = server
            .post(Some(&token), read, json!({ "q": "refund\u{0}" }))
            .await;
        assert_bad_input(&reply, read);
    }
    let written = r#"{ searchTickets(query: "refund\u0000") { totalCount } }"#;
    assert_bad_input(
        &server.post(Some(&token), written, json!({})).await,
        written,
    );

    still_answers(&server, &token).await;
}

/// A cursor as the server encodes them, around any JSON.
fn cursor(parts: Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&parts).unwrap())
}

/// What a connection's sort key holds.
#[derive(Clone, Copy)]
enum Key {
    /// Two integers (time or number, id).
    Ints,
    /// A text and an integer (name, id).
    TextInt,
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_cursors_are_bad_input_on_every_connection() {
    let server = TestServer::start(1, 10).await;
    let token = server.token().await;
    let ids = server
        .post(
            Some(&token),
            "{ conversations(first: 1) { nodes { id } } tickets(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await;
    let conversation = ids.data()["conversations"]["nodes"][0]["id"].clone();
    let ticket = ids.data()["tickets"]["nodes"][0]["id"].clone();

    // Each connection with `$c` for the cursor argument ARG, its key, and whether it takes `before`.
    let root = |field: &str| {
        format!("query($c: String) {{ {field}(ARG: $c) {{ pageInfo {{ hasNextPage }} }} }}")
    };
    let nested = |parent: &str, field: &str| {
        format!(
            "query($id: ID!, $c: String) {{ {parent}(id: $id) {{ {field}(ARG: $c) {{ pageInfo {{ hasNextPage }} }} }} }}"
        )
    };
    let search = |field: &str| {
        format!(
            "query($c: String) {{ {field}(query: \"refund\", ARG: $c) {{ pageInfo {{ hasNextPage }} }} }}"
        )
    };
    let mut connections: Vec<(String, Key, bool)> = Vec::new();
    for field in [
        "conversations",
        "tickets",
        "contacts",
        "customAttributeDefinitions",
        "activityLog",
    ] {
        connections.push((root(field), Key::Ints, true));
    }
    for field in ["tags", "agents", "queues"] {
        connections.push((root(field), Key::TextInt, true));
    }
    for field in ["searchTickets", "searchConversations"] {
        connections.push((search(field), Key::Ints, false));
    }
    for field in [
        "messages",
        "tickets",
        "tags",
        "notes",
        "ratings",
        "activity",
        "linkedConversations",
    ] {
        connections.push((nested("conversation", field), Key::Ints, true));
    }
    connections.push((nested("ticket", "tags"), Key::Ints, true));

    let wrong_for_ints = [
        json!(["abc", "def"]),
        json!(["abc", 1]),
        json!([1, "abc"]),
        json!([1]),
        json!([1, 2, 3]),
        json!([1.5, 2]),
        json!([null, 1]),
        json!([true, 1]),
        json!([[1], 2]),
        json!({ "a": 1 }),
    ];
    let wrong_for_text = [
        json!([1, 2]),
        json!(["abc", "def"]),
        json!(["abc"]),
        json!(["abc", 1, 2]),
        json!(["a\u{0}b", 1]),
        json!(["abc", 1.5]),
    ];
    for (query, key, before) in &connections {
        let (wrong, right) = match key {
            Key::Ints => (&wrong_for_ints[..], json!([1, 2])),
            Key::TextInt => (&wrong_for_text[..], json!(["abc", 1])),
        };
        let arguments: &[&str] = if *before {
            &["after", "before"]
        } else {
            &["after"]
        };
        for argument in arguments {
            let query = query.replace("ARG", argument);
            let with = |c: &Value| json!({ "id": if query.contains("ticket(") { &ticket } else { &conversation }, "c": cursor(c.clone()) });
            for forged in wrong {
                let mut vars = with(forged);
                if !query.contains("$id") {
                    vars.as_object_mut().unwrap().remove("id");
                }
                let reply = server.post(Some(&token), &query, vars).await;
                assert_bad_input(&reply, &format!("{query} with {forged}"));
            }
            // A forged cursor of the right types is only a place in the list.
            let mut vars = with(&right);
            if !query.contains("$id") {
                vars.as_object_mut().unwrap().remove("id");
            }
            let reply = server.post(Some(&token), &query, vars).await;
            assert!(
                reply.body.get("errors").is_none(),
                "{query} with {right}: {:#}",
                reply.body
            );
        }
    }
    // A search cursor is a rank's bits: NaN is no rank.
    let nan = f64::NAN.to_bits() as i64;
    let reply = server
        .post(
            Some(&token),
            &search("searchTickets").replace("ARG", "after"),
            json!({ "c": cursor(json!([nan, 1])) }),
        )
        .await;
    assert_bad_input(&reply, "a NaN rank");

    // Nothing reached the database: it answers as before, many times over.
    for _ in 0..5 {
        still_answers(&server, &token).await;
    }
}

const ADD_HTML: &str = "mutation($input: AddMessageInput!) { addMessage(input: $input) { message { text html } userErrors { code } } }";

/// `html` as stored and shown, and the text derived from it.
async fn shown(server: &TestServer, token: &str, html: &str) -> (String, Option<String>) {
    let conversation = conversation_in(&server.db, "tenant-1", ConversationState::Open).await;
    let input =
        json!({ "conversationId": gid(NodeKind::Conversation, conversation.id), "html": html });
    let reply = server
        .post(Some(token), ADD_HTML, json!({ "input": input }))
        .await;
    let message = &payload(&reply, "addMessage")["message"];
    (
        message["text"].as_str().unwrap_or_default().to_owned(),
        message["html"].as_str().map(String::from),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn html_is_sanitized_wherever_it_is_written() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let hostile = r#"<p onclick="steal()">Hello <b>there</b> <a href="javascript:alert(1)">click</a>
        <a href="https://example.com/help">help</a></p><script>alert(document.cookie)</script>
        <img src="x" onerror="alert(1)"><iframe src="https://evil.example"></iframe>
        <div style="position:fixed">Thanks</div>"#;
    let active = [
        "<script",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
        "style=",
        "alert",
        "steal",
    ];
    let check = |html: &str, what: &str| {
        for gone in active {
            assert!(!html.contains(gone), "{what}: {gone} left in {html}");
        }
        for kept in [
            "<p>",
            "<b>there</b>",
            r#"href="https://example.com/help""#,
            "Thanks",
        ] {
            assert!(html.contains(kept), "{what}: {kept} lost from {html}");
        }
    };

    let (text, html) = shown(&server, &token, hostile).await;
    check(html.as_deref().unwrap(), "addMessage");
    assert!(text.starts_with("Hello there click"), "{text}");
    assert!(!text.contains("alert"), "the text has no script: {text}");
    let (_, html) = shown(&server, &token, "<script>alert(1)</script>").await;
    assert_eq!(html, None, "a body of nothing but script keeps no HTML");

    let create = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { lastMessage { html } } } }";
    let input = json!({ "message": { "html": hostile } });
    let reply = server
        .post(Some(&token), create, json!({ "input": input }))
        .await;
    let html = &payload(&reply, "createConversation")["conversation"]["lastMessage"]["html"];
    check(html.as_str().unwrap(), "createConversation");

    let import = "mutation($input: ImportConversationInput!) { importConversation(input: $input) { conversation { lastMessage { html } } } }";
    let input = json!({ "requesterEmail": "h@example.com", "messages": [{ "html": hostile }] });
    let reply = server
        .post(Some(&token), import, json!({ "input": input }))
        .await;
    let html = &payload(&reply, "importConversation")["conversation"]["lastMessage"]["html"];
    check(html.as_str().unwrap(), "importConversation");

    let ticket = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { originalHtml } } }";
    let reply = server
        .post(
            Some(&token),
            ticket,
            json!({ "input": { "originalHtml": hostile } }),
        )
        .await;
    let html = &payload(&reply, "createTicket")["ticket"]["originalHtml"];
    check(html.as_str().unwrap(), "createTicket");

    // Stored sanitized: every reader gets the same safe body.
    let stored = message::Entity::find()
        .filter(message::Column::TenantId.eq("tenant-1"))
        .order_by_desc(message::Column::Id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    check(stored.html.as_deref().unwrap(), "the stored row");
}
