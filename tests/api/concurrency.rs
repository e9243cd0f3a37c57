//! Data integrity under concurrency: sixteen really concurrent requests (one
//! `join_all` of HTTP requests, the gateway's request limit off, a pool that holds
//! them all) that race for one idempotency key, one external id or one contact
//! email. Exactly one write happens, every caller gets a clear answer, none a 500.
//! Meant for PostgreSQL (PARLEY_TEST_DATABASE_URL), where transactions really
//! overlap; on SQLite the single writer queues them, and the answers must be the same.

use entity::enums::ConversationState;
use entity::{contact, conversation, message};
use futures_util::future::join_all;
use migration::{Migrator, MigratorTrait};
use parley::ids::NodeKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::common::{Config, Reply, TestDb, TestServer, gid, payload};

/// How many requests race.
const RACERS: usize = 16;

/// A gateway that lets all racers in at once: no request limit, a connection each.
async fn racing_server() -> TestServer {
    let config = Config::racing(RACERS as u32 + 4);
    TestServer::builder()
        .tenants(1)
        .conversations(12)
        .config(config)
        .start()
        .await
}

/// Sends `RACERS` requests at once, the `i`th with `variables(i)`.
async fn race(
    server: &TestServer,
    token: &str,
    query: &str,
    variables: impl Fn(usize) -> Value,
) -> Vec<Reply> {
    join_all((0..RACERS).map(|i| server.post(Some(token), query, variables(i)))).await
}

/// The payload of `mutation` in a reply without errors (no 500, no GraphQL error).
async fn rows(server: &TestServer, table: &str) -> i64 {
    let row = server
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            server.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn open_conversation(server: &TestServer) -> conversation::Model {
    conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .filter(conversation::Column::State.eq(ConversationState::Open))
        .order_by_asc(conversation::Column::Id)
        .one(&server.db)
        .await
        .unwrap()
        .expect("the seed has an open conversation")
}

/// One idempotent mutation: its document, its input (without the key), another
/// input, where its answer's ids are, and which tables it writes how many rows to.
struct Idempotent {
    mutation: &'static str,
    document: &'static str,
    input: Value,
    changed: Value,
    ids: fn(&Value) -> Vec<Value>,
    writes: &'static [(&'static str, i64)],
}

fn id_of(field: &'static str) -> impl Fn(&Value) -> Vec<Value> {
    move |p: &Value| vec![p[field]["id"].clone()]
}

fn idempotent_mutations(conversation: &str) -> Vec<Idempotent> {
    vec![
        Idempotent {
            mutation: "createConversation",
            document: "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id messages { nodes { id } } } userErrors { code message } } }",
            input: json!({ "subject": "Racing", "message": { "text": "Hello" } }),
            changed: json!({ "subject": "Other" }),
            ids: |p| {
                vec![
                    p["conversation"]["id"].clone(),
                    p["conversation"]["messages"].clone(),
                ]
            },
            writes: &[("conversations", 1), ("messages", 1), ("activities", 1)],
        },
        Idempotent {
            mutation: "addMessage",
            document: "mutation($input: AddMessageInput!) { addMessage(input: $input) { message { id } userErrors { code message } } }",
            input: json!({ "conversationId": conversation, "text": "Once only" }),
            changed: json!({ "conversationId": conversation, "text": "Other" }),
            ids: |p| id_of("message")(p),
            writes: &[("messages", 1), ("activities", 1)],
        },
        Idempotent {
            mutation: "importConversation",
            document: "mutation($input: ImportConversationInput!) { importConversation(input: $input) { conversation { id requester { id } } importedMessages userErrors { code message } } }",
            input: json!({
                "externalId": "import-race",
                "requesterEmail": "first.time@example.com",
                "messages": [{ "text": "Imported", "externalId": "import-race-1" }],
            }),
            changed: json!({ "externalId": "import-other" }),
            ids: |p| vec![p["conversation"].clone(), p["importedMessages"].clone()],
            writes: &[("conversations", 1), ("messages", 1), ("contacts", 1)],
        },
        Idempotent {
            mutation: "createTag",
            document: "mutation($input: CreateTagInput!) { createTag(input: $input) { tag { id } userErrors { code message } } }",
            input: json!({ "name": "Racing tag" }),
            changed: json!({ "name": "Other tag" }),
            ids: |p| id_of("tag")(p),
            writes: &[("tags", 1)],
        },
        Idempotent {
            mutation: "addNote",
            document: "mutation($input: AddNoteInput!) { addNote(input: $input) { note { id } userErrors { code message } } }",
            input: json!({ "conversationId": conversation, "body": "Noted once" }),
            changed: json!({ "conversationId": conversation, "body": "Other" }),
            ids: |p| id_of("note")(p),
            writes: &[("notes", 1), ("activities", 1)],
        },
        Idempotent {
            mutation: "addNotes",
            document: "mutation($input: AddNotesInput!) { addNotes(input: $input) { results { __typename ... on NoteAdded { index note { id } } ... on NoteRejected { index userErrors { code } } } userErrors { code message } } }",
            input: json!({ "conversationId": conversation, "notes": [{ "body": "One" }, { "body": " " }, { "body": "Two" }] }),
            changed: json!({ "conversationId": conversation, "notes": [{ "body": "Other" }] }),
            ids: |p| vec![p["results"].clone()],
            writes: &[("notes", 2), ("activities", 2)],
        },
        Idempotent {
            mutation: "offerRating",
            document: "mutation($input: OfferRatingInput!) { offerRating(input: $input) { rating { id } userErrors { code message } } }",
            input: json!({ "conversationId": conversation, "ratingType": "CSAT" }),
            changed: json!({ "conversationId": conversation, "ratingType": "THUMBS_UP_OR_DOWN" }),
            ids: |p| id_of("rating")(p),
            writes: &[("ratings", 1), ("activities", 1)],
        },
        Idempotent {
            mutation: "createTicket",
            document: "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id number } userErrors { code message } } }",
            input: json!({ "originalText": "Printer on fire", "externalId": "ticket-race" }),
            changed: json!({ "originalText": "Other" }),
            ids: |p| vec![p["ticket"].clone()],
            writes: &[("tickets", 1)],
        },
    ]
}

/// Every mutation that takes an idempotency key, raced with one key: one write, and
/// all sixteen callers get the same answer (the same ids) without an error.
#[tokio::test(flavor = "multi_thread")]
async fn sixteen_requests_with_one_idempotency_key_write_once() {
    let server = racing_server().await;
    let token = server.token().await;
    let conversation = gid(NodeKind::Conversation, open_conversation(&server).await.id);
    for case in idempotent_mutations(&conversation) {
        let mut before = Vec::new();
        for (table, _) in case.writes {
            before.push(rows(&server, table).await);
        }
        let key = format!("key-{}", case.mutation);
        let mut input = case.input.clone();
        input["idempotencyKey"] = json!(key);
        let replies = race(
            &server,
            &token,
            case.document,
            |_| json!({ "input": input.clone() }),
        )
        .await;
        let answers: Vec<Vec<Value>> = replies
            .iter()
            .map(|reply| {
                let p = payload(reply, case.mutation);
                assert_eq!(p["userErrors"], json!([]), "{}: {p}", case.mutation);
                (case.ids)(p)
            })
            .collect();
        assert!(
            answers.iter().all(|a| *a == answers[0] && !a[0].is_null()),
            "{}: every caller gets the first answer: {answers:?}",
            case.mutation
        );
        for ((table, written), before) in case.writes.iter().zip(before) {
            assert_eq!(
                rows(&server, table).await - before,
                *written,
                "{}: rows written to {table}",
                case.mutation
            );
        }

        // The same key with another input is refused, also when raced.
        let mut other_input = case.changed.clone();
        other_input["idempotencyKey"] = json!(key);
        let replies = race(
            &server,
            &token,
            case.document,
            |_| json!({ "input": other_input.clone() }),
        )
        .await;
        for reply in &replies {
            let p = payload(reply, case.mutation);
            assert_eq!(
                p["userErrors"][0]["code"], "IDEMPOTENCY_KEY_REUSED",
                "{}: {p}",
                case.mutation
            );
        }
    }
}

/// A key kept past its time is taken over by the next request with it: a new write,
/// then replayed like any other.
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_idempotency_key_is_taken_over() {
    let server = racing_server().await;
    let token = server.token().await;
    let document = "mutation($input: CreateTagInput!) { createTag(input: $input) { tag { id } userErrors { code message } } }";
    let create =
        |name: &str| json!({ "input": { "name": name, "idempotencyKey": "reused-later" } });
    let first = server.post(Some(&token), document, create("First")).await;
    let first = payload(&first, "createTag")["tag"]["id"].clone();
    server
        .db
        .execute_unprepared("UPDATE idempotency_keys SET created_at = 0")
        .await
        .unwrap();
    // Even with another input: the expired entry is forgotten.
    let replies = race(&server, &token, document, |_| create("Second")).await;
    let ids: Vec<Value> = replies
        .iter()
        .map(|r| payload(r, "createTag")["tag"]["id"].clone())
        .collect();
    assert!(
        ids.iter()
            .all(|id| *id == ids[0] && id.is_string() && *id != first),
        "{ids:?}"
    );
    assert_eq!(
        rows(
            &server,
            "tags WHERE tenant_id = 'tenant-1' AND name_key IN ('first', 'second')"
        )
        .await,
        2
    );
}

/// Sixteen messages with one external id: one is stored, the others are refused
/// with DUPLICATE_EXTERNAL_ID, none is a 500, and no duplicate is stored.
#[tokio::test(flavor = "multi_thread")]
async fn sixteen_messages_with_one_external_id_store_one() {
    let server = racing_server().await;
    let token = server.token().await;
    let conversation = gid(NodeKind::Conversation, open_conversation(&server).await.id);
    let document = "mutation($input: AddMessageInput!) { addMessage(input: $input) { message { id } userErrors { field code message } } }";
    let replies = race(&server, &token, document, |i| {
        json!({ "input": { "conversationId": conversation, "text": format!("Copy {i}"), "externalId": "wamid.RACE" } })
    })
    .await;
    let stored = count_outcomes(&replies, "addMessage", "DUPLICATE_EXTERNAL_ID");
    assert_eq!(stored, 1);
    let rows = message::Entity::find()
        .filter(message::Column::TenantId.eq("tenant-1"))
        .filter(message::Column::ExternalId.eq("wamid.RACE"))
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(rows, 1, "exactly one row with the external id");
}

/// Sixteen conversations, tickets and tags with one external id (name): one of each.
#[tokio::test(flavor = "multi_thread")]
async fn sixteen_creates_with_one_external_id_or_name_create_one() {
    let server = racing_server().await;
    let token = server.token().await;
    let cases = [
        (
            "createConversation",
            "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } userErrors { field code message } } }",
            json!({ "externalId": "crm-race", "subject": "Race" }),
            "DUPLICATE_EXTERNAL_ID",
        ),
        (
            "importConversation",
            "mutation($input: ImportConversationInput!) { importConversation(input: $input) { conversation { id } userErrors { field code message } } }",
            json!({ "externalId": "crm-race-import" }),
            "DUPLICATE_EXTERNAL_ID",
        ),
        (
            "createTicket",
            "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } userErrors { field code message } } }",
            json!({ "externalId": "tkt-race", "originalText": "Race" }),
            "DUPLICATE_EXTERNAL_ID",
        ),
        (
            "createTag",
            "mutation($input: CreateTagInput!) { createTag(input: $input) { tag { id } userErrors { field code message } } }",
            json!({ "name": "Race Tag" }),
            "DUPLICATE_NAME",
        ),
        (
            "createCustomAttributeDefinition",
            "mutation($input: CreateCustomAttributeDefinitionInput!) { createCustomAttributeDefinition(input: $input) { definition { id } userErrors { field code message } } }",
            json!({ "identifier": "race_attribute", "name": "Race", "kind": "TEXT" }),
            "DUPLICATE_NAME",
        ),
        (
            "createFlow",
            "mutation($input: CreateFlowInput!) { createFlow(input: $input) { flow { id } userErrors { field code message } } }",
            json!({ "name": "Race line" }),
            "DUPLICATE_NAME",
        ),
    ];
    for (mutation, document, input, refusal) in cases {
        let replies = race(&server, &token, document, |_| json!({ "input": input })).await;
        assert_eq!(
            count_outcomes(&replies, mutation, refusal),
            1,
            "{mutation}: one winner"
        );
    }
    for (table, column, value) in [
        ("conversations", "external_id", "'crm-race'"),
        ("conversations", "external_id", "'crm-race-import'"),
        ("tickets", "external_id", "'tkt-race'"),
        ("tags", "name_key", "'race tag'"),
        (
            "custom_attribute_definitions",
            "identifier",
            "'race_attribute'",
        ),
        ("flows", "name", "'Race line'"),
    ] {
        let rows = rows(
            &server,
            &format!("{table} WHERE tenant_id = 'tenant-1' AND {column} = {value}"),
        )
        .await;
        assert_eq!(rows, 1, "{table}.{column} = {value}");
    }
}

/// Sixteen imports whose first message has one external id: every import is kept,
/// one with that message, the others with it left out and reported (as a sequential
/// duplicate is), so the import's "partial problems are reported, the rest is kept"
/// holds under concurrency too.
#[tokio::test(flavor = "multi_thread")]
async fn sixteen_imports_with_one_message_external_id_keep_the_rest() {
    let server = racing_server().await;
    let token = server.token().await;
    let document = "mutation($input: ImportConversationInput!) { importConversation(input: $input) { conversation { id } importedMessages userErrors { field code message } } }";
    let replies = race(&server, &token, document, |i| {
        json!({ "input": { "subject": format!("Import {i}"), "messages": [
            { "text": "Shared", "externalId": "shared-message" },
            { "text": format!("Own {i}") },
        ] } })
    })
    .await;
    let mut with_shared = 0;
    for reply in &replies {
        let p = payload(reply, "importConversation");
        assert!(p["conversation"]["id"].is_string(), "{p}");
        match p["importedMessages"].as_i64() {
            Some(2) => {
                assert_eq!(p["userErrors"], json!([]), "{p}");
                with_shared += 1;
            }
            Some(1) => {
                assert_eq!(p["userErrors"][0]["code"], "DUPLICATE_EXTERNAL_ID", "{p}");
                assert_eq!(
                    p["userErrors"][0]["field"],
                    json!(["input", "messages", "0", "externalId"])
                );
            }
            _ => panic!("{p}"),
        }
    }
    assert_eq!(with_shared, 1);
    let rows = message::Entity::find()
        .filter(message::Column::ExternalId.eq("shared-message"))
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

/// How many replies of `mutation` wrote (no userErrors); asserts that the others were
/// refused with `refusal` only, and that no reply was an error.
fn count_outcomes(replies: &[Reply], mutation: &str, refusal: &str) -> usize {
    let mut written = 0;
    for reply in replies {
        let p = payload(reply, mutation);
        if p["userErrors"] == json!([]) {
            written += 1;
        } else {
            assert_eq!(p["userErrors"][0]["code"], refusal, "{mutation}: {p}");
            assert_eq!(p["userErrors"].as_array().map(Vec::len), Some(1), "{p}");
        }
    }
    written
}

/// Sixteen imports naming one new requester by email (in different cases): one
/// contact is added and every import uses it.
#[tokio::test(flavor = "multi_thread")]
async fn sixteen_imports_with_one_new_email_share_one_contact() {
    let server = racing_server().await;
    let token = server.token().await;
    let contacts_before = rows(&server, "contacts").await;
    let document = "mutation($input: ImportConversationInput!) { importConversation(input: $input) { conversation { id requester { id email } } userErrors { code message } } }";
    let replies = race(&server, &token, document, |i| {
        let email = if i % 2 == 0 {
            "New.Customer@Example.com"
        } else {
            "new.customer@example.com"
        };
        json!({ "input": { "subject": format!("Import {i}"), "requesterEmail": email } })
    })
    .await;
    let mut requesters = Vec::new();
    for reply in &replies {
        let p = payload(reply, "importConversation");
        assert_eq!(p["userErrors"], json!([]), "{p}");
        requesters.push(p["conversation"]["requester"]["id"].clone());
    }
    assert!(
        requesters
            .iter()
            .all(|r| *r == requesters[0] && r.is_string()),
        "one requester for all: {requesters:?}"
    );
    assert_eq!(rows(&server, "contacts").await, contacts_before + 1);
    let found = contact::Entity::find()
        .filter(contact::Column::TenantId.eq("tenant-1"))
        .filter(
            contact::Column::Email.is_in(["New.Customer@Example.com", "new.customer@example.com"]),
        )
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(found, 1);
}

/// The migration that makes message external ids and contact emails unique keeps
/// the oldest holder of a duplicated value and clears it on the newer rows, leaving
/// the rows themselves (and whatever references them) in place.
#[tokio::test(flavor = "multi_thread")]
async fn unique_migration_keeps_the_oldest_of_existing_duplicates() {
    let test_db = TestDb::new().await;
    let args = parley::config::DbArgs::url(test_db.url.clone(), 2);
    let db = crate::common::seeded(&args, 2, 6).await;
    // Back to the schema before the migration (and whatever came after it).
    let migrations = Migrator::migrations();
    let position = migrations
        .iter()
        .position(|m| m.name().contains("unique_message_ids_contact_emails"))
        .unwrap();
    Migrator::down(&db, Some((migrations.len() - position) as u32))
        .await
        .unwrap();

    // (id, tenant) only: the model has columns of later migrations.
    let conversation_of = |tenant: &'static str| {
        conversation::Entity::find()
            .filter(conversation::Column::TenantId.eq(tenant))
            .select_only()
            .column(conversation::Column::Id)
            .column(conversation::Column::TenantId)
            .into_tuple::<(i64, String)>()
            .one(&db)
    };
    let conv = conversation_of("tenant-1").await.unwrap().unwrap();
    let other_tenant = conversation_of("tenant-2").await.unwrap().unwrap();
    let mut messages = Vec::new();
    for ((id, tenant), external_id) in [
        (&conv, "dup-msg"),
        (&conv, "dup-msg"),
        (&conv, "dup-msg"),
        (&other_tenant, "dup-msg"), // another tenant's: not a duplicate
    ] {
        let row = message::ActiveModel {
            id: NotSet,
            tenant_id: Set(tenant.clone()),
            conversation_id: Set(*id),
            direction: Set(entity::enums::Direction::Inbound),
            role: Set(entity::enums::MessageRole::User),
            author_agent_id: Set(None),
            author_contact_id: Set(None),
            text: Set("duplicate".into()),
            html: Set(None),
            external_id: Set(Some(external_id.into())),
            language: Set(None),
            modality: Set(entity::enums::Modality::Text),
            sentiment: Set(None),
            created_at: Set(1),
            anonymized_at: Set(None),
            // Columns of later migrations, which are not applied at this point.
            language_confidence: NotSet,
            rating: NotSet,
            metadata: NotSet,
        };
        let inserted = message::Entity::insert(row).exec(&db).await.unwrap();
        messages.push(inserted.last_insert_id);
    }
    let mut contacts = Vec::new();
    for (tenant, email) in [
        ("tenant-1", "Twin@Example.com"),
        ("tenant-1", "twin@example.com"),
        ("tenant-2", "twin@example.com"),
    ] {
        let row = contact::ActiveModel {
            id: NotSet,
            tenant_id: Set(tenant.into()),
            external_id: Set(None),
            email: Set(Some(email.into())),
            first_name: Set(Some("Twin".into())),
            last_name: Set(None),
            organization_name: Set(None),
            organization_domain: Set(None),
            avatar_url: Set(None),
            anonymized_at: Set(None),
            created_at: Set(1),
        };
        contacts.push(row.insert(&db).await.unwrap());
    }

    Migrator::up(&db, None).await.unwrap();

    let external_id = |id: i64| {
        let db = db.clone();
        async move {
            message::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .external_id
        }
    };
    assert_eq!(external_id(messages[0]).await.as_deref(), Some("dup-msg"));
    assert_eq!(external_id(messages[1]).await, None);
    assert_eq!(external_id(messages[2]).await, None);
    assert_eq!(external_id(messages[3]).await.as_deref(), Some("dup-msg"));
    let email = |id: i64| {
        let db = db.clone();
        async move {
            contact::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .email
        }
    };
    assert_eq!(
        email(contacts[0].id).await.as_deref(),
        Some("Twin@Example.com")
    );
    assert_eq!(email(contacts[1].id).await, None, "the newer twin's email");
    assert_eq!(
        email(contacts[2].id).await.as_deref(),
        Some("twin@example.com")
    );

    // And from now on the database refuses duplicates itself.
    let first = message::Entity::find_by_id(messages[0])
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let mut again: message::ActiveModel = first.into();
    again.id = NotSet;
    assert!(again.insert(&db).await.is_err());
}
