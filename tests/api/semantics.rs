//! What the seed APIs mean by their operations, where Parley did something else or
//! nothing yet: anonymization that spares shared contacts, erasure of a person,
//! imports with an unknown assignee, the unread count, ticket activity, transfer and
//! reopen offering the conversation again, custom attributes cleared by omission,
//! viewerCan fields, ratings, search filters and inner hits, message language,
//! ticket fields and tag sets, and acting on behalf of an agent.

use entity::enums::{ActivityType, TicketStatus};
use entity::{activity, agent, contact, queue, ticket};
use parley::ids::NodeKind;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};

use crate::common::{TestServer, gid, payload};

fn id_of(value: &Value) -> i64 {
    parley::ids::decode(value.as_str().expect("an id"))
        .unwrap()
        .1
}

async fn entries(
    db: &DatabaseConnection,
    tenant: &str,
    kind: ActivityType,
) -> Vec<activity::Model> {
    activity::Entity::find()
        .filter(activity::Column::TenantId.eq(tenant))
        .filter(activity::Column::Kind.eq(kind))
        .order_by_asc(activity::Column::Id)
        .all(db)
        .await
        .unwrap()
}

/// A contact of tenant-1.
async fn a_contact(db: &DatabaseConnection) -> contact::Model {
    contact::Entity::find()
        .filter(contact::Column::TenantId.eq("tenant-1"))
        .one(db)
        .await
        .unwrap()
        .expect("a seeded contact")
}

/// A new OPEN conversation of tenant-1 requested by `requester`, with one message.
async fn conversation_of(
    server: &TestServer,
    token: &str,
    requester: i64,
    subject: &str,
    text: &str,
) -> String {
    let reply = server
        .post(
            Some(token),
            "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } userErrors { code } } }",
            json!({ "input": {
                "subject": subject,
                "requesterId": gid(NodeKind::Contact, requester),
                "message": { "text": text, "role": "USER" },
            } }),
        )
        .await;
    let p = payload(&reply, "createConversation");
    assert_eq!(p["userErrors"], json!([]));
    p["conversation"]["id"].as_str().unwrap().to_owned()
}

const SEARCH: &str = "query($q: String!) { searchConversations(query: $q) { totalCount } }";

async fn hits(server: &TestServer, token: &str, q: &str) -> i64 {
    let reply = server.post(Some(token), SEARCH, json!({ "q": q })).await;
    reply.data()["searchConversations"]["totalCount"]
        .as_i64()
        .unwrap()
}

const CONVERSATION: &str = "query($id: ID!) { node(id: $id) { ... on Conversation { subject anonymizedAt state requester { id email firstName } messages { nodes { text author { __typename } } } } } }";

#[tokio::test(flavor = "multi_thread")]
async fn anonymizing_a_conversation_spares_the_contacts_other_conversations() {
    let server = TestServer::start(1, 2).await;
    let db = &server.db;
    let token = server.token().await;
    let person = contact::Entity::find()
        .filter(contact::Column::TenantId.eq("tenant-1"))
        .filter(contact::Column::Email.is_not_null())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let erased = conversation_of(
        &server,
        &token,
        person.id,
        "Quokkas escaped",
        "My quokka address is 12 Elm Street",
    )
    .await;
    let kept = conversation_of(
        &server,
        &token,
        person.id,
        "Another question",
        "Where is my wallaby?",
    )
    .await;
    assert_eq!(hits(&server, &token, "quokka").await, 1);

    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!) { anonymizeConversation(input: {conversationId: $id, force: true}) { conversation { subject requester { id } anonymizedAt } userErrors { code } } }",
            json!({ "id": erased }),
        )
        .await;
    let p = payload(&reply, "anonymizeConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["conversation"]["subject"], "[redacted]");
    assert!(p["conversation"]["requester"].is_null(), "detached");

    let gone = server
        .post(Some(&token), CONVERSATION, json!({ "id": erased }))
        .await;
    let node = &gone.data()["node"];
    assert_eq!(node["state"], "CLOSED");
    for m in node["messages"]["nodes"].as_array().unwrap() {
        assert_eq!(m["text"], "[redacted]");
        assert!(m["author"].is_null(), "no contact author left: {m}");
    }
    assert_eq!(
        hits(&server, &token, "quokka").await,
        0,
        "subject and text left the index"
    );
    assert_eq!(hits(&server, &token, "escaped").await, 0);

    // The shared contact and its other conversation are untouched.
    let other = server
        .post(Some(&token), CONVERSATION, json!({ "id": kept }))
        .await;
    let node = &other.data()["node"];
    assert_eq!(node["requester"]["id"], gid(NodeKind::Contact, person.id));
    assert_eq!(node["requester"]["email"], json!(person.email));
    assert_eq!(node["requester"]["firstName"], json!(person.first_name));
    assert_eq!(node["subject"], "Another question");
    assert_eq!(hits(&server, &token, "wallaby").await, 1);
    let stored = contact::Entity::find_by_id(person.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, person);
}

const ERASE: &str = "mutation($input: AnonymizeContactInput!) { anonymizeContact(input: $input) { contact { id email firstName lastName organizationName avatarUrl anonymizedAt } userErrors { field code } } }";

#[tokio::test(flavor = "multi_thread")]
async fn anonymize_contact_erases_the_person_and_every_conversation_they_were_in() {
    let server = TestServer::start(2, 2).await;
    let db = &server.db;
    let token = server.token().await;
    let person = contact::Entity::find()
        .filter(contact::Column::TenantId.eq("tenant-1"))
        .filter(contact::Column::Email.is_not_null())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let first = conversation_of(
        &server,
        &token,
        person.id,
        "Numbat order",
        "Call me on my numbat phone",
    )
    .await;
    let second = conversation_of(
        &server,
        &token,
        person.id,
        "Second numbat",
        "Still about numbats",
    )
    .await;
    let input = json!({ "contactId": gid(NodeKind::Contact, person.id) });

    // Only an admin erases people.
    let writer = server
        .token_for("tenant-1", "conversation:read conversation:write")
        .await;
    let reply = server
        .post(Some(&writer), ERASE, json!({ "input": input }))
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    // Open conversations are refused without force, and nothing changes.
    let reply = server
        .post(Some(&token), ERASE, json!({ "input": input }))
        .await;
    let p = payload(&reply, "anonymizeContact");
    assert_eq!(p["userErrors"][0]["code"], "INVALID_STATE");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "force"]));
    assert_eq!(hits(&server, &token, "numbat").await, 2);
    let same = contact::Entity::find_by_id(person.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same, person);
    // Another tenant's contact is not found.
    let theirs = contact::Entity::find()
        .filter(contact::Column::TenantId.eq("tenant-2"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let foreign = json!({ "contactId": gid(NodeKind::Contact, theirs.id), "force": true });
    let reply = server
        .post(Some(&token), ERASE, json!({ "input": foreign }))
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");

    let forced = json!({ "contactId": gid(NodeKind::Contact, person.id), "force": true });
    let reply = server
        .post(Some(&token), ERASE, json!({ "input": forced }))
        .await;
    let p = payload(&reply, "anonymizeContact");
    assert_eq!(p["userErrors"], json!([]));
    let c = &p["contact"];
    for field in [
        "email",
        "firstName",
        "lastName",
        "organizationName",
        "avatarUrl",
    ] {
        assert!(c[field].is_null(), "{field}: {c}");
    }
    assert!(c["anonymizedAt"].is_string());
    assert_eq!(hits(&server, &token, "numbat").await, 0);
    for id in [&first, &second] {
        let reply = server
            .post(Some(&token), CONVERSATION, json!({ "id": id }))
            .await;
        let node = &reply.data()["node"];
        assert_eq!(node["subject"], "[redacted]");
        assert!(node["anonymizedAt"].is_string());
    }
    // Again: nothing left to change, no new entries.
    let before = entries(db, "tenant-1", ActivityType::Anonymized)
        .await
        .len();
    let reply = server
        .post(Some(&token), ERASE, json!({ "input": forced }))
        .await;
    assert_eq!(payload(&reply, "anonymizeContact")["userErrors"], json!([]));
    assert_eq!(
        entries(db, "tenant-1", ActivityType::Anonymized)
            .await
            .len(),
        before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_with_an_unknown_assignee_loads_unassigned_and_says_so() {
    let server = TestServer::start(2, 2).await;
    let db = &server.db;
    let token = server.token().await;
    let stranger = agent::Entity::find()
        .filter(agent::Column::TenantId.eq("tenant-2"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let reply = server
        .post(
            Some(&token),
            "mutation($input: ImportConversationInput!) { importConversation(input: $input) { importedMessages conversation { assignee { id } assignedAt messages { totalCount } } userErrors { field code message } } }",
            json!({ "input": {
                "externalId": "dixa-100",
                "assigneeId": gid(NodeKind::Agent, stranger.id),
                "createdAt": "2024-01-01T10:00:00Z",
                "messages": [{ "text": "My order has not shipped", "createdAt": "2024-01-01T10:00:01Z" }],
            } }),
        )
        .await;
    let p = payload(&reply, "importConversation");
    assert_eq!(p["importedMessages"], 1);
    assert!(p["conversation"]["assignee"].is_null());
    assert!(p["conversation"]["assignedAt"].is_null());
    assert_eq!(p["conversation"]["messages"]["totalCount"], 1);
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "assigneeId"]));
    assert_eq!(p["userErrors"][0]["code"], "NOT_FOUND");
    assert_eq!(p["userErrors"].as_array().unwrap().len(), 1);
}

const UNREAD: &str = "{ unreadTicketCount }";

async fn unread(server: &TestServer, token: &str) -> i64 {
    let reply = server.post(Some(token), UNREAD, json!({})).await;
    reply.data()["unreadTicketCount"].as_i64().unwrap()
}

async fn waiting_unread(db: &DatabaseConnection) -> i64 {
    ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-1"))
        .filter(ticket::Column::Unread.eq(true))
        .filter(ticket::Column::Status.is_not_in([TicketStatus::Solved, TicketStatus::Closed]))
        .count(db)
        .await
        .unwrap() as i64
}

#[tokio::test(flavor = "multi_thread")]
async fn the_unread_count_leaves_out_solved_and_closed_tickets_and_reads_are_logged() {
    let server = TestServer::start(1, 30).await;
    let db = &server.db;
    let token = server.token().await;
    let all_unread = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-1"))
        .filter(ticket::Column::Unread.eq(true))
        .count(db)
        .await
        .unwrap() as i64;
    let expected = waiting_unread(db).await;
    assert!(
        all_unread > expected,
        "the seed has unread SOLVED or CLOSED tickets"
    );
    assert_eq!(unread(&server, &token).await, expected);

    // Solving an unread ticket takes it out of the count.
    let open = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-1"))
        .filter(ticket::Column::Unread.eq(true))
        .filter(ticket::Column::Status.eq(TicketStatus::Open))
        .one(db)
        .await
        .unwrap()
        .expect("an unread OPEN ticket");
    let id = gid(NodeKind::Ticket, open.id);
    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!) { updateTicket(input: {ticketId: $id, status: SOLVED}) { userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(payload(&reply, "updateTicket")["userErrors"], json!([]));
    assert_eq!(unread(&server, &token).await, expected - 1);

    // Marking read and unread is logged once per change; the payload's count agrees.
    const MARK: &str = "mutation($id: ID!, $unread: Boolean!) { markTicketRead(input: {ticketId: $id, unread: $unread}) { unreadTicketCount userErrors { code } } }";
    let waiting = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-1"))
        .filter(ticket::Column::Unread.eq(true))
        .filter(ticket::Column::Status.is_in([
            TicketStatus::New,
            TicketStatus::Open,
            TicketStatus::Pending,
            TicketStatus::OnHold,
        ]))
        .one(db)
        .await
        .unwrap()
        .expect("an unread waiting ticket");
    let id = gid(NodeKind::Ticket, waiting.id);
    for _ in 0..2 {
        let reply = server
            .post(Some(&token), MARK, json!({ "id": id, "unread": false }))
            .await;
        assert_eq!(
            payload(&reply, "markTicketRead")["unreadTicketCount"],
            expected - 2
        );
    }
    let reply = server
        .post(Some(&token), MARK, json!({ "id": id, "unread": true }))
        .await;
    assert_eq!(
        payload(&reply, "markTicketRead")["unreadTicketCount"],
        expected - 1
    );
    let read = entries(db, "tenant-1", ActivityType::TicketRead).await;
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].ticket_id, Some(waiting.id));
    assert_eq!(read[0].conversation_id, waiting.conversation_id);
    assert_eq!(
        entries(db, "tenant-1", ActivityType::TicketUnread)
            .await
            .len(),
        1
    );

    // Deleting a ticket is logged too.
    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!) { deleteTicket(input: {ticketId: $id}) { deletedTicketId userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        payload(&reply, "deleteTicket")["deletedTicketId"],
        json!(id)
    );
    let deleted = entries(db, "tenant-1", ActivityType::TicketDeleted).await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].conversation_id, waiting.conversation_id);
    assert_eq!(unread(&server, &token).await, expected - 2);
}

const STATE: &str = "query($id: ID!) { node(id: $id) { ... on Conversation { state assignee { id } queue { id } queuedAt activity(first: 1) { nodes { type fromAgent { id } toQueue { id } } } } } }";

async fn claim(server: &TestServer, token: &str, id: &str) {
    let reply = server
        .post(
            Some(token),
            "mutation($id: ID!) { claimConversation(input: {conversationId: $id}) { conversation { assignee { id } } userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    let p = payload(&reply, "claimConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert!(p["conversation"]["assignee"]["id"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn transfer_and_reopen_offer_the_conversation_again_to_nobody() {
    let server = TestServer::start(1, 2).await;
    let db = &server.db;
    let token = server.token().await;
    let queues = queue::Entity::find()
        .filter(queue::Column::TenantId.eq("tenant-1"))
        .order_by_asc(queue::Column::Id)
        .all(db)
        .await
        .unwrap();
    let (oldest, other) = (&queues[0], &queues[1]);
    let requester = a_contact(db).await;
    let id = conversation_of(&server, &token, requester.id, "Platypus", "Hello").await;
    claim(&server, &token, &id).await;
    let claimed = server.post(Some(&token), STATE, json!({ "id": id })).await;
    let me = claimed.data()["node"]["assignee"]["id"].clone();

    // A transfer releases the assignee and queues it now.
    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!, $q: ID!) { transferConversation(input: {conversationId: $id, queueId: $q}) { conversation { assignee { id } queue { id } queuedAt } userErrors { code } } }",
            json!({ "id": id, "q": gid(NodeKind::Queue, other.id) }),
        )
        .await;
    let p = payload(&reply, "transferConversation");
    assert_eq!(p["userErrors"], json!([]));
    assert!(p["conversation"]["assignee"].is_null());
    assert_eq!(
        p["conversation"]["queue"]["id"],
        gid(NodeKind::Queue, other.id)
    );
    let after = server.post(Some(&token), STATE, json!({ "id": id })).await;
    let log = &after.data()["node"]["activity"]["nodes"][0];
    assert_eq!(log["type"], "TRANSFERRED");
    assert_eq!(log["fromAgent"]["id"], me);
    let transferred_at = after.data()["node"]["queuedAt"].clone();

    // Claimed again, closed, reopened: back in its queue, unassigned, queued anew.
    claim(&server, &token, &id).await;
    for mutation in ["closeConversation", "reopenConversation"] {
        let reply = server
            .post(
                Some(&token),
                &format!("mutation($id: ID!) {{ {mutation}(input: {{conversationId: $id}}) {{ userErrors {{ code }} }} }}"),
                json!({ "id": id }),
            )
            .await;
        assert_eq!(payload(&reply, mutation)["userErrors"], json!([]));
    }
    let reopened = server.post(Some(&token), STATE, json!({ "id": id })).await;
    let node = &reopened.data()["node"];
    assert_eq!(node["state"], "OPEN");
    assert!(node["assignee"].is_null());
    assert_eq!(node["queue"]["id"], gid(NodeKind::Queue, other.id));
    assert!(node["queuedAt"].as_str() > transferred_at.as_str());
    let log = &node["activity"]["nodes"][0];
    assert_eq!(log["type"], "REOPENED");
    assert_eq!(log["fromAgent"]["id"], me);
    assert_eq!(log["toQueue"]["id"], gid(NodeKind::Queue, other.id));

    // A conversation without a queue is reopened into the tenant's oldest queue.
    let unqueued = conversation_of(&server, &token, requester.id, "No queue", "Hi").await;
    let conv_id = id_of(&json!(unqueued));
    let row = entity::conversation::Entity::find_by_id(conv_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.queue_id.is_none(), "created without a queue");
    for mutation in ["closeConversation", "reopenConversation"] {
        let reply = server
            .post(
                Some(&token),
                &format!("mutation($id: ID!) {{ {mutation}(input: {{conversationId: $id}}) {{ userErrors {{ code }} }} }}"),
                json!({ "id": unqueued }),
            )
            .await;
        assert_eq!(payload(&reply, mutation)["userErrors"], json!([]));
    }
    let reply = server
        .post(Some(&token), STATE, json!({ "id": unqueued }))
        .await;
    assert_eq!(
        reply.data()["node"]["queue"]["id"],
        gid(NodeKind::Queue, oldest.id)
    );
    assert!(reply.data()["node"]["queuedAt"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_attribute_given_without_a_value_is_cleared() {
    let server = TestServer::start(1, 2).await;
    let db = &server.db;
    let token = server.token().await;
    let definition = entity::custom_attribute_definition::Entity::find()
        .filter(entity::custom_attribute_definition::Column::TenantId.eq("tenant-1"))
        .filter(entity::custom_attribute_definition::Column::Identifier.eq("order_id"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let requester = a_contact(db).await;
    let id = conversation_of(&server, &token, requester.id, "Attributes", "Hi").await;
    const SET: &str = "mutation($input: SetCustomAttributesInput!) { setCustomAttributes(input: $input) { conversation { customAttributes { text } } userErrors { code } } }";
    let definition_id = gid(NodeKind::CustomAttributeDefinition, definition.id);
    let set = json!({ "conversationId": id, "values": [{ "definitionId": definition_id, "text": "ORD-9" }] });
    let reply = server
        .post(Some(&token), SET, json!({ "input": set }))
        .await;
    let p = payload(&reply, "setCustomAttributes");
    assert_eq!(
        p["conversation"]["customAttributes"],
        json!([{ "text": "ORD-9" }])
    );
    let omitted = json!({ "conversationId": id, "values": [{ "definitionId": definition_id }] });
    let reply = server
        .post(Some(&token), SET, json!({ "input": omitted }))
        .await;
    let p = payload(&reply, "setCustomAttributes");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["conversation"]["customAttributes"], json!([]));
    assert!(
        entries(db, "tenant-1", ActivityType::AttributesChanged)
            .await
            .len()
            >= 2
    );
}

const CAN: &str = "query($id: ID!) { node(id: $id) { ... on Conversation { state viewerCanClaim viewerCanTakeOver viewerCanClose viewerCanReopen viewerCanUpdate viewerCanAnnotate viewerCanAnonymize tickets { nodes { viewerCanUpdate viewerCanDelete } } } } }";

async fn can(server: &TestServer, token: &str, id: &str) -> Value {
    let reply = server.post(Some(token), CAN, json!({ "id": id })).await;
    reply.data()["node"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn viewer_can_fields_follow_the_scopes_and_the_state() {
    let server = TestServer::start(1, 2).await;
    let db = &server.db;
    let token = server.token().await;
    let reader = server
        .token_for("tenant-1", "conversation:read ticket:read")
        .await;
    let requester = a_contact(db).await;
    let id = conversation_of(&server, &token, requester.id, "Buttons", "Hi").await;
    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!) { createTicket(input: {conversationId: $id, originalText: \"Broken\"}) { userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(payload(&reply, "createTicket")["userErrors"], json!([]));

    let open = can(&server, &token, &id).await;
    assert_eq!(
        open,
        json!({ "state": "OPEN", "viewerCanClaim": true, "viewerCanTakeOver": false,
                "viewerCanClose": true, "viewerCanReopen": false, "viewerCanUpdate": true,
                "viewerCanAnnotate": true, "viewerCanAnonymize": true,
                "tickets": { "nodes": [{ "viewerCanUpdate": true, "viewerCanDelete": true }] } })
    );
    let read_only = can(&server, &reader, &id).await;
    for field in [
        "viewerCanClaim",
        "viewerCanClose",
        "viewerCanUpdate",
        "viewerCanAnnotate",
    ] {
        assert_eq!(read_only[field], false, "{field}");
    }
    assert_eq!(read_only["tickets"]["nodes"][0]["viewerCanDelete"], false);

    // Another agent's conversation can be taken over, not claimed.
    let other = agent::Entity::find()
        .filter(agent::Column::TenantId.eq("tenant-1"))
        .order_by_desc(agent::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!, $a: ID!) { claimConversation(input: {conversationId: $id, agentId: $a}) { userErrors { code } } }",
            json!({ "id": id, "a": gid(NodeKind::Agent, other.id) }),
        )
        .await;
    assert_eq!(
        payload(&reply, "claimConversation")["userErrors"],
        json!([])
    );
    let theirs = can(&server, &token, &id).await;
    assert_eq!(
        (
            theirs["viewerCanClaim"].clone(),
            theirs["viewerCanTakeOver"].clone()
        ),
        (json!(false), json!(true))
    );

    // What a button promises, the mutation does: closing, then only reopening.
    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!) { closeConversation(input: {conversationId: $id}) { userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        payload(&reply, "closeConversation")["userErrors"],
        json!([])
    );
    let closed = can(&server, &token, &id).await;
    assert_eq!(closed["viewerCanReopen"], true);
    for field in [
        "viewerCanClaim",
        "viewerCanTakeOver",
        "viewerCanClose",
        "viewerCanUpdate",
    ] {
        assert_eq!(closed[field], false, "{field}");
    }
    assert_eq!(closed["viewerCanAnnotate"], true);
}

const RATINGS: &str = "query($filter: RatingFilter, $first: Int, $after: String) { ratings(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id score status } } }";

#[tokio::test(flavor = "multi_thread")]
async fn ratings_are_listed_tenant_wide_with_filters() {
    let server = TestServer::start(2, 40).await;
    let db = &server.db;
    let token = server.token().await;
    let of_tenant =
        || entity::rating::Entity::find().filter(entity::rating::Column::TenantId.eq("tenant-1"));
    let total = of_tenant().count(db).await.unwrap() as i64;
    assert!(total > 3, "the seed has ratings");
    let list = |filter: Value| {
        let server = &server;
        let token = &token;
        async move {
            let reply = server
                .post(
                    Some(token),
                    RATINGS,
                    json!({ "filter": filter, "first": 100 }),
                )
                .await;
            reply.data()["ratings"].clone()
        }
    };
    assert_eq!(list(json!(null)).await["totalCount"], total);
    let good = of_tenant()
        .filter(entity::rating::Column::Score.gte(4))
        .count(db)
        .await
        .unwrap() as i64;
    let page = list(json!({ "minScore": 4, "statuses": ["SUBMITTED"] })).await;
    assert_eq!(page["totalCount"], good);
    assert!(
        page["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["score"].as_i64() >= Some(4))
    );
    let offered = of_tenant()
        .filter(entity::rating::Column::Status.eq(entity::enums::RatingStatus::Offered))
        .count(db)
        .await
        .unwrap() as i64;
    assert_eq!(
        list(json!({ "statuses": ["OFFERED"] })).await["totalCount"],
        offered
    );
    let one = of_tenant().one(db).await.unwrap().unwrap();
    if let Some(agent) = one.agent_id {
        let theirs = of_tenant()
            .filter(entity::rating::Column::AgentId.eq(agent))
            .count(db)
            .await
            .unwrap() as i64;
        let filter = json!({ "agentIds": [gid(NodeKind::Agent, agent)] });
        assert_eq!(list(filter).await["totalCount"], theirs);
    }
    assert_eq!(
        list(json!({ "offeredFrom": "2999-01-01T00:00:00Z" })).await["totalCount"],
        0
    );

    // Pages walk every rating once, newest first.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let reply = server
            .post(Some(&token), RATINGS, json!({ "first": 3, "after": after }))
            .await;
        let page = &reply.data()["ratings"];
        seen.extend(
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len() as i64, total);

    // One by ID; another tenant's is not found; a bad range is refused.
    let reply = server
        .post(
            Some(&token),
            "query($id: ID!) { rating(id: $id) { id } }",
            json!({ "id": gid(NodeKind::Rating, one.id) }),
        )
        .await;
    assert_eq!(reply.data()["rating"]["id"], gid(NodeKind::Rating, one.id));
    let theirs = entity::rating::Entity::find()
        .filter(entity::rating::Column::TenantId.eq("tenant-2"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let reply = server
        .post(
            Some(&token),
            "query($id: ID!) { rating(id: $id) { id } }",
            json!({ "id": gid(NodeKind::Rating, theirs.id) }),
        )
        .await;
    assert!(reply.data()["rating"].is_null());
    let reply = server
        .post(
            Some(&token),
            RATINGS,
            json!({ "filter": { "minScore": 5, "maxScore": 1 } }),
        )
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
    let tickets_only = server.token_for("tenant-1", "ticket:read").await;
    let reply = server.post(Some(&tickets_only), RATINGS, json!({})).await;
    assert_eq!(reply.code(), "FORBIDDEN");
}

const FIND: &str = "query($q: String!, $filter: ConversationFilter) { searchConversations(query: $q, filter: $filter) { totalCount edges { innerHits { field highlights message { id text } } node { id state } } } }";

#[tokio::test(flavor = "multi_thread")]
async fn conversation_search_is_filtered_and_says_which_messages_matched() {
    let server = TestServer::start(1, 2).await;
    let db = &server.db;
    let token = server.token().await;
    let requester = a_contact(db).await;
    let open = conversation_of(
        &server,
        &token,
        requester.id,
        "Echidna delivery",
        "Where is my echidna?",
    )
    .await;
    let closed = conversation_of(
        &server,
        &token,
        requester.id,
        "Question",
        "The echidna arrived broken",
    )
    .await;
    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!) { closeConversation(input: {conversationId: $id}) { userErrors { code } } }",
            json!({ "id": closed }),
        )
        .await;
    assert_eq!(
        payload(&reply, "closeConversation")["userErrors"],
        json!([])
    );

    let find = |filter: Value| {
        let (server, token) = (&server, &token);
        async move {
            let reply = server
                .post(
                    Some(token),
                    FIND,
                    json!({ "q": "echidna", "filter": filter }),
                )
                .await;
            reply.data()["searchConversations"].clone()
        }
    };
    let all = find(json!(null)).await;
    assert_eq!(all["totalCount"], 2);
    let only_closed = find(json!({ "states": ["CLOSED"] })).await;
    assert_eq!(only_closed["totalCount"], 1);
    let edge = &only_closed["edges"][0];
    assert_eq!(edge["node"]["id"], json!(closed));
    assert_eq!(
        edge["innerHits"],
        json!([{ "field": "MESSAGE", "highlights": ["The <em>echidna</em> arrived broken"],
                 "message": edge["innerHits"][0]["message"].clone() }])
    );
    assert_eq!(
        edge["innerHits"][0]["message"]["text"],
        "The echidna arrived broken"
    );
    let open_hit = find(json!({ "states": ["OPEN"] })).await;
    assert_eq!(open_hit["edges"][0]["node"]["id"], json!(open));
    let fields: Vec<&Value> = open_hit["edges"][0]["innerHits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["field"])
        .collect();
    assert_eq!(fields, [&json!("SUBJECT"), &json!("MESSAGE")]);
    let none = find(json!({ "createdBefore": "2000-01-01T00:00:00Z" })).await;
    assert_eq!(none["totalCount"], 0);
    let bad = server
        .post(
            Some(&token),
            FIND,
            json!({ "q": "echidna", "filter": { "assigneeIds": ["nope"] } }),
        )
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");

    // Tickets say which of their texts matched.
    let reply = server
        .post(
            Some(&token),
            "mutation($id: ID!) { createTicket(input: {conversationId: $id, originalText: \"Hello team, the echidna is lost. Regards, Jo\"}) { userErrors { code } } }",
            json!({ "id": open }),
        )
        .await;
    assert_eq!(payload(&reply, "createTicket")["userErrors"], json!([]));
    let reply = server
        .post(
            Some(&token),
            "{ searchTickets(query: \"echidna\") { edges { innerHits { field message { id } } } } }",
            json!({}),
        )
        .await;
    let inner = &reply.data()["searchTickets"]["edges"][0]["innerHits"];
    let fields: Vec<&Value> = inner
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["field"])
        .collect();
    assert!(fields.contains(&&json!("ORIGINAL_TEXT")), "{inner}");
    assert!(
        inner
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["message"].is_null())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_names_its_requester_to_a_ticket_reader() {
    let server = TestServer::start(1, 20).await;
    let db = &server.db;
    let reader = server.token_for("tenant-1", "ticket:read").await;
    let linked = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-1"))
        .filter(ticket::Column::ConversationId.is_not_null())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let conv = entity::conversation::Entity::find_by_id(linked.conversation_id.unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let reply = server
        .post(
            Some(&reader),
            "query($id: ID!) { ticket(id: $id) { requester { id email } } }",
            json!({ "id": gid(NodeKind::Ticket, linked.id) }),
        )
        .await;
    let expected = conv.requester_id.map(|r| gid(NodeKind::Contact, r));
    assert_eq!(
        reply.data()["ticket"]["requester"]["id"],
        json!(expected),
        "{:#}",
        reply.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_language_is_detected_and_sentiment_is_scored_only_in_english() {
    let server = TestServer::start(1, 2).await;
    let db = &server.db;
    let token = server.token().await;
    let requester = a_contact(db).await;
    let id = conversation_of(
        &server,
        &token,
        requester.id,
        "Languages",
        "Thanks, that solved my problem completely!",
    )
    .await;
    const ADD: &str = "mutation($input: AddMessageInput!) { addMessage(input: $input) { message { language languageConfidence sentiment } userErrors { code } } }";
    let add = |text: &'static str, language: Option<&'static str>| {
        let (server, token, id) = (&server, &token, id.clone());
        async move {
            let input =
                json!({ "conversationId": id, "text": text, "role": "USER", "language": language });
            let reply = server
                .post(Some(token), ADD, json!({ "input": input }))
                .await;
            payload(&reply, "addMessage")["message"].clone()
        }
    };
    let fr = add(
        "Bonjour, mon colis n'est jamais arrivé et personne ne répond à mes messages.",
        None,
    )
    .await;
    assert_eq!(fr["language"], "fr");
    assert!(fr["languageConfidence"].as_f64().unwrap() > 0.3, "{fr}");
    assert!(
        fr["sentiment"].is_null(),
        "not 0: the model reads English only"
    );
    let en = add(
        "Thank you so much, the replacement arrived and works great!",
        None,
    )
    .await;
    assert_eq!(en["language"], "en");
    assert!(en["sentiment"].as_f64().unwrap() > 0.3, "{en}");
    let given = add(
        "Danke schön, das Paket ist angekommen und alles funktioniert.",
        Some("de-AT"),
    )
    .await;
    assert_eq!(given["language"], "de-AT");
    assert!(
        given["languageConfidence"].is_null(),
        "the client's word, not a detection"
    );
    assert!(given["sentiment"].is_null());
    // The first message of createConversation goes through the same rule.
    let reply = server
        .post(Some(&token), "query($id: ID!) { node(id: $id) { ... on Conversation { messages(first: 1) { nodes { language languageConfidence sentiment } } } } }", json!({ "id": id }))
        .await;
    let first = &reply.data()["node"]["messages"]["nodes"][0];
    assert_eq!(first["language"], "en");
    assert!(
        first["languageConfidence"].is_number() && first["sentiment"].is_number(),
        "{first}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tickets_take_ai_fields_on_create_and_a_tag_set_on_update() {
    let server = TestServer::start(1, 3).await;
    let db = &server.db;
    let token = server.token().await;
    let tags = entity::tag::Entity::find()
        .filter(entity::tag::Column::TenantId.eq("tenant-1"))
        .filter(entity::tag::Column::State.eq(entity::enums::TagState::Active))
        .order_by_asc(entity::tag::Column::Id)
        .all(db)
        .await
        .unwrap();
    let (a, b) = (
        gid(NodeKind::Tag, tags[0].id),
        gid(NodeKind::Tag, tags[1].id),
    );
    let count = |id: i64| async move {
        entity::tag::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .tickets_count
    };
    let (count_a, count_b) = (count(tags[0].id).await, count(tags[1].id).await);
    const FIELDS: &str = "ticket { id aiResolved escalationReason tags { edges { salience node { id } } } } userErrors { field code }";
    let reply = server
        .post(
            Some(&token),
            &format!("mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{ {FIELDS} }} }}"),
            json!({ "input": { "originalText": "The bot could not help", "aiResolved": true,
                               "escalationReason": "customer asked for a human",
                               "tags": [{ "tagId": a }, { "tagId": b }] } }),
        )
        .await;
    let t = &payload(&reply, "createTicket")["ticket"];
    assert_eq!(t["aiResolved"], true);
    assert_eq!(t["escalationReason"], "customer asked for a human");
    assert_eq!(t["tags"]["edges"].as_array().unwrap().len(), 2);
    let id = t["id"].clone();
    assert_eq!(
        (count(tags[0].id).await, count(tags[1].id).await),
        (count_a + 1, count_b + 1)
    );

    const UPDATE: &str = "mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { ticket { tags { edges { salience node { id } } } } userErrors { field code } } }";
    let reply = server
        .post(
            Some(&token),
            UPDATE,
            json!({ "input": { "ticketId": id, "tags": [{ "tagId": a, "salience": 0.9 }] } }),
        )
        .await;
    let p = payload(&reply, "updateTicket");
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(
        p["ticket"]["tags"]["edges"],
        json!([{ "salience": 0.9, "node": { "id": a } }])
    );
    assert_eq!(
        (count(tags[0].id).await, count(tags[1].id).await),
        (count_a + 1, count_b)
    );
    // A bad tag refuses the whole change.
    let reply = server
        .post(
            Some(&token),
            UPDATE,
            json!({ "input": { "ticketId": id, "tags": [{ "tagId": b }, { "tagId": b }] } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "updateTicket")["userErrors"][0]["field"],
        json!(["input", "tags", "0", "tagId"])
    );
    let reply = server
        .post(
            Some(&token),
            UPDATE,
            json!({ "input": { "ticketId": id, "tags": [] } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "updateTicket")["ticket"]["tags"]["edges"],
        json!([])
    );
    assert_eq!(
        (count(tags[0].id).await, count(tags[1].id).await),
        (count_a, count_b)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_tag_sets_on_one_ticket_keep_tag_counts_true() {
    let server = TestServer::start(1, 3).await;
    let db = &server.db;
    let token = server.token().await;
    let tags = entity::tag::Entity::find()
        .filter(entity::tag::Column::TenantId.eq("tenant-1"))
        .filter(entity::tag::Column::State.eq(entity::enums::TagState::Active))
        .order_by_asc(entity::tag::Column::Id)
        .all(db)
        .await
        .unwrap();
    let ticket = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    const UPDATE: &str = "mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { userErrors { code } } }";
    let requests = (0..8).map(|i| {
        let chosen: Vec<Value> = tags
            .iter()
            .skip(i % 3)
            .take(1 + i % 4)
            .map(|t| json!({ "tagId": gid(NodeKind::Tag, t.id) }))
            .collect();
        let input =
            json!({ "input": { "ticketId": gid(NodeKind::Ticket, ticket.id), "tags": chosen } });
        let (server, token) = (&server, &token);
        async move { server.post(Some(token), UPDATE, input).await }
    });
    for reply in futures_util::future::join_all(requests).await {
        assert_eq!(
            payload(&reply, "updateTicket")["userErrors"],
            json!([]),
            "{:#}",
            reply.body
        );
    }
    for tag in entity::tag::Entity::find()
        .filter(entity::tag::Column::TenantId.eq("tenant-1"))
        .all(db)
        .await
        .unwrap()
    {
        let links = entity::ticket_tag::Entity::find()
            .filter(entity::ticket_tag::Column::TagId.eq(tag.id))
            .count(db)
            .await
            .unwrap() as i64;
        assert_eq!(tag.tickets_count, links, "tag {}", tag.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_closes_and_reopens_on_behalf_of_an_agent() {
    let server = TestServer::start(2, 2).await;
    let db = &server.db;
    let admin = server.token().await;
    let writer = server
        .token_for("tenant-1", "conversation:read conversation:write")
        .await;
    let requester = a_contact(db).await;
    let id = conversation_of(&server, &admin, requester.id, "On behalf", "Hi").await;
    let agent = agent::Entity::find()
        .filter(agent::Column::TenantId.eq("tenant-1"))
        .order_by_desc(agent::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let stranger = agent::Entity::find()
        .filter(agent::Column::TenantId.eq("tenant-2"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    const CLOSE: &str = "mutation($id: ID!, $for: ID) { closeConversation(input: {conversationId: $id, onBehalfOf: $for}) { conversation { state activity(first: 1) { nodes { type actor { id } } } } userErrors { code } } }";
    let reply = server
        .post(
            Some(&writer),
            CLOSE,
            json!({ "id": id, "for": gid(NodeKind::Agent, agent.id) }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    let reply = server
        .post(
            Some(&admin),
            CLOSE,
            json!({ "id": id, "for": gid(NodeKind::Agent, stranger.id) }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
    let reply = server
        .post(
            Some(&admin),
            CLOSE,
            json!({ "id": id, "for": gid(NodeKind::Agent, agent.id) }),
        )
        .await;
    let c = &payload(&reply, "closeConversation")["conversation"];
    assert_eq!(c["state"], "CLOSED");
    assert_eq!(
        c["activity"]["nodes"][0],
        json!({ "type": "CLOSED", "actor": { "id": gid(NodeKind::Agent, agent.id) } })
    );
    let reply = server
        .post(
            Some(&admin),
            "mutation($id: ID!, $for: ID) { reopenConversation(input: {conversationId: $id, onBehalfOf: $for}) { conversation { activity(first: 1) { nodes { type actor { id } } } } } }",
            json!({ "id": id, "for": gid(NodeKind::Agent, agent.id) }),
        )
        .await;
    let log = &payload(&reply, "reopenConversation")["conversation"]["activity"]["nodes"][0];
    assert_eq!(log["actor"]["id"], gid(NodeKind::Agent, agent.id));
}
