//! Compiled plans answer exactly as async-graphql's resolvers do: the same documents
//! sent to two gateways over one database, one with plans and one without, get equal
//! answers (JSON values; a float may be written `1` by one and `1.0` by the other),
//! and what a plan answers costs one statement per root field whatever the page size.

use serde_json::{Value, json};

use crate::common::{Config, TestServer, payload};

const INBOX: &str = include_str!("../../bench/queries/inbox.graphql");
const DETAIL: &str = include_str!("../../bench/queries/detail.graphql");

/// Every field a plan knows, on every type and relation it reads.
const EVERYTHING: &str = r#"query Everything($first: Int = 3) {
  conversations(first: $first, filter: { states: [OPEN, PENDING, CLOSED] }) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id number } }
    nodes {
      __typename id number externalId channel direction state subject language source
      sentimentTrend assignedAt queuedAt snoozedUntil createdAt updatedAt stateUpdatedAt
      closedAt anonymizedAt
      requester { __typename id email firstName lastName organizationName organizationDomain avatarUrl externalId anonymizedAt }
      assignee { id name email role }
      queue { id name }
      mergedInto { id number }
      parent { id number }
      lastMessage { id direction role text html externalId language languageConfidence modality sentiment rating createdAt anonymizedAt conversation { number } }
      messages(first: $first) { totalCount nodes { id text createdAt } edges { node { id role } } }
      notes { totalCount nodes { id body createdAt author { id name } conversation { number } } }
      ratings(first: 2) { nodes { id ratingType status score comment language offeredAt submittedAt agent { name } contact { email } conversation { number } } }
      tickets {
        totalCount
        nodes {
          id number externalId source sender originalText originalHtml cleanestBody status priority
          slaDueAt aiResolved escalationReason unread createdAt updatedAt
          tags(first: 2) { totalCount edges { salience sentiment taggedAt node { id name state relevant score ticketsCount conversationsCount createdAt } } }
        }
      }
      tags { totalCount nodes { id name } edges { node { name } } }
    }
  }
}"#;

/// Whether a plan answers a document (for a viewer who may read everything).
#[derive(Clone, Copy, PartialEq)]
enum Planned {
    Yes,
    No,
}

/// Shapes around the fields: aliases, fragments, several roots, arguments from
/// variables and literals, paging, filters and orders the inbox uses, and what a
/// plan leaves to the resolvers: out-of-range arguments (errors), computed and
/// viewer-dependent fields.
fn documents(cursor: &str, conversation: &str) -> Vec<(&'static str, Value, Planned)> {
    use Planned::{No, Yes};
    vec![
        (INBOX, json!({}), Yes),
        (INBOX, json!({ "first": 7 }), Yes),
        (DETAIL, json!({ "number": 1 }), Yes),
        (DETAIL, json!({ "number": 2 }), Yes),
        (DETAIL, json!({ "number": 100000 }), Yes),
        (EVERYTHING, json!({}), Yes),
        (EVERYTHING, json!({ "first": 0 }), Yes),
        (
            r#"query OpenConversations($first: Int!) {
              conversations(first: $first, filter: { states: [OPEN], unassigned: true }, orderBy: { field: UPDATED_AT, direction: DESC }) {
                totalCount pageInfo { hasNextPage endCursor }
                nodes { id number subject channel updatedAt queue { id name } requester { id email firstName lastName } lastMessage { id text createdAt } }
              }
            }"#,
            json!({ "first": 5 }),
            Yes,
        ),
        (
            r#"{ a: conversationByNumber(number: 1) { ...C more: number } b: conversationByNumber(number: 2) { ... on Conversation { n: number s: subject } }
                 __typename t: __typename
                 c: conversations(first: 2) { nodes { ...C } } }
               fragment C on Conversation { number state ...D }
               fragment D on Conversation { number createdAt }"#,
            json!({}),
            Yes,
        ),
        (
            r#"query($after: String, $order: ConversationOrder, $filter: ConversationFilter) {
                 conversations(first: 4, after: $after, orderBy: $order, filter: $filter) {
                   edges { cursor node { number createdAt updatedAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"#,
            json!({ "after": cursor, "order": { "field": "NUMBER", "direction": "ASC" } }),
            Yes,
        ),
        (
            r#"query($filter: ConversationFilter) { conversations(last: 3, filter: $filter) { nodes { number } pageInfo { hasPreviousPage hasNextPage startCursor } } }"#,
            json!({ "filter": { "channels": ["EMAIL", "PHONE"], "snoozed": false } }),
            Yes,
        ),
        (
            r#"{ conversations(first: 5, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { number subject createdAt messages { nodes { text createdAt } } } } }"#,
            json!({}),
            Yes,
        ),
        (
            r#"{ conversations(first: 5, orderBy: { field: CREATED_AT, direction: ASC }, filter: { unassigned: false, states: [CLOSED] }) { nodes { number closedAt assignee { name } } } }"#,
            json!({}),
            Yes,
        ),
        (
            r#"query($id: ID!) { conversation(id: $id) { number subject } }"#,
            json!({ "id": "bm90LWFuLWlk" }),
            Yes,
        ),
        (
            r#"{ conversations(first: 2) { nodes { messages(first: 101) { nodes { text } } } } }"#,
            json!({}),
            No,
        ),
        (
            r#"{ conversations(first: 2, after: "not-a-cursor") { nodes { number } } }"#,
            json!({}),
            No,
        ),
        (
            r#"{ conversations(first: 2, filter: { assigneeIds: ["bm9wZQ"] }) { nodes { number } } }"#,
            json!({}),
            No,
        ),
        (
            r#"{ conversations(first: 2) { nodes { number viewerCanClaim suggestedTopics { tag { name } } } } }"#,
            json!({}),
            No,
        ),
        (
            r#"query($skip: Boolean!) { conversations(first: 2) { nodes { number subject @skip(if: $skip) } } }"#,
            json!({ "skip": true }),
            No,
        ),
        // The frontend's other queries (examples/typescript/src/inbox.ts).
        (
            r#"query Viewer { viewer { agent { id name email } tenant { id name } scopes } }"#,
            json!({}),
            No,
        ),
        (
            r#"query Conversation($id: ID!) {
              conversation(id: $id) {
                id number subject state source snoozedUntil
                assignee { id name }
                suggestedTopics(first: 3) { relevance tag { id name } }
                messages(first: 5) { totalCount nodes { id role text language rating topics { tag { name } } createdAt
                  author { __typename ... on Agent { id name } ... on Contact { id email } } } }
                notes(first: 5) { totalCount nodes { id body author { id name } } }
              }
            }"#,
            json!({ "id": conversation }),
            No,
        ),
        (
            r#"query($id: ID!) { conversation(id: $id) { number subject messages(first: 5) { nodes { text createdAt } } } }"#,
            json!({ "id": conversation }),
            Yes,
        ),
    ]
}

/// `value` with floats and integers compared as numbers and the requests' own ids
/// left out.
fn normalized(value: &Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64()),
        Value::Array(items) => Value::Array(items.iter().map(normalized).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| k.as_str() != "requestId")
                .map(|(k, v)| (k.clone(), normalized(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

async fn unplanned(server: &TestServer) -> TestServer {
    let mut config = Config::default();
    config.options.caches.compiled_plans = false;
    server.replica(config).await
}

#[tokio::test(flavor = "multi_thread")]
async fn planned_answers_equal_resolved_ones() {
    let planned = TestServer::start(2, 60).await;
    let resolved = unplanned(&planned).await;
    // Timestamps of every precision chrono writes, and text JSON must escape.
    let token = planned.token().await;
    let create = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } userErrors { code } } }";
    for (at, text) in [
        (
            "2026-01-02T03:04:05Z",
            "He said \"hi\"\n\tthen \\ left \u{1} ✓ 😀 </script>",
        ),
        ("2026-01-02T03:04:05.120Z", "ümlaut — ‘quotes’"),
        ("1969-12-31T23:59:59.999999Z", "before the epoch"),
        ("0000-06-01T12:00:00.5Z", "the year before year 1"),
    ] {
        let input = json!({ "subject": text, "createdAt": at, "message": { "text": text } });
        let reply = planned
            .post(Some(&token), create, json!({ "input": input }))
            .await;
        assert!(
            payload(&reply, "createConversation")["userErrors"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
    let page = planned
        .post(Some(&token), "{ conversations(first: 3, orderBy: { field: NUMBER, direction: ASC }) { pageInfo { endCursor } } }", json!({}))
        .await;
    let cursor = page.data()["conversations"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let conversation = crate::common::gid(parley::ids::NodeKind::Conversation, 1);

    let tokens = [
        ("every scope", planned.token().await, true),
        (
            "tenant two",
            planned
                .token_for("tenant-2", "conversation:read ticket:read")
                .await,
            true,
        ),
        // What these may not read, a plan leaves to the resolvers (errors or nulls).
        (
            "no ticket:read",
            planned.token_for("tenant-1", "conversation:read").await,
            false,
        ),
        (
            "only ticket:read",
            planned.token_for("tenant-1", "ticket:read").await,
            false,
        ),
    ];
    for (who, token, reads_all) in &tokens {
        for (document, variables, plannable) in documents(&cursor, &conversation) {
            let a = planned.post(Some(token), document, variables.clone()).await;
            let b = resolved
                .post(Some(token), document, variables.clone())
                .await;
            assert_eq!(
                normalized(&a.body),
                normalized(&b.body),
                "{who}: {document} with {variables}"
            );
            assert_eq!(a.status, b.status, "{who}: {document}");
            assert!(b.headers.get("x-parley-plan").is_none());
            if *reads_all {
                assert_eq!(
                    a.headers.get("x-parley-plan").is_some(),
                    plannable == Planned::Yes,
                    "{who}: was {document} answered by a plan?"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planned_query_costs_one_statement_per_root_whatever_its_page() {
    let server = TestServer::start(1, 120).await;
    let token = server.token().await;
    let inbox = INBOX.replace("states: [OPEN]", "states: [OPEN, PENDING, CLOSED]");
    for first in [10, 50, 100] {
        let reply = server
            .post(Some(&token), &inbox, json!({ "first": first }))
            .await;
        assert_eq!(
            reply.data()["conversations"]["nodes"]
                .as_array()
                .unwrap()
                .len(),
            first
        );
        assert_eq!(reply.statements(), 1, "inbox, first: {first}");
        assert_eq!(reply.headers["x-parley-plan"], "compiled");
    }
    for number in [1, 2, 3] {
        let reply = server
            .post(Some(&token), DETAIL, json!({ "number": number }))
            .await;
        assert!(
            reply.data()["conversationByNumber"]["messages"]["nodes"]
                .as_array()
                .is_some()
        );
        assert_eq!(reply.statements(), 1, "detail");
    }
    let counted = "{ conversations(first: 20) { totalCount nodes { number } } }";
    let reply = server.post(Some(&token), counted, json!({})).await;
    assert_eq!(reply.data()["conversations"]["totalCount"], 120);
    assert_eq!(reply.statements(), 2, "a page and its count");
}
