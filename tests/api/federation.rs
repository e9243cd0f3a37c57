//! Parley as an Apollo Federation v2 subgraph (`--federation`): the subgraph SDL
//! with its `@key`s, `_entities` resolving Conversation, Ticket, Contact and Agent
//! by global ID within the viewer's tenant and scopes (as `node` does), and no trace
//! of any of it in the schema when the flag is off.

use entity::{agent, contact, conversation, message, ticket};
use parley::config::HttpOptions;
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{Reply, TestServer, gid, parley};

/// Every entity's fields this test reads, after its `__typename`.
const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) { __typename
  ... on Conversation { id number subject requester { id email } }
  ... on Ticket { id number originalText }
  ... on Contact { id email firstName }
  ... on Agent { id name email } } }";

/// The same fields of any of the four types, through `node(id:)`.
const NODE: &str = "query($id: ID!) { node(id: $id) { __typename
  ... on Conversation { id number subject requester { id email } }
  ... on Ticket { id number originalText }
  ... on Contact { id email firstName }
  ... on Agent { id name email } } }";

/// A gateway over two seeded tenants, a subgraph or not.
async fn start(federation: bool) -> TestServer {
    let options = HttpOptions {
        federation,
        ..HttpOptions::default()
    };
    TestServer::builder()
        .tenants(2)
        .conversations(6)
        .options(options)
        .start()
        .await
}

/// `_entities` of `representations` as `token` sees them.
async fn entities(server: &TestServer, token: Option<&str>, representations: Value) -> Reply {
    server
        .post(token, ENTITIES, json!({ "r": representations }))
        .await
}

/// The representation a router sends for the object `id` of type `typename`.
fn rep(typename: &str, id: &str) -> Value {
    json!({ "__typename": typename, "id": id })
}

/// The global IDs of the first `n` rows of `tenant` of each of the four types:
/// (conversations, tickets, contacts, agents).
async fn ids_of(
    server: &TestServer,
    tenant: &str,
    n: u64,
) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
    let db = &server.db;
    macro_rules! first {
        ($table:ident, $kind:ident) => {
            $table::Entity::find()
                .filter($table::Column::TenantId.eq(tenant))
                .order_by_asc($table::Column::Id)
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .take(n as usize)
                .map(|row| gid(NodeKind::$kind, row.id))
                .collect::<Vec<_>>()
        };
    }
    let ids = (
        first!(conversation, Conversation),
        first!(ticket, Ticket),
        first!(contact, Contact),
        first!(agent, Agent),
    );
    for list in [&ids.0, &ids.1, &ids.2, &ids.3] {
        assert_eq!(list.len() as u64, n, "{tenant} has {n} of each type");
    }
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn the_subgraph_sdl_has_the_keys_and_the_federation_link() {
    let server = start(true).await;
    // Like introspection, the SDL needs no token: routers compose before any user asks.
    let reply = server.post(None, "{ _service { sdl } }", json!({})).await;
    let sdl = reply.data()["_service"]["sdl"].as_str().unwrap().to_owned();
    for ty in ["Conversation", "Ticket", "Contact", "Agent"] {
        assert!(
            sdl.contains(&format!(
                "type {ty} implements Node @key(fields: \"id\") {{"
            )),
            "{ty} is an entity keyed by id"
        );
    }
    assert_eq!(sdl.matches("@key(").count(), 4, "only those four");
    assert!(sdl.contains("extend schema @link("));
    assert!(sdl.contains("url: \"https://specs.apollo.dev/federation/v2."));
    assert!(sdl.contains("import: [\"@key\""));
    assert!(!sdl.contains("_entities") && !sdl.contains("_service"));
    assert!(
        !sdl.contains("type Subscription"),
        "routers do not compose it"
    );
    assert_eq!(sdl, parley::graphql::subgraph_sdl());

    // `parley schema --federation` prints the same, for composing offline.
    let output = parley().args(["schema", "--federation"]).output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), sdl);
}

#[tokio::test(flavor = "multi_thread")]
async fn entities_resolve_the_four_types_in_the_order_asked() {
    let server = start(true).await;
    let token = server.token().await;
    let (conversations, tickets, contacts, agents) = ids_of(&server, "tenant-1", 2).await;
    let asked = [
        ("Ticket", &tickets[1]),
        ("Conversation", &conversations[0]),
        ("Agent", &agents[1]),
        ("Contact", &contacts[0]),
        ("Conversation", &conversations[1]),
        ("Ticket", &tickets[0]),
        ("Contact", &contacts[1]),
        ("Agent", &agents[0]),
        // The same entity twice is answered twice.
        ("Conversation", &conversations[0]),
    ];
    let representations: Vec<Value> = asked.iter().map(|(ty, id)| rep(ty, id)).collect();
    // Warm the token's check, so that the count below is the lookups alone.
    server
        .post(Some(&token), "{ viewer { tenant { id } } }", json!({}))
        .await;
    let reply = entities(&server, Some(&token), json!(representations)).await;
    let found = reply.data()["_entities"].as_array().unwrap().clone();
    assert_eq!(found.len(), asked.len());
    for ((ty, id), entity) in asked.iter().zip(&found) {
        assert_eq!(entity["__typename"], *ty, "{entity:#}");
        assert_eq!(entity["id"], **id, "in the order of the representations");
        // Exactly what node(id:) answers for it.
        let node = server.post(Some(&token), NODE, json!({ "id": id })).await;
        assert_eq!(entity, &node.data()["node"]);
    }
    assert!(found[1]["requester"]["email"].is_string());
    assert!(found[0]["originalText"].is_string());
    // Batched: one statement per table read, not one per representation: the four
    // types, and the requesters' contacts (in the batch of the contacts asked for,
    // or, when that one has gone already, in one of their own).
    assert!(
        reply.statements() <= 5,
        "{} statements for {} representations",
        reply.statements(),
        asked.len()
    );
    assert!(
        reply.headers.get("x-parley-plan").is_none(),
        "compiled plans step aside for _entities"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_tenants_ids_and_unknown_ids_are_null() {
    let server = start(true).await;
    let token = server.token().await;
    let (conversations, tickets, contacts, agents) = ids_of(&server, "tenant-1", 1).await;
    let (f_conversations, f_tickets, f_contacts, f_agents) = ids_of(&server, "tenant-2", 1).await;
    let representations = json!([
        rep("Conversation", &f_conversations[0]),
        rep("Ticket", &f_tickets[0]),
        rep("Contact", &f_contacts[0]),
        rep("Agent", &f_agents[0]),
        rep("Conversation", &gid(NodeKind::Conversation, 987_654)),
        rep("Ticket", &gid(NodeKind::Ticket, 987_654)),
        rep("Contact", &gid(NodeKind::Contact, 987_654)),
        rep("Agent", &gid(NodeKind::Agent, 987_654)),
        rep("Conversation", &conversations[0]),
        rep("Ticket", &tickets[0]),
        rep("Contact", &contacts[0]),
        rep("Agent", &agents[0]),
    ]);
    let reply = entities(&server, Some(&token), representations).await;
    let found = reply.data()["_entities"].as_array().unwrap();
    assert_eq!(found.len(), 12);
    for (i, entity) in found.iter().enumerate().take(8) {
        assert!(
            entity.is_null(),
            "representation {i} is not found: {entity:#}"
        );
    }
    assert_eq!(found[8]["id"], conversations[0]);
    assert_eq!(found[9]["id"], tickets[0]);
    assert_eq!(found[10]["id"], contacts[0]);
    assert_eq!(found[11]["id"], agents[0]);

    // tenant-2's own token finds its own.
    let theirs = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let reply = entities(
        &server,
        Some(&theirs),
        json!([rep("Conversation", &f_conversations[0])]),
    )
    .await;
    assert_eq!(reply.data()["_entities"][0]["id"], f_conversations[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_ids_and_wrong_typenames_are_errors() {
    let server = start(true).await;
    let token = server.token().await;
    let (conversations, tickets, _, _) = ids_of(&server, "tenant-1", 1).await;
    let message = message::Entity::find()
        .filter(message::Column::TenantId.eq("tenant-1"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let table = [
        ("a malformed id", rep("Conversation", "not-an-id")),
        ("another type's id", rep("Conversation", &tickets[0])),
        (
            "a conversation's id as a ticket",
            rep("Ticket", &conversations[0]),
        ),
        ("an empty id", rep("Agent", "")),
        (
            "an id that is not a string",
            json!({ "__typename": "Contact", "id": 7 }),
        ),
        ("no id", json!({ "__typename": "Conversation" })),
        (
            "a type that is not an entity",
            rep("Message", &gid(NodeKind::Message, message.id)),
        ),
        ("an unknown type", rep("Nope", &conversations[0])),
        ("no __typename", json!({ "id": conversations[0] })),
        ("not an object", json!(conversations[0])),
    ];
    for (what, bad) in table {
        // A good representation next to the bad one: the whole field fails.
        let representations = json!([rep("Conversation", &conversations[0]), bad]);
        let reply = entities(&server, Some(&token), representations).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{what}: {:#}", reply.body);
        assert!(
            reply.body["data"].is_null(),
            "{what}: nothing is answered: {:#}",
            reply.body
        );
    }
    let reply = entities(
        &server,
        Some(&token),
        json!([rep("Conversation", &tickets[0])]),
    )
    .await;
    let message = reply.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("is not a Conversation ID"),
        "the error says what is wrong: {message}"
    );
    // The server still answers.
    let reply = entities(
        &server,
        Some(&token),
        json!([rep("Conversation", &conversations[0])]),
    )
    .await;
    assert_eq!(reply.data()["_entities"][0]["id"], conversations[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn entities_need_the_read_scopes_node_needs() {
    let server = start(true).await;
    let (conversations, tickets, contacts, agents) = ids_of(&server, "tenant-1", 1).await;
    let write_only = server
        .token_for("tenant-1", "conversation:write ticket:write")
        .await;
    let conversations_only = server.token_for("tenant-1", "conversation:read").await;
    let tickets_only = server.token_for("tenant-1", "ticket:read").await;
    let refused = [
        (Some(&write_only), "Conversation", &conversations[0]),
        (Some(&write_only), "Ticket", &tickets[0]),
        (Some(&write_only), "Contact", &contacts[0]),
        (Some(&write_only), "Agent", &agents[0]),
        (Some(&conversations_only), "Ticket", &tickets[0]),
        (Some(&tickets_only), "Conversation", &conversations[0]),
        (None, "Conversation", &conversations[0]),
        (None, "Agent", &agents[0]),
    ];
    for (token, ty, id) in refused {
        let token = token.map(String::as_str);
        let reply = entities(&server, token, json!([rep(ty, id)])).await;
        let node = server.post(token, NODE, json!({ "id": id })).await;
        let expected = if token.is_some() {
            "FORBIDDEN"
        } else {
            "UNAUTHENTICATED"
        };
        assert_eq!(reply.code(), expected, "{ty}: {:#}", reply.body);
        assert_eq!(
            reply.body["errors"][0]["message"], node.body["errors"][0]["message"],
            "{ty}: the error node() gives"
        );
        assert!(reply.body["data"].is_null(), "{ty}: nothing leaks");
    }
    // Contacts and agents are reference data: either read scope reads them.
    for token in [&conversations_only, &tickets_only] {
        let reply = entities(
            &server,
            Some(token),
            json!([rep("Contact", &contacts[0]), rep("Agent", &agents[0])]),
        )
        .await;
        assert_eq!(reply.data()["_entities"][0]["id"], contacts[0]);
        assert_eq!(reply.data()["_entities"][1]["id"], agents[0]);
    }
    let reply = entities(
        &server,
        Some(&tickets_only),
        json!([rep("Ticket", &tickets[0])]),
    )
    .await;
    assert_eq!(reply.data()["_entities"][0]["id"], tickets[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn representations_are_capped_like_any_list() {
    let server = start(true).await;
    let token = server.token().await;
    let (conversations, _, _, _) = ids_of(&server, "tenant-1", 1).await;
    let many = |n: usize| json!(vec![rep("Conversation", &conversations[0]); n]);
    let reply = entities(&server, Some(&token), many(101)).await;
    assert_eq!(reply.code(), "BAD_USER_INPUT", "{:#}", reply.body);
    let reply = entities(&server, Some(&token), many(100)).await;
    let found = reply.data()["_entities"].as_array().unwrap();
    assert_eq!(found.len(), 100, "the cap itself is allowed");
    assert!(found.iter().all(|e| e["id"] == conversations[0]));
}

#[tokio::test(flavor = "multi_thread")]
async fn compiled_plans_still_answer_on_a_subgraph() {
    let server = start(true).await;
    let token = server.token().await;
    let (conversations, _, _, _) = ids_of(&server, "tenant-1", 1).await;
    let inbox = "{ conversations(first: 3) { nodes { id subject requester { id email } } } }";
    let planned = server.post(Some(&token), inbox, json!({})).await;
    planned.data();
    assert_eq!(planned.headers["x-parley-plan"], "compiled");
    let mixed = "query($r: [_Any!]!) { conversations(first: 3) { nodes { id } } \
        _entities(representations: $r) { ... on Conversation { id } } }";
    let reply = server
        .post(
            Some(&token),
            mixed,
            json!({ "r": [rep("Conversation", &conversations[0])] }),
        )
        .await;
    assert_eq!(reply.data()["_entities"][0]["id"], conversations[0]);
    assert_eq!(
        reply.data()["conversations"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(reply.headers.get("x-parley-plan").is_none());
    let reply = server
        .post(None, "{ __typename _service { sdl } }", json!({}))
        .await;
    assert!(reply.data()["_service"]["sdl"].is_string());
    assert!(reply.headers.get("x-parley-plan").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn with_introspection_off_the_subgraph_sdl_is_refused_too() {
    let options = HttpOptions {
        federation: true,
        introspection: false,
        ..HttpOptions::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(6)
        .options(options)
        .start()
        .await;
    let token = server.token().await;
    let two = "query A { viewer { tenant { id } } } query B { ...F } fragment F on Query { _service { sdl } }";
    for (query, operation) in [
        ("{ _service { sdl } }", None),
        ("{ ... on Query { s: _service { sdl } } }", None),
        (two, Some("B")),
    ] {
        let body = json!({ "query": query, "operationName": operation });
        let reply = server.post_body(Some(&token), &body).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{query}: {:#}", reply.body);
        assert!(reply.body["data"].is_null(), "{query}");
    }
    // The other operation of that document, and entities, still run.
    let body = json!({ "query": two, "operationName": "A" });
    let reply = server.post_body(Some(&token), &body).await;
    assert_eq!(reply.data()["viewer"]["tenant"]["id"], "tenant-1");
    let (conversations, _, _, _) = ids_of(&server, "tenant-1", 1).await;
    let reply = entities(
        &server,
        Some(&token),
        json!([rep("Conversation", &conversations[0])]),
    )
    .await;
    assert_eq!(reply.data()["_entities"][0]["id"], conversations[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_flag_the_schema_has_no_federation() {
    let server = start(false).await;
    let token = server.token().await;
    let (conversations, _, _, _) = ids_of(&server, "tenant-1", 1).await;
    let reply = entities(
        &server,
        Some(&token),
        json!([rep("Conversation", &conversations[0])]),
    )
    .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT", "{:#}", reply.body);
    let message = reply.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("_entities") || message.contains("_Any"),
        "{message}"
    );
    let reply = server
        .post(Some(&token), "{ _service { sdl } }", json!({}))
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT", "{:#}", reply.body);
    assert!(
        reply.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("_service")
    );
    let reply = server
        .post(
            None,
            "{ __schema { queryType { fields { name } } } any: __type(name: \"_Any\") { name } entity: __type(name: \"_Entity\") { name } }",
            json!({}),
        )
        .await;
    let data = reply.data();
    let fields: Vec<&str> = data["__schema"]["queryType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"node"));
    assert!(!fields.iter().any(|f| f.starts_with('_')), "{fields:?}");
    assert!(data["any"].is_null() && data["entity"].is_null());
    // The schema is the checked-in one, to the byte.
    let sdl = server.get("/schema.graphql").await.text().await.unwrap();
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(sdl, file);
    assert!(!sdl.contains("@key") && !sdl.contains("_Any") && !sdl.contains("_service"));
}
