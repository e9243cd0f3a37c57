//! A payload's new edge carries the cursor its list gives the same node, so a client
//! can insert it into a cached page and page on from it.

use entity::{contact, tag};
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{TestServer, gid};

/// The cursor of node `id` among `edges`.
fn cursor_of(edges: &Value, id: &Value) -> Value {
    edges
        .as_array()
        .unwrap()
        .iter()
        .find(|e| &e["node"]["id"] == id)
        .map(|e| e["cursor"].clone())
        .unwrap_or_else(|| panic!("{id} is not in {edges}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_payload_edge_has_the_cursor_of_its_list() {
    let server = TestServer::start(1, 3).await;
    let db = &server.db;
    let token = server.token().await;
    let post = |query: &'static str, variables: Value| {
        let (server, token) = (&server, &token);
        async move {
            let reply = server.post(Some(token), query, variables).await;
            assert!(reply.body["errors"].is_null(), "{:#}", reply.body);
            reply.data().clone()
        }
    };
    let requester = contact::Entity::find()
        .filter(contact::Column::TenantId.eq("tenant-1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();

    let created = post(
        "mutation($r: ID!) { createConversation(input: {subject: \"Cursors\", requesterId: $r}) { conversationEdge { cursor node { id } } } }",
        json!({ "r": gid(NodeKind::Contact, requester.id) }),
    )
    .await;
    let edge = &created["createConversation"]["conversationEdge"];
    let id = edge["node"]["id"].clone();
    let list = post(
        "{ conversations(first: 5) { edges { cursor node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        edge["cursor"],
        cursor_of(&list["conversations"]["edges"], &id)
    );

    const CONV: &str = "query($id: ID!) { node(id: $id) { ... on Conversation { messages(last: 5) { edges { cursor node { id } } } notes { edges { cursor node { id } } } ratings { edges { cursor node { id } } } tags { edges { cursor node { id } } } } } }";
    let message = post(
        "mutation($c: ID!) { addMessage(input: {conversationId: $c, text: \"Hello\"}) { messageEdge { cursor node { id } } } }",
        json!({ "c": id }),
    )
    .await;
    let note = post(
        "mutation($c: ID!) { addNote(input: {conversationId: $c, body: \"Internal\"}) { noteEdge { cursor node { id } } } }",
        json!({ "c": id }),
    )
    .await;
    let rating = post(
        "mutation($c: ID!) { offerRating(input: {conversationId: $c, ratingType: CSAT}) { ratingEdge { cursor node { id } } } }",
        json!({ "c": id }),
    )
    .await;
    let active = tag::Entity::find()
        .filter(tag::Column::TenantId.eq("tenant-1"))
        .filter(tag::Column::State.eq(entity::enums::TagState::Active))
        .order_by_asc(tag::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let tagged = post(
        "mutation($c: ID!, $t: ID!) { tagConversation(input: {conversationId: $c, tagId: $t}) { tagEdge { cursor node { id } } } }",
        json!({ "c": id, "t": gid(NodeKind::Tag, active.id) }),
    )
    .await;
    let lists = post(CONV, json!({ "id": id })).await;
    let node = &lists["node"];
    for (payload, edge, list) in [
        (&message, "addMessage.messageEdge", "messages"),
        (&note, "addNote.noteEdge", "notes"),
        (&rating, "offerRating.ratingEdge", "ratings"),
        (&tagged, "tagConversation.tagEdge", "tags"),
    ] {
        let (root, field) = edge.split_once('.').unwrap();
        let e = &payload[root][field];
        assert_eq!(
            e["cursor"],
            cursor_of(&node[list]["edges"], &e["node"]["id"]),
            "{edge}"
        );
    }

    let ticket = post(
        "mutation($c: ID!, $t: ID!) { createTicket(input: {conversationId: $c, originalText: \"Broken\", tags: [{tagId: $t}]}) { ticket { id tags { edges { cursor node { id } } } } ticketEdge { cursor node { id } } } }",
        json!({ "c": id, "t": gid(NodeKind::Tag, active.id) }),
    )
    .await;
    let edge = &ticket["createTicket"]["ticketEdge"];
    let list = post(
        "{ tickets(first: 5) { edges { cursor node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        edge["cursor"],
        cursor_of(&list["tickets"]["edges"], &edge["node"]["id"])
    );
    let other = tag::Entity::find()
        .filter(tag::Column::TenantId.eq("tenant-1"))
        .filter(tag::Column::State.eq(entity::enums::TagState::Active))
        .order_by_desc(tag::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let linked = post(
        "mutation($k: ID!, $t: ID!) { addTagToTicket(input: {ticketId: $k, tagId: $t}) { tagEdge { cursor node { id } } } }",
        json!({ "k": edge["node"]["id"], "t": gid(NodeKind::Tag, other.id) }),
    )
    .await;
    let tags = post(
        "query($id: ID!) { ticket(id: $id) { tags { edges { cursor node { id } } } } }",
        json!({ "id": edge["node"]["id"] }),
    )
    .await;
    let e = &linked["addTagToTicket"]["tagEdge"];
    assert_eq!(
        e["cursor"],
        cursor_of(&tags["ticket"]["tags"]["edges"], &e["node"]["id"])
    );

    let new_tag = post("mutation { createTag(input: {name: \"aaa first of all\"}) { tagEdge { cursor node { id } } } }", json!({})).await;
    let e = &new_tag["createTag"]["tagEdge"];
    let list = post(
        "{ tags(first: 5) { edges { cursor node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        e["cursor"],
        cursor_of(&list["tags"]["edges"], &e["node"]["id"])
    );
}
