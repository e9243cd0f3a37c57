//! createTicket, updateTicket, deleteTicket, markTicketRead and tag sentiment:
//! numbers, cleanest bodies of real-looking emails, the rules and their refusals,
//! activity entries, tenants and scopes.

use entity::enums::{ActivityType, ConversationState};
use entity::{activity, conversation, tenant_counter, ticket, ticket_tag};
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{ALL_SCOPES, TestServer, gid};

const CREATE_TICKET: &str = r#"mutation($input: CreateTicketInput!) {
  createTicket(input: $input) {
    clientMutationId
    ticket {
      id number externalId source sender originalText originalHtml cleanestBody
      status priority slaDueAt aiResolved escalationReason unread createdAt updatedAt
      conversation { id }
      tags { totalCount edges { salience sentiment node { id name } } }
    }
    ticketEdge { cursor node { id } }
    userErrors { field message code }
  }
}"#;

const UPDATE_TICKET: &str = r#"mutation($input: UpdateTicketInput!) {
  updateTicket(input: $input) {
    clientMutationId
    ticket { id status priority slaDueAt aiResolved escalationReason originalText cleanestBody updatedAt }
    userErrors { field message code }
  }
}"#;

const DELETE_TICKET: &str = r#"mutation($input: DeleteTicketInput!) {
  deleteTicket(input: $input) { clientMutationId deletedTicketId userErrors { field message code } }
}"#;

const MARK_READ: &str = r#"mutation($input: MarkTicketReadInput!) {
  markTicketRead(input: $input) {
    clientMutationId
    ticket { id unread updatedAt }
    unreadTicketCount
    userErrors { field message code }
  }
}"#;

const ADD_TAG: &str = r#"mutation($input: AddTagToTicketInput!) {
  addTagToTicket(input: $input) {
    tagEdge { salience sentiment }
    userErrors { field message code }
  }
}"#;

async fn create(server: &TestServer, token: &str, input: Value) -> Value {
    let reply = server
        .post(Some(token), CREATE_TICKET, json!({ "input": input }))
        .await;
    reply.data()["createTicket"].clone()
}

/// Creates a ticket that must succeed; returns its payload's `ticket`.
async fn created(server: &TestServer, token: &str, input: Value) -> Value {
    let p = create(server, token, input).await;
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["ticket"].clone()
}

async fn ticket_count(server: &TestServer, tenant: &str) -> u64 {
    ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq(tenant))
        .count(&server.db)
        .await
        .unwrap()
}

async fn ticket_row(server: &TestServer, id: &str) -> Option<ticket::Model> {
    let (_, key) = parley::ids::decode(id).unwrap();
    ticket::Entity::find_by_id(key)
        .one(&server.db)
        .await
        .unwrap()
}

async fn conversation_in(server: &TestServer, tenant: &str, state: ConversationState) -> i64 {
    conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::State.eq(state))
        .one(&server.db)
        .await
        .unwrap()
        .expect("the seed has conversations in every state")
        .id
}

async fn entries(server: &TestServer, ticket: &str, kind: ActivityType) -> Vec<activity::Model> {
    let (_, key) = parley::ids::decode(ticket).unwrap();
    activity::Entity::find()
        .filter(activity::Column::TicketId.eq(key))
        .filter(activity::Column::Kind.eq(kind))
        .order_by_asc(activity::Column::Id)
        .all(&server.db)
        .await
        .unwrap()
}

fn micros_of(value: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .timestamp_micros()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_ticket_numbers_cleans_and_logs() {
    let server = TestServer::start(1, 10).await;
    let token = server.token().await;
    let counter = tenant_counter::Entity::find_by_id(("tenant-1".to_owned(), "ticket".to_owned()))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let conv = conversation_in(&server, "tenant-1", ConversationState::Open).await;
    let input = json!({
        "conversationId": gid(NodeKind::Conversation, conv),
        "externalId": "564652",
        "source": "zendesk",
        "sender": "robert@rosemary.example",
        "originalText": "Hey Mary. \n Would it be possible to delete a user from the company settings page? \n Best, \n Robert \n CEO of Rosemary Inc. \n",
        "priority": "HIGH",
        "slaDueAt": "2030-01-02T03:04:05Z",
        "clientMutationId": "c-7",
    });
    let p = create(&server, &token, input).await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "c-7");
    let t = &p["ticket"];
    assert_eq!(
        t["number"],
        counter.value + 1,
        "the next number of the tenant"
    );
    assert_eq!(
        t["cleanestBody"],
        "Would it be possible to delete a user from the company settings page?"
    );
    assert_eq!(
        (&t["status"], &t["priority"], &t["unread"], &t["aiResolved"]),
        (&json!("NEW"), &json!("HIGH"), &json!(true), &json!(false))
    );
    assert_eq!(t["slaDueAt"], "2030-01-02T03:04:05+00:00");
    assert_eq!(t["conversation"]["id"], gid(NodeKind::Conversation, conv));
    assert_eq!(
        (&t["externalId"], &t["source"]),
        (&json!("564652"), &json!("zendesk"))
    );
    assert_eq!(t["createdAt"], t["updatedAt"]);
    assert_eq!(p["ticketEdge"]["node"]["id"], t["id"]);

    // The edge is the ticket's place in `tickets` (newest first): it comes first.
    let reply = server
        .post(
            Some(&token),
            "{ tickets(first: 1) { edges { cursor node { id } } } unreadTicketCount }",
            json!({}),
        )
        .await;
    let edge = &reply.data()["tickets"]["edges"][0];
    assert_eq!(edge["node"]["id"], t["id"]);
    assert_eq!(edge["cursor"], p["ticketEdge"]["cursor"]);

    // One TICKET_CREATED entry, on the conversation, naming the ticket.
    let log = entries(
        &server,
        t["id"].as_str().unwrap(),
        ActivityType::TicketCreated,
    )
    .await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].conversation_id, Some(conv));

    // Without a conversation and with defaults; the number goes on.
    let t2 = created(
        &server,
        &token,
        json!({ "originalText": "Can I pay by invoice?" }),
    )
    .await;
    assert_eq!(t2["number"], counter.value + 2);
    assert_eq!(
        (&t2["status"], &t2["priority"]),
        (&json!("NEW"), &json!("NORMAL"))
    );
    assert!(t2["conversation"].is_null());
    let log = entries(
        &server,
        t2["id"].as_str().unwrap(),
        ActivityType::TicketCreated,
    )
    .await;
    assert_eq!((log.len(), log[0].conversation_id), (1, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanest_body_of_real_looking_emails() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;
    let cases = [
        (
            json!({ "originalText": "Hi Sarah,\n\nI was charged twice for my March subscription (invoice INV-2231). Could you refund one of the payments?\n\nKind regards,\nDaniel Weber\nFinance Manager | Weber & Sons GmbH\n+49 30 555 0199\n" }),
            "I was charged twice for my March subscription (invoice INV-2231). Could you refund one of the payments?",
        ),
        (
            json!({ "originalText": "Thanks, that fixed the login. But now the dashboard shows no data since yesterday.\n\nOn Mon, Mar 4, 2024 at 9:12 AM Acme Support <support@acme.example> wrote:\n> Hi Tom,\n> please clear your browser cache and log in again.\n> Best,\n> Lisa\n" }),
            "Thanks, that fixed the login. But now the dashboard shows no data since yesterday.",
        ),
        (
            json!({ "originalHtml": "<html><body><div dir=\"ltr\"><p>Hello team,</p><p>The <b>CSV export</b> of the orders page stops at 1,000 rows. Is there a limit?</p><p>Thanks,<br>Priya<br>Head of Operations, Lumen Ltd.</p></div><div class=\"gmail_quote\"><div>On Tue, Mar 5, 2024 Support wrote:</div><blockquote>Let us know if you need anything else.</blockquote></div></body></html>" }),
            "The CSV export of the orders page stops at 1,000 rows. Is there a limit?",
        ),
        (
            json!({ "originalText": "Can you reset my 2FA? I lost my phone.\n\nSent from my iPhone" }),
            "Can you reset my 2FA? I lost my phone.",
        ),
    ];
    for (input, expected) in cases {
        let t = created(&server, &token, input.clone()).await;
        assert_eq!(t["cleanestBody"], expected, "{input}");
    }
    // HTML only: the text is the HTML's.
    let t = created(
        &server,
        &token,
        json!({ "originalHtml": "<p>Hi Bob,</p><p>Where is my parcel?</p>" }),
    )
    .await;
    assert_eq!(t["cleanestBody"], "Where is my parcel?");
    assert!(
        t["originalText"]
            .as_str()
            .unwrap()
            .contains("Where is my parcel?")
    );
    assert_eq!(
        t["originalHtml"],
        "<p>Hi Bob,</p><p>Where is my parcel?</p>"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_ticket_refusals_write_nothing() {
    let server = TestServer::start(2, 20).await;
    let token = server.token().await;
    created(
        &server,
        &token,
        json!({ "externalId": "ext-1", "originalText": "First" }),
    )
    .await;
    let counter = || async {
        tenant_counter::Entity::find_by_id(("tenant-1".to_owned(), "ticket".to_owned()))
            .one(&server.db)
            .await
            .unwrap()
            .unwrap()
            .value
    };
    let (tickets, number) = (ticket_count(&server, "tenant-1").await, counter().await);
    let closed = conversation_in(&server, "tenant-1", ConversationState::Closed).await;
    let cases = [
        (
            json!({ "externalId": "ext-1", "originalText": "Again" }),
            "DUPLICATE_EXTERNAL_ID",
            json!(["input", "externalId"]),
        ),
        (
            json!({ "conversationId": gid(NodeKind::Conversation, closed), "originalText": "Late" }),
            "CONVERSATION_CLOSED",
            json!(["input", "conversationId"]),
        ),
        (
            json!({ "originalHtml": format!("<p>{}</p>", "x".repeat(100 * 1024)) }),
            "INVALID_VALUE",
            json!(["input", "originalHtml"]),
        ),
        (
            json!({ "originalText": "x".repeat(100 * 1024 + 1) }),
            "INVALID_VALUE",
            json!(["input", "originalText"]),
        ),
    ];
    for (input, code, field) in cases {
        let p = create(&server, &token, input).await;
        assert!(p["ticket"].is_null());
        assert!(p["ticketEdge"].is_null());
        assert_eq!(p["userErrors"][0]["code"], code);
        assert_eq!(p["userErrors"][0]["field"], field, "{code}");
    }
    // A tag that is inactive, or out of range values, in the tags list.
    let inactive = entity::tag::Entity::find()
        .filter(entity::tag::Column::TenantId.eq("tenant-1"))
        .filter(entity::tag::Column::State.eq(entity::enums::TagState::Inactive))
        .one(&server.db)
        .await
        .unwrap()
        .expect("the seed has a retired tag");
    let active = entity::tag::Entity::find()
        .filter(entity::tag::Column::TenantId.eq("tenant-1"))
        .filter(entity::tag::Column::State.eq(entity::enums::TagState::Active))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let p = create(
        &server,
        &token,
        json!({ "originalText": "x", "tags": [
            { "tagId": gid(NodeKind::Tag, active.id) },
            { "tagId": gid(NodeKind::Tag, inactive.id) },
        ] }),
    )
    .await;
    assert_eq!(p["userErrors"][0]["code"], "TAG_INACTIVE");
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["input", "tags", "1", "tagId"])
    );
    let p = create(
        &server,
        &token,
        json!({ "originalText": "x", "tags": [{ "tagId": gid(NodeKind::Tag, active.id), "sentiment": 3 }] }),
    )
    .await;
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["input", "tags", "0", "sentiment"])
    );
    assert_eq!(ticket_count(&server, "tenant-1").await, tickets);
    assert_eq!(counter().await, number, "no number is used up");
    let active_after = entity::tag::Entity::find_by_id(active.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active_after.tickets_count, active.tickets_count);

    // Unknown and foreign ids are NOT_FOUND; other tenants may reuse an external id.
    let foreign = conversation_in(&server, "tenant-2", ConversationState::Open).await;
    let foreign_tag = entity::tag::Entity::find()
        .filter(entity::tag::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    for input in [
        json!({ "conversationId": gid(NodeKind::Conversation, foreign), "originalText": "x" }),
        json!({ "conversationId": "bogus", "originalText": "x" }),
        json!({ "originalText": "x", "tags": [{ "tagId": gid(NodeKind::Tag, foreign_tag.id) }] }),
    ] {
        let reply = server
            .post(Some(&token), CREATE_TICKET, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "NOT_FOUND", "{input}");
    }
    assert_eq!(ticket_count(&server, "tenant-1").await, tickets);
    let other = server.token_for("tenant-2", ALL_SCOPES).await;
    created(
        &server,
        &other,
        json!({ "externalId": "ext-1", "originalText": "Mine" }),
    )
    .await;

    // A reader cannot create.
    let reader = server
        .token_for("tenant-1", "ticket:read conversation:write")
        .await;
    let reply = server
        .post(
            Some(&reader),
            CREATE_TICKET,
            json!({ "input": { "originalText": "x" } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    assert_eq!(ticket_count(&server, "tenant-1").await, tickets);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_ticket_retry_with_the_same_key_writes_once() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;
    let before = ticket_count(&server, "tenant-1").await;
    let input = json!({ "externalId": "mail-77", "originalText": "Refund please", "idempotencyKey": "k-77" });
    let first = created(&server, &token, input.clone()).await;
    let second = create(&server, &token, input).await;
    assert_eq!(
        second["userErrors"],
        json!([]),
        "not a DUPLICATE_EXTERNAL_ID"
    );
    assert_eq!(second["ticket"]["id"], first["id"]);
    assert_eq!(second["ticket"]["number"], first["number"]);
    assert_eq!(ticket_count(&server, "tenant-1").await, before + 1);
    let log = entries(
        &server,
        first["id"].as_str().unwrap(),
        ActivityType::TicketCreated,
    )
    .await;
    assert_eq!(log.len(), 1, "one activity entry");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_creates_get_distinct_numbers() {
    let server = std::sync::Arc::new(TestServer::start(1, 5).await);
    let token = server.token().await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (server, token) = (server.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let t = created(
                &server,
                &token,
                json!({ "originalText": format!("Ticket {i}") }),
            )
            .await;
            t["number"].as_i64().unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 12, "{numbers:?}");
    assert_eq!(numbers[11] - numbers[0], 11, "no gaps: {numbers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_ticket_with_optimistic_concurrency() {
    let server = TestServer::start(2, 10).await;
    let token = server.token().await;
    let conv = conversation_in(&server, "tenant-1", ConversationState::Open).await;
    let t = created(
        &server,
        &token,
        json!({ "conversationId": gid(NodeKind::Conversation, conv), "originalText": "Hi,\nThe app is slow.\nThanks,\nAl", "slaDueAt": "2030-01-01T00:00:00Z" }),
    )
    .await;
    let id = t["id"].as_str().unwrap();
    let update = |input: Value| {
        let (server, token) = (&server, &token);
        async move {
            let reply = server
                .post(Some(token), UPDATE_TICKET, json!({ "input": input }))
                .await;
            reply.data()["updateTicket"].clone()
        }
    };

    // A stale expectation changes nothing.
    let before = ticket_row(&server, id).await.unwrap();
    let stale = chrono::DateTime::from_timestamp_micros(before.updated_at - 1)
        .unwrap()
        .to_rfc3339();
    let p = update(json!({ "ticketId": id, "status": "SOLVED", "expectedUpdatedAt": stale })).await;
    assert_eq!(p["userErrors"][0]["code"], "CONFLICT");
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["input", "expectedUpdatedAt"])
    );
    assert!(p["ticket"].is_null());
    assert_eq!(ticket_row(&server, id).await.unwrap(), before);
    assert!(
        entries(&server, id, ActivityType::TicketUpdated)
            .await
            .is_empty()
    );

    // The current one works; updatedAt moves on.
    let p = update(json!({
        "ticketId": id,
        "status": "PENDING",
        "priority": "URGENT",
        "escalationReason": "Customer threatened to cancel",
        "aiResolved": true,
        "slaDueAt": null,
        "originalText": "Hello,\nThe app crashes on start.\nBest,\nAl",
        "expectedUpdatedAt": t["updatedAt"],
        "clientMutationId": "u-1",
    }))
    .await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "u-1");
    let u = &p["ticket"];
    assert_eq!(
        (&u["status"], &u["priority"]),
        (&json!("PENDING"), &json!("URGENT"))
    );
    assert_eq!(u["escalationReason"], "Customer threatened to cancel");
    assert_eq!(u["aiResolved"], true);
    assert!(u["slaDueAt"].is_null(), "null clears it");
    assert_eq!(u["cleanestBody"], "The app crashes on start.", "recomputed");
    assert!(micros_of(&u["updatedAt"]) > micros_of(&t["updatedAt"]));
    let log = entries(&server, id, ActivityType::TicketUpdated).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].conversation_id, Some(conv));

    // The previous expectation is stale now.
    let p =
        update(json!({ "ticketId": id, "status": "CLOSED", "expectedUpdatedAt": t["updatedAt"] }))
            .await;
    assert_eq!(p["userErrors"][0]["code"], "CONFLICT");
    // A change to the same values is no change: no new entry, same updatedAt.
    let p = update(json!({ "ticketId": id, "status": "PENDING" })).await;
    assert_eq!(p["ticket"]["updatedAt"], u["updatedAt"]);
    assert_eq!(
        entries(&server, id, ActivityType::TicketUpdated)
            .await
            .len(),
        1
    );
    // Too long a reason is INVALID_VALUE.
    let p = update(json!({ "ticketId": id, "escalationReason": "x".repeat(1001) })).await;
    assert_eq!(
        p["userErrors"][0]["field"],
        json!(["input", "escalationReason"])
    );

    // Tickets of a closed conversation can still be updated.
    let closed = conversation_in(&server, "tenant-1", ConversationState::Closed).await;
    let solved = ticket::Entity::find()
        .filter(ticket::Column::ConversationId.eq(closed))
        .one(&server.db)
        .await
        .unwrap();
    if let Some(solved) = solved {
        let p = update(json!({ "ticketId": gid(NodeKind::Ticket, solved.id), "status": "CLOSED" }))
            .await;
        assert_eq!(p["userErrors"], json!([]));
    }

    // Another tenant's ticket: NOT_FOUND, untouched.
    let foreign = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let foreign_id = gid(NodeKind::Ticket, foreign.id);
    let reply = server
        .post(
            Some(&token),
            UPDATE_TICKET,
            json!({ "input": { "ticketId": foreign_id, "status": "CLOSED" } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
    assert_eq!(ticket_row(&server, &foreign_id).await.unwrap(), foreign);
    let reader = server.token_for("tenant-1", "ticket:read").await;
    let reply = server
        .post(
            Some(&reader),
            UPDATE_TICKET,
            json!({ "input": { "ticketId": id, "status": "CLOSED" } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_ticket_keeps_the_log_and_the_counts() {
    let server = TestServer::start(2, 10).await;
    let token = server.token().await;
    let seeded = ticket_tag::Entity::find()
        .filter(ticket_tag::Column::TenantId.eq("tenant-1"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let id = gid(NodeKind::Ticket, seeded.ticket_id);
    let links = ticket_tag::Entity::find()
        .filter(ticket_tag::Column::TicketId.eq(seeded.ticket_id))
        .all(&server.db)
        .await
        .unwrap();
    let counts_before: Vec<i64> = {
        let mut v = Vec::new();
        for l in &links {
            let t = entity::tag::Entity::find_by_id(l.tag_id)
                .one(&server.db)
                .await
                .unwrap()
                .unwrap();
            v.push(t.tickets_count);
        }
        v
    };
    // Give it an activity entry of its own to outlive it.
    server
        .post(
            Some(&token),
            UPDATE_TICKET,
            json!({ "input": { "ticketId": id, "priority": "LOW" } }),
        )
        .await;
    let (_, key) = parley::ids::decode(&id).unwrap();
    let logged = activity::Entity::find()
        .filter(activity::Column::TicketId.eq(key))
        .all(&server.db)
        .await
        .unwrap();
    assert!(!logged.is_empty());

    let foreign = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let reply = server
        .post(
            Some(&token),
            DELETE_TICKET,
            json!({ "input": { "ticketId": gid(NodeKind::Ticket, foreign.id) } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
    assert!(
        ticket_row(&server, &gid(NodeKind::Ticket, foreign.id))
            .await
            .is_some()
    );

    let reply = server
        .post(
            Some(&token),
            DELETE_TICKET,
            json!({ "input": { "ticketId": id, "clientMutationId": "d" } }),
        )
        .await;
    let p = &reply.data()["deleteTicket"];
    assert_eq!(p["deletedTicketId"], id);
    assert_eq!(p["clientMutationId"], "d");
    assert!(ticket_row(&server, &id).await.is_none());
    assert_eq!(
        ticket_tag::Entity::find()
            .filter(ticket_tag::Column::TicketId.eq(seeded.ticket_id))
            .count(&server.db)
            .await
            .unwrap(),
        0
    );
    for (link, before) in links.iter().zip(counts_before) {
        let t = entity::tag::Entity::find_by_id(link.tag_id)
            .one(&server.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.tickets_count, before - 1, "{}", t.name);
    }
    // The log keeps its entries, without the ticket.
    for entry in logged {
        let kept = activity::Entity::find_by_id(entry.id)
            .one(&server.db)
            .await
            .unwrap()
            .expect("the entry outlives the ticket");
        assert_eq!(kept.ticket_id, None);
    }
    // Deleting again: NOT_FOUND.
    let reply = server
        .post(
            Some(&token),
            DELETE_TICKET,
            json!({ "input": { "ticketId": id } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn mark_ticket_read_changes_the_unread_count() {
    let server = TestServer::start(2, 10).await;
    let token = server.token().await;
    let count = || async {
        let reply = server
            .post(Some(&token), "{ unreadTicketCount }", json!({}))
            .await;
        reply.data()["unreadTicketCount"].as_i64().unwrap()
    };
    let t = created(&server, &token, json!({ "originalText": "New one" })).await;
    let id = t["id"].as_str().unwrap();
    assert_eq!(t["unread"], true);
    let unread = count().await;

    let reply = server
        .post(
            Some(&token),
            MARK_READ,
            json!({ "input": { "ticketId": id, "clientMutationId": "r" } }),
        )
        .await;
    let p = &reply.data()["markTicketRead"];
    assert_eq!(p["ticket"]["unread"], false);
    assert_eq!(p["unreadTicketCount"], unread - 1);
    assert_eq!(p["clientMutationId"], "r");
    assert_eq!(count().await, unread - 1);
    assert_eq!(
        p["ticket"]["updatedAt"], t["updatedAt"],
        "reading is not an edit"
    );

    // Marking it read again changes nothing; unread again counts it again.
    let reply = server
        .post(
            Some(&token),
            MARK_READ,
            json!({ "input": { "ticketId": id } }),
        )
        .await;
    assert_eq!(
        reply.data()["markTicketRead"]["unreadTicketCount"],
        unread - 1
    );
    let reply = server
        .post(
            Some(&token),
            MARK_READ,
            json!({ "input": { "ticketId": id, "unread": true } }),
        )
        .await;
    assert_eq!(reply.data()["markTicketRead"]["unreadTicketCount"], unread);
    assert!(ticket_row(&server, id).await.unwrap().unread);

    let foreign = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-2"))
        .filter(ticket::Column::Unread.eq(true))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let reply = server
        .post(
            Some(&token),
            MARK_READ,
            json!({ "input": { "ticketId": gid(NodeKind::Ticket, foreign.id) } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
    assert!(
        ticket_row(&server, &gid(NodeKind::Ticket, foreign.id))
            .await
            .unwrap()
            .unread
    );
    let reader = server.token_for("tenant-1", "ticket:read").await;
    let reply = server
        .post(
            Some(&reader),
            MARK_READ,
            json!({ "input": { "ticketId": id } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_sentiment_defaults_to_the_tickets_mood() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;
    let tag = entity::tag::Entity::find()
        .filter(entity::tag::Column::TenantId.eq("tenant-1"))
        .filter(entity::tag::Column::State.eq(entity::enums::TagState::Active))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let tag_id = gid(NodeKind::Tag, tag.id);
    let sentiment_of = |text: &'static str| {
        let (server, token, tag_id) = (&server, &token, &tag_id);
        async move {
            let t = created(server, token, json!({ "originalText": text })).await;
            let input = json!({ "ticketId": t["id"], "tagId": tag_id });
            let reply = server
                .post(Some(token), ADD_TAG, json!({ "input": input }))
                .await;
            let p = &reply.data()["addTagToTicket"];
            assert_eq!(p["userErrors"], json!([]));
            p["tagEdge"]["sentiment"].as_f64().unwrap()
        }
    };
    let angry = sentiment_of("Hi,\nThis is terrible. The app is broken again and I am furious, nothing works!\nRegards,\nMax").await;
    let happy = sentiment_of(
        "Hello,\nThank you so much, the new dashboard is great and works perfectly!\nBest,\nMia",
    )
    .await;
    let neutral = sentiment_of("Hi,\nMy order number is 12345.\nThanks,\nLeo").await;
    assert!(angry < -0.5, "{angry}");
    assert!(happy > 0.5, "{happy}");
    // The sign-off's "Thanks" is not part of the request, so it does not lift the mood.
    assert!(neutral.abs() < 0.2, "{neutral}");

    // Tags given at creation get the same default, unless a sentiment is given.
    let t = created(
        &server,
        &token,
        json!({ "originalText": "I hate this, it is awful.", "tags": [{ "tagId": tag_id, "salience": 0.9 }] }),
    )
    .await;
    let edge = &t["tags"]["edges"][0];
    assert!(edge["sentiment"].as_f64().unwrap() < -0.5, "{edge}");
    assert_eq!(edge["salience"], 0.9);
    let t = created(
        &server,
        &token,
        json!({ "originalText": "I hate this.", "tags": [{ "tagId": tag_id, "sentiment": 0.25 }] }),
    )
    .await;
    assert_eq!(t["tags"]["edges"][0]["sentiment"], 0.25);
    assert_eq!(t["tags"]["edges"][0]["salience"], 0.5);
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanest_body_recovers_the_seeded_requests() {
    // The seed writes each ticket as greeting, request, sign-off and signature (in
    // several languages, some as HTML) and knows the request: the rules must find it.
    let server = TestServer::start(1, 150).await;
    let tickets = ticket::Entity::find().all(&server.db).await.unwrap();
    assert!(tickets.len() > 50, "{}", tickets.len());
    let mut wrong = Vec::new();
    for t in &tickets {
        let from_text = parley::service::cleanest_body::cleanest_body(&t.original_text, None);
        if from_text != t.cleanest_body {
            wrong.push((t.original_text.clone(), from_text));
        }
        if let Some(html) = &t.original_html {
            let from_html = parley::service::cleanest_body::cleanest_body("", Some(html));
            if from_html != t.cleanest_body {
                wrong.push((html.clone(), from_html));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {}: {wrong:#?}",
        wrong.len(),
        tickets.len()
    );
}
