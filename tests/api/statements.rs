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
    // conversations, assignees, queues, requesters, tag links, tags, last messages,
    // messages, message counts.
    assert_eq!(counts[0], 9, "statements");
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
