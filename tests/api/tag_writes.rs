//! createTag / updateTag: case-insensitive unique names, validation, idempotent
//! retries, the admin scope; and tag counts and scores that stay equal to the ticket
//! links through add, add-again, remove and delete.

use entity::enums::TagState;
use entity::{tag, ticket_tag};
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestServer, gid};

const CREATE_TAG: &str = r#"mutation($input: CreateTagInput!) {
  createTag(input: $input) {
    clientMutationId
    tag { id name state relevant score ticketsCount }
    tagEdge { cursor node { id } }
    userErrors { field message code }
  }
}"#;

const UPDATE_TAG: &str = r#"mutation($input: UpdateTagInput!) {
  updateTag(input: $input) {
    clientMutationId
    tag { id name state relevant score }
    userErrors { field message code }
  }
}"#;

const CREATE_TICKET: &str = r#"mutation($input: CreateTicketInput!) {
  createTicket(input: $input) {
    ticket { id }
    userErrors { field message code }
  }
}"#;

const ADD_TAG: &str = r#"mutation($input: AddTagToTicketInput!) {
  addTagToTicket(input: $input) {
    ticket { id updatedAt tags { totalCount edges { salience sentiment node { id } } } }
    tag { id ticketsCount score }
    tagEdge { cursor salience sentiment taggedAt node { id name } }
    userErrors { field message code }
  }
}"#;

const REMOVE_TAG: &str = r#"mutation($input: RemoveTagFromTicketInput!) {
  removeTagFromTicket(input: $input) {
    ticket { id tags { totalCount } }
    tag { id ticketsCount score }
    removedTagId
    userErrors { field message code }
  }
}"#;

const DELETE_TICKET: &str = r#"mutation($input: DeleteTicketInput!) {
  deleteTicket(input: $input) { deletedTicketId userErrors { code } }
}"#;

async fn tag_count(server: &TestServer, tenant: &str) -> u64 {
    tag::Entity::find()
        .filter(tag::Column::TenantId.eq(tenant))
        .count(&server.db)
        .await
        .unwrap()
}

async fn tag_row(server: &TestServer, id: &str) -> tag::Model {
    let (_, key) = parley::ids::decode(id).unwrap();
    tag::Entity::find_by_id(key)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap()
}

async fn create_tag(server: &TestServer, token: &str, name: &str) -> String {
    let reply = server
        .post(
            Some(token),
            CREATE_TAG,
            json!({ "input": { "name": name } }),
        )
        .await;
    let p = &reply.data()["createTag"];
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["tag"]["id"].as_str().unwrap().to_owned()
}

async fn create_ticket(server: &TestServer, token: &str, text: &str) -> String {
    let input = json!({ "originalText": text });
    let reply = server
        .post(Some(token), CREATE_TICKET, json!({ "input": input }))
        .await;
    let p = &reply.data()["createTicket"];
    assert_eq!(p["userErrors"], json!([]), "{p}");
    p["ticket"]["id"].as_str().unwrap().to_owned()
}

/// Every tag of the tenant: (stored ticketsCount, real number of links, stored score, mean salience).
async fn assert_counts_true(server: &TestServer, tenant: &str) {
    let tags = tag::Entity::find()
        .filter(tag::Column::TenantId.eq(tenant))
        .all(&server.db)
        .await
        .unwrap();
    for t in tags {
        let links = ticket_tag::Entity::find()
            .filter(ticket_tag::Column::TagId.eq(t.id))
            .all(&server.db)
            .await
            .unwrap();
        assert_eq!(
            t.tickets_count,
            links.len() as i64,
            "ticketsCount of {}",
            t.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_tag_names_are_unique_ignoring_case_and_spaces() {
    let server = TestServer::start(2, 5).await;
    let token = server.token().await;
    let before = tag_count(&server, "tenant-1").await;

    // The seed has `billing`.
    for name in ["billing", "  BILLING ", "Billing"] {
        let reply = server
            .post(
                Some(&token),
                CREATE_TAG,
                json!({ "input": { "name": name, "clientMutationId": "m1" } }),
            )
            .await;
        let p = &reply.data()["createTag"];
        assert!(p["tag"].is_null(), "{name:?}");
        assert_eq!(p["clientMutationId"], "m1");
        assert_eq!(p["userErrors"][0]["code"], "DUPLICATE_NAME", "{name:?}");
        assert_eq!(p["userErrors"][0]["field"], json!(["input", "name"]));
    }
    for name in ["", "   ", &"x".repeat(101)] {
        let reply = server
            .post(
                Some(&token),
                CREATE_TAG,
                json!({ "input": { "name": name } }),
            )
            .await;
        let p = &reply.data()["createTag"];
        assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE", "{name:?}");
        assert_eq!(p["userErrors"][0]["field"], json!(["input", "name"]));
    }
    assert_eq!(
        tag_count(&server, "tenant-1").await,
        before,
        "refused creates write nothing"
    );

    // Surrounding spaces are trimmed; the name is stored as given otherwise.
    let reply = server
        .post(
            Some(&token),
            CREATE_TAG,
            json!({ "input": { "name": "  Churn Risk ", "relevant": false } }),
        )
        .await;
    let p = &reply.data()["createTag"];
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["tag"]["name"], "Churn Risk");
    assert_eq!(p["tag"]["state"], "ACTIVE");
    assert_eq!(p["tag"]["relevant"], false);
    assert_eq!(p["tag"]["ticketsCount"], 0);
    assert_eq!(p["tagEdge"]["node"]["id"], p["tag"]["id"]);
    // The edge's cursor is a real cursor of `tags`: paging after it goes on from there.
    let cursor = p["tagEdge"]["cursor"].as_str().unwrap();
    let reply = server
        .post(
            Some(&token),
            "query($after: String) { tags(first: 1, after: $after) { nodes { name } } }",
            json!({ "after": cursor }),
        )
        .await;
    let next = reply.data()["tags"]["nodes"][0]["name"].as_str().unwrap();
    assert!(next.to_lowercase().as_str() > "churn risk", "{next}");

    // Another tenant may use the same name.
    let other = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    create_tag(&server, &other, "Churn Risk").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_tag_retry_with_the_same_key_writes_once() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;
    let before = tag_count(&server, "tenant-1").await;
    let input = json!({ "name": "retry-me", "idempotencyKey": "key-1" });
    let first = server
        .post(Some(&token), CREATE_TAG, json!({ "input": input }))
        .await;
    let second = server
        .post(Some(&token), CREATE_TAG, json!({ "input": input }))
        .await;
    let (a, b) = (&first.data()["createTag"], &second.data()["createTag"]);
    assert_eq!(
        b["userErrors"],
        json!([]),
        "the retry is not a DUPLICATE_NAME"
    );
    assert_eq!(a["tag"]["id"], b["tag"]["id"]);
    assert_eq!(tag_count(&server, "tenant-1").await, before + 1);

    // The same key for another input is refused.
    let input = json!({ "name": "something-else", "idempotencyKey": "key-1" });
    let reply = server
        .post(Some(&token), CREATE_TAG, json!({ "input": input }))
        .await;
    assert_eq!(
        reply.data()["createTag"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_REUSED"
    );
    assert_eq!(tag_count(&server, "tenant-1").await, before + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_writes_need_admin() {
    let server = TestServer::start(1, 5).await;
    let token = server
        .token_for(
            "tenant-1",
            "conversation:read conversation:write ticket:read ticket:write",
        )
        .await;
    let reply = server
        .post(
            Some(&token),
            CREATE_TAG,
            json!({ "input": { "name": "x" } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    let some_tag = tag::Entity::find().one(&server.db).await.unwrap().unwrap();
    let input = json!({ "tagId": gid(NodeKind::Tag, some_tag.id), "name": "renamed" });
    let reply = server
        .post(Some(&token), UPDATE_TAG, json!({ "input": input }))
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    assert_eq!(
        tag_row(&server, &gid(NodeKind::Tag, some_tag.id)).await,
        some_tag
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_tag_renames_retires_and_revives() {
    let server = TestServer::start(2, 5).await;
    let token = server.token().await;
    let id = create_tag(&server, &token, "Onboarding Help").await;
    let update = |input: Value| {
        let (server, token) = (&server, &token);
        async move {
            let reply = server
                .post(Some(token), UPDATE_TAG, json!({ "input": input }))
                .await;
            reply.data()["updateTag"].clone()
        }
    };

    // Another tag's name, in any case, is taken; its own name in another case is not.
    let p = update(json!({ "tagId": id, "name": " REFUND " })).await;
    assert_eq!(p["userErrors"][0]["code"], "DUPLICATE_NAME");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "name"]));
    let p = update(json!({ "tagId": id, "name": "" })).await;
    assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE");
    assert_eq!(tag_row(&server, &id).await.name, "Onboarding Help");
    let p =
        update(json!({ "tagId": id, "name": "onboarding help", "clientMutationId": "u" })).await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "u");
    assert_eq!(p["tag"]["name"], "onboarding help");

    // Retire it: it cannot be put on a ticket any more, but may be taken off.
    let ticket = create_ticket(&server, &token, "Where do I start?").await;
    let add = json!({ "input": { "ticketId": ticket, "tagId": id } });
    assert_eq!(
        server.post(Some(&token), ADD_TAG, add.clone()).await.data()["addTagToTicket"]["userErrors"],
        json!([])
    );
    let p =
        update(json!({ "tagId": id, "state": "INACTIVE", "relevant": false, "score": 2.5 })).await;
    assert_eq!(p["tag"]["state"], "INACTIVE");
    assert_eq!(p["tag"]["relevant"], false);
    assert_eq!(p["tag"]["score"], 2.5);
    assert_eq!(tag_row(&server, &id).await.state, TagState::Inactive);
    let other = create_ticket(&server, &token, "How do I invite my team?").await;
    let reply = server
        .post(
            Some(&token),
            ADD_TAG,
            json!({ "input": { "ticketId": other, "tagId": id } }),
        )
        .await;
    let p = &reply.data()["addTagToTicket"];
    assert_eq!(p["userErrors"][0]["code"], "TAG_INACTIVE");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "tagId"]));
    assert!(p["ticket"].is_null());
    assert_eq!(tag_row(&server, &id).await.tickets_count, 1);
    let reply = server
        .post(
            Some(&token),
            REMOVE_TAG,
            json!({ "input": { "ticketId": ticket, "tagId": id } }),
        )
        .await;
    assert_eq!(reply.data()["removeTagFromTicket"]["removedTagId"], id);

    // Revive it: it can be added again.
    let p = update(json!({ "tagId": id, "state": "ACTIVE" })).await;
    assert_eq!(p["tag"]["state"], "ACTIVE");
    let reply = server
        .post(
            Some(&token),
            ADD_TAG,
            json!({ "input": { "ticketId": other, "tagId": id } }),
        )
        .await;
    assert_eq!(reply.data()["addTagToTicket"]["userErrors"], json!([]));

    // Another tenant's tag, a ticket ID or garbage: NOT_FOUND.
    let foreign = tag::Entity::find()
        .filter(tag::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    for tag_id in [gid(NodeKind::Tag, foreign.id), other.clone(), "nope".into()] {
        let reply = server
            .post(
                Some(&token),
                UPDATE_TAG,
                json!({ "input": { "tagId": tag_id, "name": "stolen" } }),
            )
            .await;
        assert_eq!(reply.code(), "NOT_FOUND", "{tag_id}");
    }
    assert_eq!(
        tag_row(&server, &gid(NodeKind::Tag, foreign.id)).await,
        foreign
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tickets_count_and_score_follow_the_links() {
    let server = TestServer::start(1, 10).await;
    let token = server.token().await;
    assert_counts_true(&server, "tenant-1").await;
    let tag_id = create_tag(&server, &token, "export").await;
    let a = create_ticket(&server, &token, "The CSV export is empty.").await;
    let b = create_ticket(&server, &token, "Export to PDF times out.").await;
    let add = |ticket: &str, salience: Option<f64>| {
        let mut input = json!({ "ticketId": ticket, "tagId": tag_id });
        if let Some(s) = salience {
            input["salience"] = json!(s);
        }
        let server = &server;
        let token = &token;
        async move {
            let reply = server
                .post(Some(token), ADD_TAG, json!({ "input": input }))
                .await;
            reply.data()["addTagToTicket"].clone()
        }
    };

    let p = add(&a, Some(0.9)).await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["tag"]["ticketsCount"], 1);
    assert_eq!(p["tag"]["score"], 0.9);
    assert_eq!(p["tagEdge"]["salience"], 0.9);
    assert_eq!(p["tagEdge"]["node"]["id"], tag_id);
    assert_eq!(p["ticket"]["tags"]["totalCount"], 1);
    let p = add(&b, None).await;
    assert_eq!(p["tag"]["ticketsCount"], 2);
    assert_eq!(p["tagEdge"]["salience"], 0.5, "default salience");
    assert!((p["tag"]["score"].as_f64().unwrap() - 0.7).abs() < 1e-9);
    assert_counts_true(&server, "tenant-1").await;

    // Adding again changes the link, not the count.
    let p = add(&a, Some(0.3)).await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["tag"]["ticketsCount"], 2);
    assert_eq!(p["tagEdge"]["salience"], 0.3);
    assert_eq!(p["ticket"]["tags"]["totalCount"], 1);
    assert!((p["tag"]["score"].as_f64().unwrap() - 0.4).abs() < 1e-9);
    let p = add(&a, None).await;
    assert_eq!(p["tagEdge"]["salience"], 0.3, "values not given are kept");
    assert_counts_true(&server, "tenant-1").await;

    // Out of range values name their field and change nothing.
    for (field, value) in [
        ("salience", 1.5),
        ("salience", -0.1),
        ("sentiment", 1.01),
        ("sentiment", -2.0),
    ] {
        let mut input = json!({ "ticketId": a, "tagId": tag_id });
        input[field] = json!(value);
        let reply = server
            .post(Some(&token), ADD_TAG, json!({ "input": input }))
            .await;
        let p = &reply.data()["addTagToTicket"];
        assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE", "{field}");
        assert_eq!(p["userErrors"][0]["field"], json!(["input", field]));
    }
    assert_eq!(tag_row(&server, &tag_id).await.tickets_count, 2);

    // Removing, twice: the second changes nothing.
    let remove = json!({ "input": { "ticketId": b, "tagId": tag_id } });
    let reply = server.post(Some(&token), REMOVE_TAG, remove.clone()).await;
    let p = &reply.data()["removeTagFromTicket"];
    assert_eq!(p["removedTagId"], tag_id);
    assert_eq!(p["tag"]["ticketsCount"], 1);
    assert_eq!(p["tag"]["score"], 0.3);
    assert_eq!(p["ticket"]["tags"]["totalCount"], 0);
    let reply = server.post(Some(&token), REMOVE_TAG, remove).await;
    let p = &reply.data()["removeTagFromTicket"];
    assert!(p["removedTagId"].is_null());
    assert_eq!(p["tag"]["ticketsCount"], 1);
    assert_counts_true(&server, "tenant-1").await;

    // Deleting a ticket takes its links with it, on every tag it carried.
    let seeded = ticket_tag::Entity::find()
        .filter(ticket_tag::Column::TenantId.eq("tenant-1"))
        .one(&server.db)
        .await
        .unwrap()
        .expect("the seed tags tickets");
    add(&gid(NodeKind::Ticket, seeded.ticket_id), Some(1.0)).await;
    let reply = server
        .post(
            Some(&token),
            DELETE_TICKET,
            json!({ "input": { "ticketId": gid(NodeKind::Ticket, seeded.ticket_id) } }),
        )
        .await;
    assert_eq!(reply.data()["deleteTicket"]["userErrors"], json!([]));
    assert_counts_true(&server, "tenant-1").await;
    let row = tag_row(&server, &tag_id).await;
    assert_eq!((row.tickets_count, row.score), (1, 0.3));

    // The last link gone, the score is 0.
    let reply = server
        .post(
            Some(&token),
            DELETE_TICKET,
            json!({ "input": { "ticketId": a } }),
        )
        .await;
    assert_eq!(reply.data()["deleteTicket"]["deletedTicketId"], a);
    let row = tag_row(&server, &tag_id).await;
    assert_eq!((row.tickets_count, row.score), (0, 0.0));
    assert_counts_true(&server, "tenant-1").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_tag_links_keep_the_count_true() {
    let server = std::sync::Arc::new(TestServer::start(1, 5).await);
    let token = server.token().await;
    let tag_id = create_tag(&server, &token, "concurrent").await;
    let mut tickets = Vec::new();
    for i in 0..8 {
        tickets.push(create_ticket(&server, &token, &format!("Ticket number {i}")).await);
    }
    let mut tasks = Vec::new();
    // Every ticket is tagged twice at once; then half are untagged at once.
    for ticket in tickets.iter().chain(tickets.iter()) {
        let (server, token, ticket, tag_id) = (
            server.clone(),
            token.clone(),
            ticket.clone(),
            tag_id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let input = json!({ "ticketId": ticket, "tagId": tag_id, "salience": 0.8 });
            let reply = server
                .post(Some(&token), ADD_TAG, json!({ "input": input }))
                .await;
            assert_eq!(reply.data()["addTagToTicket"]["userErrors"], json!([]));
        }));
    }
    for task in tasks.drain(..) {
        task.await.unwrap();
    }
    assert_eq!(tag_row(&server, &tag_id).await.tickets_count, 8);
    for ticket in tickets.iter().take(4) {
        let (server, token, ticket, tag_id) = (
            server.clone(),
            token.clone(),
            ticket.clone(),
            tag_id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let input = json!({ "ticketId": ticket, "tagId": tag_id });
            server
                .post(Some(&token), REMOVE_TAG, json!({ "input": input }))
                .await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let row = tag_row(&server, &tag_id).await;
    assert_eq!(row.tickets_count, 4);
    assert_eq!(row.score, 0.8);
    assert_counts_true(&server, "tenant-1").await;
}
