//! One tenant never sees another's data: not through lookups, lists, filters or
//! nested relations.

use entity::*;
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestServer, gid, ids_in, tenant_of};

/// A few ids of every kind owned by `tenant`.
async fn ids_of(server: &TestServer, tenant: &str) -> Vec<String> {
    let db = &server.db;
    macro_rules! some {
        ($table:ident, $kind:ident) => {
            $table::Entity::find()
                .filter($table::Column::TenantId.eq(tenant))
                .all(db)
                .await
                .unwrap()
                .into_iter()
                .take(3)
                .map(|row| gid(NodeKind::$kind, row.id))
                .collect::<Vec<_>>()
        };
    }
    let mut ids = Vec::new();
    ids.extend(some!(conversation, Conversation));
    ids.extend(some!(message, Message));
    ids.extend(some!(ticket, Ticket));
    ids.extend(some!(tag, Tag));
    ids.extend(some!(note, Note));
    ids.extend(some!(rating, Rating));
    ids.extend(some!(activity, Activity));
    ids.extend(some!(agent, Agent));
    ids.extend(some!(contact, Contact));
    ids.extend(some!(queue, Queue));
    ids.extend(some!(
        custom_attribute_definition,
        CustomAttributeDefinition
    ));
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn another_tenants_ids_are_not_found() {
    let server = TestServer::start(2, 25).await;
    let token = server.token().await;
    let foreign = ids_of(&server, "tenant-2").await;
    assert!(foreign.len() >= 30);
    for id in &foreign {
        let reply = server
            .post(
                Some(&token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(
            reply.data()["node"].is_null(),
            "node({id}) of tenant-2 is not found"
        );
    }
    let reply = server
        .post(
            Some(&token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": foreign[..30] }),
        )
        .await;
    assert!(
        reply.data()["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_null)
    );
    let lookups = [
        (
            "conversation",
            "query($id: ID!) { x: conversation(id: $id) { id } }",
        ),
        ("ticket", "query($id: ID!) { x: ticket(id: $id) { id } }"),
        ("tag", "query($id: ID!) { x: tag(id: $id) { id } }"),
    ];
    for id in &foreign {
        for (name, query) in lookups {
            let reply = server.post(Some(&token), query, json!({ "id": id })).await;
            assert!(reply.data()["x"].is_null(), "{name}({id})");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lookups_by_number_name_and_external_id_stay_in_the_tenant() {
    let server = TestServer::start(2, 25).await;
    let token = server.token().await;
    let tag = tag::Entity::find()
        .filter(tag::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let ticket = ticket::Entity::find()
        .filter(ticket::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let query = r#"query($tag: String!, $ticketExt: String!) {
      a: conversationByNumber(number: 1) { id }
      b: conversationByExternalId(externalId: "ext-1") { id }
      c: tagByName(name: $tag) { id }
      d: ticketByExternalId(externalId: $ticketExt) { id }
      e: ticketByNumber(number: 1) { id }
    }"#;
    let vars = json!({ "tag": tag.name.to_uppercase(), "ticketExt": ticket.external_id.clone().unwrap_or_default() });
    let reply = server.post(Some(&token), query, vars).await;
    let mut ids = Vec::new();
    ids_in(reply.data(), &mut ids);
    assert!(
        ids.len() >= 3,
        "tenant-1 has its own conversation 1, ext-1 and the same tag name: {:#}",
        reply.body
    );
    for id in ids {
        assert_eq!(
            tenant_of(&server.db, &id).await.as_deref(),
            Some("tenant-1"),
            "{id}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_nested_relation_stays_in_the_tenant() {
    let server = TestServer::start(2, 25).await;
    for tenant in ["tenant-1", "tenant-2"] {
        let token = server.token_for(tenant, crate::common::ALL_SCOPES).await;
        let reply = server
            .post(Some(&token), crate::queries::EVERYTHING, json!({}))
            .await;
        let mut ids = Vec::new();
        ids_in(reply.data(), &mut ids);
        assert!(
            ids.len() > 200,
            "{tenant}: the query reaches many objects ({})",
            ids.len()
        );
        for id in ids {
            assert_eq!(
                tenant_of(&server.db, &id).await.as_deref(),
                Some(tenant),
                "{id}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_with_foreign_ids_match_nothing() {
    let server = TestServer::start(2, 25).await;
    let token = server.token().await;
    let db = &server.db;
    let agent = agent::Entity::find()
        .filter(agent::Column::TenantId.eq("tenant-2"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let tag = tag::Entity::find()
        .filter(tag::Column::TenantId.eq("tenant-2"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let queue = queue::Entity::find()
        .filter(queue::Column::TenantId.eq("tenant-2"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let conv = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-2"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let query = r#"query($agent: ID!, $tag: ID!, $queue: ID!, $conv: ID!) {
      a: conversations(filter: { assigneeIds: [$agent] }) { totalCount nodes { id } }
      b: conversations(filter: { tagIds: [$tag] }) { totalCount }
      c: conversations(filter: { queueIds: [$queue] }) { totalCount }
      d: tickets(filter: { conversationId: $conv }) { totalCount }
      e: tickets(filter: { tagIds: [$tag] }) { totalCount }
    }"#;
    let vars = json!({
        "agent": gid(NodeKind::Agent, agent.id),
        "tag": gid(NodeKind::Tag, tag.id),
        "queue": gid(NodeKind::Queue, queue.id),
        "conv": gid(NodeKind::Conversation, conv.id),
    });
    let reply = server.post(Some(&token), query, vars).await;
    for key in ["a", "b", "c", "d", "e"] {
        assert_eq!(
            reply.data()[key]["totalCount"],
            0,
            "{key}: {:#}",
            reply.body
        );
    }
}
