//! No N+1: the number of SQL statements of a request does not grow with its page size.

use serde_json::json;

use crate::common::TestServer;

const INBOX: &str = r#"query Inbox($first: Int!) {
  conversations(first: $first, filter: { states: [OPEN, PENDING, CLOSED] }) {
    nodes {
      number subject state updatedAt
      assignee { name }
      queue { name }
      requester { email }
      tags { nodes { name } }
      lastMessage { text createdAt }
      messages(first: 5) { totalCount nodes { role text createdAt } }
    }
  }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn inbox_costs_the_same_statements_for_5_50_and_100_conversations() {
    let server = TestServer::start(2, 120).await;
    let token = server.token().await;
    let mut counts = Vec::new();
    for first in [5, 50, 100] {
        let reply = server
            .post(Some(&token), INBOX, json!({ "first": first }))
            .await;
        let nodes = reply.data()["conversations"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), first);
        assert!(
            nodes
                .iter()
                .any(|n| !n["messages"]["nodes"].as_array().unwrap().is_empty())
        );
        counts.push(reply.statements());
    }
    assert!(
        counts.windows(2).all(|w| w[0] == w[1]),
        "statements per page size 5/50/100: {counts:?}"
    );
    // The page (assignee, queue, requester and last message joined into it), tag
    // links, tags, messages, message counts.
    assert_eq!(counts[0], 5, "statements");
}

#[tokio::test(flavor = "multi_thread")]
async fn detail_costs_a_fixed_number_of_statements() {
    let server = TestServer::start(1, 40).await;
    let token = server.token().await;
    let query = r#"query($first: Int!) { conversations(first: $first) { nodes {
        messages(first: 20) { nodes { direction role text sentiment createdAt } }
        notes { nodes { body author { name } } }
        ratings { nodes { score ratingType } }
        tickets { nodes { status tags { edges { salience sentiment node { name } } } } }
        activity(first: 5) { nodes { type actor { name } } }
        customAttributes { text values definition { identifier } }
    } } }"#;
    // Pages big enough that every relation has rows: the count then depends only on the query.
    let small = server
        .post(Some(&token), query, json!({ "first": 10 }))
        .await;
    let large = server
        .post(Some(&token), query, json!({ "first": 40 }))
        .await;
    large.data();
    assert_eq!(small.statements(), large.statements());
    // The page, messages, notes, note authors, ratings, tickets, ticket tag links, tags,
    // activity, activity actors and attribute values, plus their definitions.
    assert!(
        large.statements() <= 12,
        "statements: {}",
        large.statements()
    );
}

/// The inbox's to-one relations, read with its page (joins), answer exactly as the
/// same conversations read one by one through `nodes` (the loader), for every order
/// and filter the inbox uses, and in both directions of paging.
#[tokio::test(flavor = "multi_thread")]
async fn joined_relations_answer_as_loaded_ones() {
    let server = TestServer::start(2, 80).await;
    let token = server.token().await;
    let fields = "id number assignee { id name email } queue { id name } requester { id email firstName } lastMessage { id text createdAt role }";
    for args in [
        "first: 30",
        "last: 30",
        "first: 30, filter: { states: [OPEN] }",
        "first: 30, orderBy: { field: CREATED_AT, direction: ASC }",
        "first: 30, filter: { unassigned: true }",
    ] {
        let list = format!(
            "{{ conversations({args}) {{ nodes {{ {fields} }} edges {{ node {{ {fields} }} }} }} }}"
        );
        let reply = server.post(Some(&token), &list, json!({})).await;
        let listed = reply.data()["conversations"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        let edges: Vec<_> = reply.data()["conversations"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        assert_eq!(listed, edges, "{args}");
        let ids: Vec<_> = listed.iter().map(|n| n["id"].clone()).collect();
        let nodes = format!(
            "query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Conversation {{ {fields} }} }} }}"
        );
        let reply = server
            .post(Some(&token), &nodes, json!({ "ids": ids }))
            .await;
        assert_eq!(reply.data()["nodes"].as_array().unwrap(), &listed, "{args}");
        assert!(
            listed.iter().any(|n| !n["assignee"].is_null()) || args.contains("unassigned"),
            "{args}: some assignees"
        );
    }
    // The second page, after a cursor (its keyset condition names joined tables' columns too).
    let page = format!(
        "query($after: String) {{ conversations(first: 20, after: $after) {{ pageInfo {{ endCursor }} nodes {{ {fields} }} }} }}"
    );
    let first = server
        .post(Some(&token), &page, json!({ "after": null }))
        .await;
    let cursor = first.data()["conversations"]["pageInfo"]["endCursor"].clone();
    let second = server
        .post(Some(&token), &page, json!({ "after": cursor }))
        .await;
    let listed = second.data()["conversations"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(listed.len(), 20);
    let ids: Vec<_> = listed.iter().map(|n| n["id"].clone()).collect();
    let nodes = format!(
        "query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Conversation {{ {fields} }} }} }}"
    );
    let reply = server
        .post(Some(&token), &nodes, json!({ "ids": ids }))
        .await;
    assert_eq!(reply.data()["nodes"].as_array().unwrap(), &listed);
}
