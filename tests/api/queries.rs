//! Every query of the contract, and the filters and orderings, checked against
//! what the database holds.

use entity::enums::{Channel, ConversationState, TicketStatus};
use entity::*;
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{TestServer, gid};

/// Touches every root field and every relation of the graph.
pub const EVERYTHING: &str = r#"
fragment AgentFields on Agent { id name email role }
fragment ContactFields on Contact { id email firstName lastName organizationName organizationDomain avatarUrl externalId anonymizedAt }
fragment TagFields on Tag { id name state relevant score ticketsCount conversationsCount createdAt }
fragment MessageFields on Message {
  id direction role text html externalId language modality sentiment createdAt anonymizedAt
  author { __typename ... on Agent { ...AgentFields } ... on Contact { ...ContactFields } }
  conversation { id }
}
fragment TicketFields on Ticket {
  id number externalId source sender originalText originalHtml cleanestBody status priority slaDueAt
  aiResolved escalationReason unread createdAt updatedAt conversation { id }
  tags { totalCount pageInfo { hasNextPage } edges { cursor salience sentiment taggedAt node { ...TagFields } } }
}
fragment ActivityFields on Activity {
  id type occurredAt conversation { id } actor { ...AgentFields } agent { id } fromQueue { id name }
  toQueue { id name } tag { id name } message { id } note { id } rating { id } ticket { id }
}
query Everything {
  viewer { scopes agent { ...AgentFields } tenant { id name } }
  conversations(first: 15) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor }
    nodes {
      id number externalId channel direction state subject language assignedAt queuedAt createdAt updatedAt
      stateUpdatedAt closedAt anonymizedAt sentimentTrend
      requester { ...ContactFields }
      assignee { ...AgentFields }
      queue { id name }
      parent { id number }
      linkedConversations { totalCount nodes { id } }
      lastMessage { ...MessageFields }
      customAttributes { text values updatedAt definition { id identifier name kind options createdAt } }
      messages(first: 10) { totalCount nodes { ...MessageFields } }
      tickets { totalCount nodes { ...TicketFields } }
      tags { totalCount nodes { ...TagFields } }
      notes { totalCount nodes { id body createdAt author { ...AgentFields } conversation { id } } }
      ratings { totalCount nodes { id ratingType status score comment language offeredAt submittedAt agent { id } contact { id } conversation { id } } }
      activity(first: 10) { totalCount nodes { ...ActivityFields } }
    }
  }
  tickets(first: 10) { totalCount nodes { ...TicketFields } }
  tags(first: 50) { totalCount nodes { ...TagFields } }
  agents(first: 50) { totalCount nodes { ...AgentFields } }
  queues { totalCount nodes { id name } }
  contacts(first: 10) { totalCount nodes { ...ContactFields } }
  activityLog(first: 20) { totalCount nodes { ...ActivityFields } }
  customAttributeDefinitions { totalCount nodes { id identifier name kind options } }
  unreadTicketCount
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn every_root_field_and_relation_answers_with_the_databases_data() {
    let server = TestServer::start(2, 40).await;
    let token = server.token().await;
    let reply = server.post(Some(&token), EVERYTHING, json!({})).await;
    let data = reply.data();
    let db = &server.db;

    assert_eq!(data["viewer"]["tenant"]["id"], "tenant-1");
    assert!(
        data["viewer"]["agent"]["email"]
            .as_str()
            .unwrap()
            .contains('@')
    );
    let count = |n: u64| json!(n);
    let convs = conversation::Entity::find().filter(conversation::Column::TenantId.eq("tenant-1"));
    assert_eq!(
        data["conversations"]["totalCount"],
        count(convs.clone().count(db).await.unwrap())
    );
    let tickets = ticket::Entity::find().filter(ticket::Column::TenantId.eq("tenant-1"));
    assert_eq!(
        data["tickets"]["totalCount"],
        count(tickets.clone().count(db).await.unwrap())
    );
    let unread = tickets
        .filter(ticket::Column::Unread.eq(true))
        .filter(ticket::Column::Status.is_in(parley::service::tickets::UNREAD_COUNTED))
        .count(db)
        .await
        .unwrap();
    assert_eq!(data["unreadTicketCount"], count(unread));
    let agents = agent::Entity::find()
        .filter(agent::Column::TenantId.eq("tenant-1"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(data["agents"]["totalCount"], count(agents));
    assert!(data["queues"]["totalCount"].as_i64().unwrap() > 0);
    assert!(
        data["customAttributeDefinitions"]["totalCount"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert!(data["activityLog"]["totalCount"].as_i64().unwrap() >= 40);

    // The most recently updated conversation, field by field against its row.
    let first = &data["conversations"]["nodes"][0];
    let row = convs
        .order_by_desc(conversation::Column::UpdatedAt)
        .order_by_desc(conversation::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first["id"], gid(NodeKind::Conversation, row.id));
    assert_eq!(first["number"], row.number);
    assert_eq!(first["externalId"], json!(row.external_id));
    assert_eq!(first["subject"], json!(row.subject));
    let messages = message::Entity::find()
        .filter(message::Column::ConversationId.eq(row.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(first["messages"]["totalCount"], count(messages));
    if let Some(last) = row.last_message_id {
        assert_eq!(first["lastMessage"]["id"], gid(NodeKind::Message, last));
    }
    // Relations are there somewhere in the page.
    let nodes = data["conversations"]["nodes"].as_array().unwrap();
    let some = |f: &dyn Fn(&Value) -> bool| nodes.iter().any(f);
    assert!(some(&|n| !n["assignee"].is_null()));
    assert!(some(&|n| !n["requester"].is_null()));
    assert!(some(&|n| !n["queue"].is_null()));
    assert!(some(&|n| n["tags"]["totalCount"].as_i64() > Some(0)));
    assert!(some(&|n| n["tickets"]["totalCount"].as_i64() > Some(0)));
    assert!(some(&|n| n["notes"]["totalCount"].as_i64() > Some(0)));
    assert!(some(&|n| n["ratings"]["totalCount"].as_i64() > Some(0)));
    assert!(some(&|n| !n["customAttributes"]
        .as_array()
        .unwrap()
        .is_empty()));
    assert!(some(&|n| n["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["author"]["__typename"] == "Agent")));
    assert!(some(&|n| n["messages"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["author"]["__typename"] == "Contact")));
    let ticket_tags = data["tickets"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["tags"]["edges"].as_array().unwrap().clone());
    assert!(ticket_tags.clone().count() > 0, "tickets carry tag edges");
    for edge in ticket_tags {
        let salience = edge["salience"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&salience));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lookups_and_node_resolve_every_type() {
    let server = TestServer::start(1, 30).await;
    let token = server.token().await;
    let db = &server.db;
    let conv = conversation::Entity::find()
        .filter(conversation::Column::ExternalId.is_not_null())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let ticket = ticket::Entity::find()
        .filter(ticket::Column::ExternalId.is_not_null())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let tag = tag::Entity::find().one(db).await.unwrap().unwrap();
    let query = r#"query($conv: ID!, $number: Int!, $ext: String!, $ticket: ID!, $ticketExt: String!, $ticketNumber: Int!, $tag: ID!, $tagName: String!) {
      a: conversation(id: $conv) { id }
      b: conversationByNumber(number: $number) { id }
      c: conversationByExternalId(externalId: $ext) { id }
      d: ticket(id: $ticket) { id }
      e: ticketByExternalId(externalId: $ticketExt) { id }
      f: ticketByNumber(number: $ticketNumber) { id }
      g: tag(id: $tag) { id }
      h: tagByName(name: $tagName) { id }
      missing: conversationByNumber(number: 999999) { id }
      wrongType: conversation(id: $ticket) { id }
      garbage: conversation(id: "???") { id }
    }"#;
    let vars = json!({
        "conv": gid(NodeKind::Conversation, conv.id), "number": conv.number, "ext": conv.external_id,
        "ticket": gid(NodeKind::Ticket, ticket.id), "ticketExt": ticket.external_id, "ticketNumber": ticket.number,
        "tag": gid(NodeKind::Tag, tag.id), "tagName": format!("  {}  ", tag.name.to_uppercase()),
    });
    let reply = server.post(Some(&token), query, vars).await;
    let data = reply.data();
    for key in ["a", "b", "c"] {
        assert_eq!(
            data[key]["id"],
            gid(NodeKind::Conversation, conv.id),
            "{key}"
        );
    }
    for key in ["d", "e", "f"] {
        assert_eq!(data[key]["id"], gid(NodeKind::Ticket, ticket.id), "{key}");
    }
    for key in ["g", "h"] {
        assert_eq!(data[key]["id"], gid(NodeKind::Tag, tag.id), "{key}");
    }
    for key in ["missing", "wrongType", "garbage"] {
        assert!(data[key].is_null(), "{key}");
    }

    // node() and nodes() resolve one object of every type, with the right __typename.
    macro_rules! one {
        ($table:ident, $kind:ident) => {
            gid(
                NodeKind::$kind,
                $table::Entity::find().one(db).await.unwrap().unwrap().id,
            )
        };
    }
    let ids = vec![
        (one!(activity, Activity), "Activity"),
        (one!(agent, Agent), "Agent"),
        (one!(contact, Contact), "Contact"),
        (one!(conversation, Conversation), "Conversation"),
        (
            one!(custom_attribute_definition, CustomAttributeDefinition),
            "CustomAttributeDefinition",
        ),
        (one!(message, Message), "Message"),
        (one!(note, Note), "Note"),
        (one!(queue, Queue), "Queue"),
        (one!(rating, Rating), "Rating"),
        (one!(tag, Tag), "Tag"),
        (one!(ticket, Ticket), "Ticket"),
    ];
    for (id, typename) in &ids {
        let reply = server
            .post(
                Some(&token),
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(reply.data()["node"]["__typename"], *typename);
        assert_eq!(reply.data()["node"]["id"], *id);
    }
    let mut list: Vec<&str> = ids.iter().map(|(id, _)| id.as_str()).collect();
    list.insert(3, "bm90LWFuLWlk");
    let reply = server
        .post(
            Some(&token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": list }),
        )
        .await;
    let nodes = reply.data()["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), list.len());
    assert!(nodes[3].is_null());
    assert_eq!(nodes[0]["id"], list[0]);
    let too_many: Vec<&str> = std::iter::repeat_n(list[0], 101).collect();
    let reply = server
        .post(
            Some(&token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": too_many }),
        )
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
}

/// `totalCount` of a conversations filter.
async fn conversations_total(server: &TestServer, token: &str, filter: Value) -> Value {
    let reply = server
        .post(
            Some(token),
            "query($f: ConversationFilter) { conversations(filter: $f) { totalCount } }",
            json!({ "f": filter }),
        )
        .await;
    reply.data()["conversations"]["totalCount"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn conversation_filters_match_the_database() {
    let server = TestServer::start(2, 60).await;
    let token = server.token().await;
    let db = &server.db;
    let mine =
        || conversation::Entity::find().filter(conversation::Column::TenantId.eq("tenant-1"));
    let rows = mine().all(db).await.unwrap();
    let expect =
        |f: &dyn Fn(&conversation::Model) -> bool| json!(rows.iter().filter(|r| f(r)).count());

    let open = conversations_total(&server, &token, json!({ "states": ["OPEN"] })).await;
    assert_eq!(open, expect(&|r| r.state == ConversationState::Open));
    let open_or_pending =
        conversations_total(&server, &token, json!({ "states": ["OPEN", "PENDING"] })).await;
    assert_eq!(
        open_or_pending,
        expect(&|r| r.state != ConversationState::Closed)
    );
    let email = conversations_total(&server, &token, json!({ "channels": ["EMAIL"] })).await;
    assert_eq!(email, expect(&|r| r.channel == Channel::Email));
    let unassigned = conversations_total(&server, &token, json!({ "unassigned": true })).await;
    assert_eq!(unassigned, expect(&|r| r.assignee_id.is_none()));
    let assigned = conversations_total(&server, &token, json!({ "unassigned": false })).await;
    assert_eq!(assigned, expect(&|r| r.assignee_id.is_some()));

    let assignee = rows.iter().find_map(|r| r.assignee_id).unwrap();
    let by_assignee = conversations_total(
        &server,
        &token,
        json!({ "assigneeIds": [gid(NodeKind::Agent, assignee)] }),
    )
    .await;
    assert_eq!(by_assignee, expect(&|r| r.assignee_id == Some(assignee)));
    let queue = rows.iter().find_map(|r| r.queue_id).unwrap();
    let by_queue = conversations_total(
        &server,
        &token,
        json!({ "queueIds": [gid(NodeKind::Queue, queue)] }),
    )
    .await;
    assert_eq!(by_queue, expect(&|r| r.queue_id == Some(queue)));
    let requester = rows.iter().find_map(|r| r.requester_id).unwrap();
    let by_requester = conversations_total(
        &server,
        &token,
        json!({ "requesterId": gid(NodeKind::Contact, requester) }),
    )
    .await;
    assert_eq!(by_requester, expect(&|r| r.requester_id == Some(requester)));

    let link = conversation_tag::Entity::find()
        .filter(conversation_tag::Column::TenantId.eq("tenant-1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let tagged = conversation_tag::Entity::find()
        .filter(conversation_tag::Column::TagId.eq(link.tag_id))
        .count(db)
        .await
        .unwrap();
    let by_tag = conversations_total(
        &server,
        &token,
        json!({ "tagIds": [gid(NodeKind::Tag, link.tag_id)] }),
    )
    .await;
    assert_eq!(by_tag, json!(tagged));

    let mut created: Vec<i64> = rows.iter().map(|r| r.created_at).collect();
    created.sort();
    let middle = created[created.len() / 2];
    let iso = chrono::DateTime::from_timestamp_micros(middle)
        .unwrap()
        .to_rfc3339();
    let after = conversations_total(&server, &token, json!({ "createdAfter": iso })).await;
    assert_eq!(after, expect(&|r| r.created_at >= middle));
    let before = conversations_total(&server, &token, json!({ "createdBefore": iso })).await;
    assert_eq!(before, expect(&|r| r.created_at < middle));
    let updated = conversations_total(&server, &token, json!({ "updatedAfter": iso })).await;
    assert_eq!(updated, expect(&|r| r.updated_at >= middle));
    let combined = conversations_total(
        &server,
        &token,
        json!({ "states": ["CLOSED"], "createdAfter": iso }),
    )
    .await;
    assert_eq!(
        combined,
        expect(&|r| r.state == ConversationState::Closed && r.created_at >= middle)
    );

    for bad in [
        json!({ "assigneeIds": ["nope"] }),
        json!({ "tagIds": [gid(NodeKind::Agent, 1)] }),
        json!({ "createdAfter": "yesterday" }),
    ] {
        let reply = server
            .post(
                Some(&token),
                "query($f: ConversationFilter) { conversations(filter: $f) { totalCount } }",
                json!({ "f": bad }),
            )
            .await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ticket_tag_and_activity_filters_match_the_database() {
    let server = TestServer::start(1, 60).await;
    let token = server.token().await;
    let db = &server.db;
    let tickets = ticket::Entity::find().all(db).await.unwrap();
    let total = |reply: &crate::common::Reply, key: &str| reply.data()[key]["totalCount"].clone();

    let conv = tickets.iter().find_map(|t| t.conversation_id).unwrap();
    let link = ticket_tag::Entity::find().one(db).await.unwrap().unwrap();
    let tagged = ticket_tag::Entity::find()
        .filter(ticket_tag::Column::TagId.eq(link.tag_id))
        .count(db)
        .await
        .unwrap();
    let query = r#"query($conv: ID!, $tag: ID!) {
      byConversation: tickets(filter: { conversationId: $conv }) { totalCount }
      open: tickets(filter: { statuses: [OPEN, NEW] }) { totalCount }
      urgent: tickets(filter: { priorities: [URGENT] }) { totalCount }
      tagged: tickets(filter: { tagIds: [$tag] }) { totalCount }
      byNumber: tickets(first: 100, orderBy: { field: NUMBER, direction: ASC }) { nodes { number } }
      relevant: tags(filter: { relevant: true }) { totalCount }
      inactive: tags(filter: { state: INACTIVE }) { totalCount }
      percent: tags(filter: { nameContains: "%" }) { totalCount }
      named: tags(first: 100) { nodes { name } }
      closed: activityLog(filter: { types: [CLOSED] }) { totalCount nodes { type } }
    }"#;
    let vars = json!({ "conv": gid(NodeKind::Conversation, conv), "tag": gid(NodeKind::Tag, link.tag_id) });
    let reply = server.post(Some(&token), query, vars).await;
    let count = |f: &dyn Fn(&ticket::Model) -> bool| json!(tickets.iter().filter(|t| f(t)).count());
    assert_eq!(
        total(&reply, "byConversation"),
        count(&|t| t.conversation_id == Some(conv))
    );
    assert_eq!(
        total(&reply, "open"),
        count(&|t| matches!(t.status, TicketStatus::Open | TicketStatus::New))
    );
    assert_eq!(
        total(&reply, "urgent"),
        count(&|t| t.priority == entity::enums::TicketPriority::Urgent)
    );
    assert_eq!(total(&reply, "tagged"), json!(tagged));
    let numbers: Vec<i64> = reply.data()["byNumber"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_i64().unwrap())
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "tickets by number ascending"
    );

    let tags = tag::Entity::find().all(db).await.unwrap();
    assert_eq!(
        total(&reply, "relevant"),
        json!(tags.iter().filter(|t| t.relevant).count())
    );
    assert_eq!(
        total(&reply, "inactive"),
        json!(
            tags.iter()
                .filter(|t| t.state == entity::enums::TagState::Inactive)
                .count()
        )
    );
    assert_eq!(
        total(&reply, "percent"),
        json!(0),
        "LIKE wildcards are taken literally"
    );
    let names: Vec<String> = reply.data()["named"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        names.windows(2).all(|w| w[0] <= w[1]),
        "tags by name: {names:?}"
    );
    let closed = activity::Entity::find()
        .filter(activity::Column::Kind.eq(entity::enums::ActivityType::Closed))
        .count(db)
        .await
        .unwrap();
    assert_eq!(total(&reply, "closed"), json!(closed));
    assert!(
        reply.data()["closed"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["type"] == "CLOSED")
    );

    let sample = &tags[0].name;
    let fragment: String = sample
        .chars()
        .skip(1)
        .take(3)
        .collect::<String>()
        .to_uppercase();
    let reply = server
        .post(Some(&token), "query($q: String) { tags(first: 100, filter: { nameContains: $q }) { nodes { name } } }", json!({ "q": fragment }))
        .await;
    let found: Vec<&str> = reply.data()["tags"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(
        found.contains(&sample.as_str()),
        "{fragment} finds {sample}"
    );
    assert!(
        found
            .iter()
            .all(|n| n.to_lowercase().contains(&fragment.to_lowercase()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn similar_tags_are_the_tags_used_together() {
    let server = TestServer::start(1, 80).await;
    let token = server.token().await;
    let db = &server.db;
    let ticket_links = ticket_tag::Entity::find().all(db).await.unwrap();
    let conversation_links = conversation_tag::Entity::find().all(db).await.unwrap();
    // How often each other tag shares a ticket or conversation with `tag`.
    let shared_with = |tag: i64| {
        let mut counts = std::collections::HashMap::<i64, i64>::new();
        let mut add = |items: Vec<(i64, i64)>| {
            for (item, t) in &items {
                if *t == tag {
                    for (other_item, other) in &items {
                        if other_item == item && *other != tag {
                            *counts.entry(*other).or_default() += 1;
                        }
                    }
                }
            }
        };
        add(ticket_links
            .iter()
            .map(|l| (l.ticket_id, l.tag_id))
            .collect());
        add(conversation_links
            .iter()
            .map(|l| (l.conversation_id, l.tag_id))
            .collect());
        counts
    };
    let busiest = ticket_links
        .iter()
        .map(|l| l.tag_id)
        .max_by_key(|t| shared_with(*t).len())
        .unwrap();
    let expected = shared_with(busiest);
    let query = "query($id: ID!) { tag(id: $id) { similarTags { id } three: similarTags(first: 3) { id } } }";
    let reply = server
        .post(
            Some(&token),
            query,
            json!({ "id": gid(NodeKind::Tag, busiest) }),
        )
        .await;
    let similar: Vec<i64> = reply.data()["tag"]["similarTags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| parley::ids::decode(t["id"].as_str().unwrap()).unwrap().1)
        .collect();
    assert_eq!(similar.len(), expected.len().min(5), "five by default");
    assert_eq!(
        reply.data()["tag"]["three"].as_array().unwrap().len(),
        expected.len().min(3)
    );
    let counts: Vec<i64> = similar.iter().map(|t| expected[t]).collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "most shared first: {counts:?}"
    );
    assert_eq!(counts[0], *expected.values().max().unwrap());
    let reply = server
        .post(
            Some(&token),
            "query($id: ID!) { tag(id: $id) { similarTags(first: 101) { id } } }",
            json!({ "id": gid(NodeKind::Tag, busiest) }),
        )
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
}

/// Root fields come back in the order the query asks for them, whichever part of the
/// merged root defines them, fragments included.
#[tokio::test]
async fn root_fields_come_back_in_query_order() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let query = "query { conversations(first: 1) { totalCount } rateLimit { cost } \
                 b: tags(first: 1) { totalCount } viewer { scopes } \
                 ... on Query { a: tags(first: 1) { totalCount } } }";
    let text = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .bearer_auth(&token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let at = |key: &str| {
        text.find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("no {key} in {text}"))
    };
    let positions = ["conversations", "rateLimit", "b", "viewer", "a"].map(at);
    assert!(positions.is_sorted(), "{text}");
}
