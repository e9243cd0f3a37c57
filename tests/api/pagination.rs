//! Cursor walks, page sizes and limits.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::common::TestServer;

const PAGE: &str = r#"query Page($first: Int, $after: String, $last: Int, $before: String, $orderBy: ConversationOrder) {
  conversations(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id number createdAt updatedAt } }
  }
}"#;

/// Walks the whole connection forwards (or backwards) `size` at a time.
async fn walk(
    server: &TestServer,
    token: &str,
    order: Value,
    size: i64,
    backward: bool,
) -> (Vec<Value>, i64) {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut total;
    for _ in 0..1000 {
        let vars = if backward {
            json!({ "last": size, "before": cursor, "orderBy": order })
        } else {
            json!({ "first": size, "after": cursor, "orderBy": order })
        };
        let reply = server.post(Some(token), PAGE, vars).await;
        let conn = &reply.data()["conversations"];
        total = conn["totalCount"].as_i64().unwrap();
        let mut nodes: Vec<Value> = conn["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        assert!(nodes.len() as i64 <= size);
        let info = &conn["pageInfo"];
        if backward {
            nodes.reverse();
            seen.extend(nodes);
            if !info["hasPreviousPage"].as_bool().unwrap() {
                seen.reverse();
                return (seen, total);
            }
            cursor = info["startCursor"].as_str().map(String::from);
        } else {
            seen.extend(nodes);
            if !info["hasNextPage"].as_bool().unwrap() {
                return (seen, total);
            }
            cursor = info["endCursor"].as_str().map(String::from);
        }
    }
    panic!("the walk did not end");
}

#[tokio::test(flavor = "multi_thread")]
async fn cursor_walks_see_every_conversation_once() {
    let server = TestServer::start(2, 45).await;
    let token = server.token().await;
    let orders = [
        (json!(null), "updatedAt", false),
        (
            json!({ "field": "CREATED_AT", "direction": "ASC" }),
            "createdAt",
            true,
        ),
        (
            json!({ "field": "NUMBER", "direction": "DESC" }),
            "number",
            false,
        ),
    ];
    for (order, key, ascending) in orders {
        let (forward, total) = walk(&server, &token, order.clone(), 7, false).await;
        assert_eq!(total, 45, "tenant-1 has 45 conversations");
        assert_eq!(forward.len() as i64, total, "forward walk over {order}");
        let ids: HashSet<&str> = forward.iter().map(|n| n["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), forward.len(), "each conversation exactly once");
        let keys: Vec<String> = forward.iter().map(|n| n[key].to_string()).collect();
        for pair in forward.windows(2) {
            let (a, b) = (&pair[0][key], &pair[1][key]);
            let ordered = if key == "number" {
                a.as_i64() > b.as_i64()
            } else if ascending {
                a.as_str() <= b.as_str()
            } else {
                a.as_str() >= b.as_str()
            };
            assert!(ordered, "{order}: {a} then {b} in {keys:?}");
        }
        let (backward, _) = walk(&server, &token, order.clone(), 7, true).await;
        assert_eq!(
            backward, forward,
            "backward walk over {order} gives the same sequence"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_connections_page_too() {
    let server = TestServer::start(1, 30).await;
    let token = server.token().await;
    let query = r#"query($after: String) { conversations(first: 30) { nodes { id messages(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id } } } } }"#;
    let all = server.post(Some(&token), query, json!({})).await;
    let busiest = all.data()["conversations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|c| c["messages"]["totalCount"].as_i64())
        .unwrap()
        .clone();
    let total = busiest["messages"]["totalCount"].as_i64().unwrap();
    assert!(total > 2, "some conversation has more than two messages");
    let single = r#"query($id: ID!, $after: String) { conversation(id: $id) { messages(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id createdAt } } } }"#;
    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let reply = server
            .post(
                Some(&token),
                single,
                json!({ "id": busiest["id"], "after": cursor }),
            )
            .await;
        let conn = &reply.data()["conversation"]["messages"];
        seen.extend(
            conn["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_owned()),
        );
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        cursor = conn["pageInfo"]["endCursor"].as_str().map(String::from);
    }
    assert_eq!(seen.len() as i64, total);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn page_sizes_are_defaulted_capped_and_validated() {
    let server = TestServer::start(1, 120).await;
    let token = server.token().await;
    let count = |reply: &crate::common::Reply| {
        reply.data()["conversations"]["edges"]
            .as_array()
            .unwrap()
            .len()
    };
    let default = server.post(Some(&token), PAGE, json!({})).await;
    assert_eq!(count(&default), 20, "default page size");
    let max = server
        .post(Some(&token), PAGE, json!({ "first": 100 }))
        .await;
    assert_eq!(count(&max), 100);
    let bad = [
        json!({ "first": 101 }),
        json!({ "last": 1000000000 }),
        json!({ "first": -1 }),
        json!({ "first": 5, "last": 5 }),
        json!({ "first": 5, "after": "not-a-cursor" }),
        json!({ "first": 5, "before": "eyJ4IjoxfQ" }),
    ];
    for vars in bad {
        let reply = server.post(Some(&token), PAGE, vars.clone()).await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{vars}: {:#}", reply.body);
    }
    let nested = server
        .post(
            Some(&token),
            "{ conversations(first: 1) { nodes { messages(first: 101) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        nested.code(),
        "BAD_USER_INPUT",
        "the cap applies to nested connections"
    );
    let zero = server.post(Some(&token), PAGE, json!({ "first": 0 })).await;
    assert_eq!(count(&zero), 0);
    assert_eq!(
        zero.data()["conversations"]["pageInfo"]["hasNextPage"],
        true
    );
}
