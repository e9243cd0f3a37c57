//! No N+1: the number of SQL statements of a request does not grow with its page size.
//! These run without compiled plans, which answer such queries in one statement per
//! root field (`plans.rs`): what is counted here is the resolvers' own path (loaders,
//! joins), which every query a plan cannot answer still takes.

use serde_json::{Value, json};

use crate::common::{Config, TestServer};

/// A gateway whose every query goes through the resolvers.
async fn resolving(tenants: u32, conversations: u32) -> TestServer {
    let mut config = Config::default();
    config.options.caches.compiled_plans = false;
    TestServer::builder()
        .tenants(tenants)
        .conversations(conversations)
        .config(config)
        .start()
        .await
}

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
    let server = resolving(2, 120).await;
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
    // links with their tags, messages, message counts.
    assert_eq!(counts[0], 4, "statements");
}

#[tokio::test(flavor = "multi_thread")]
async fn detail_costs_a_fixed_number_of_statements() {
    let server = resolving(1, 40).await;
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
    // The page, messages, notes, note authors, ratings, tickets, ticket tag links with
    // their tags, activity, activity actors and attribute values, plus their definitions.
    assert!(
        large.statements() <= 11,
        "statements: {}",
        large.statements()
    );
}

/// The inbox's to-one relations, read with its page (joins), answer exactly as the
/// same conversations read one by one through `nodes` (the loader), for every order
/// and filter the inbox uses, in both directions of paging and after a cursor (whose
/// keyset condition must name the conversations' columns, not the joined ones).
#[tokio::test(flavor = "multi_thread")]
async fn joined_relations_answer_as_loaded_ones() {
    const FIELDS: &str = "id number assignee { id name email } queue { id name } requester { id email firstName } lastMessage { id text createdAt role }";
    let server = resolving(2, 80).await;
    let token = server.token().await;
    // The same conversations through `nodes`, one loader batch per relation.
    let loaded = |listed: &[Value]| {
        let ids: Vec<_> = listed.iter().map(|n| n["id"].clone()).collect();
        let query = format!(
            "query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Conversation {{ {FIELDS} }} }} }}"
        );
        let (server, token) = (&server, &token);
        async move {
            let reply = server
                .post(Some(token), &query, json!({ "ids": ids }))
                .await;
            reply.data()["nodes"].as_array().unwrap().clone()
        }
    };
    let page = format!(
        "query($args: String) {{ conversations(first: 20, after: $args) {{ pageInfo {{ endCursor }} nodes {{ {FIELDS} }} }} }}"
    );
    let first = server.post(Some(&token), &page, json!({})).await;
    let cursor = first.data()["conversations"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    for args in [
        "first: 30".to_owned(),
        "last: 30".to_owned(),
        "first: 30, filter: { states: [OPEN] }".to_owned(),
        "first: 30, orderBy: { field: CREATED_AT, direction: ASC }".to_owned(),
        "first: 30, filter: { unassigned: true }".to_owned(),
        format!("first: 20, after: \"{cursor}\""),
    ] {
        let list = format!(
            "{{ conversations({args}) {{ nodes {{ {FIELDS} }} edges {{ node {{ {FIELDS} }} }} }} }}"
        );
        let reply = server.post(Some(&token), &list, json!({})).await;
        let conversations = &reply.data()["conversations"];
        let listed = conversations["nodes"].as_array().unwrap().clone();
        let edges: Vec<Value> = conversations["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        assert!(!listed.is_empty(), "{args}");
        assert_eq!(listed, edges, "{args}");
        assert_eq!(loaded(&listed).await, listed, "{args}");
        assert!(
            listed.iter().any(|n| !n["assignee"].is_null()) || args.contains("unassigned"),
            "{args}: some assignees"
        );
    }
}
