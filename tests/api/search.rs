//! searchTickets and searchConversations: ranking, stemming, phrases, highlights,
//! hostile input, tenants, and text that was anonymized.

use entity::enums::{Direction, MessageRole, Modality, TicketPriority, TicketStatus};
use entity::{conversation, message, ticket};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, Set};
use serde_json::json;

use crate::common::TestServer;

const TICKETS: &str = r#"query($q: String!, $exact: Boolean, $first: Int, $after: String, $filter: TicketFilter) {
  searchTickets(query: $q, exactMatch: $exact, first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor highlights score node { id number cleanestBody } }
  }
}"#;

const CONVERSATIONS: &str = r#"query($q: String!, $exact: Boolean) {
  searchConversations(query: $q, exactMatch: $exact) {
    totalCount edges { highlights node { id subject } }
  }
}"#;

async fn add_ticket(server: &TestServer, tenant: &str, number: i64, text: &str, body: &str) -> i64 {
    let now = chrono::Utc::now().timestamp_micros();
    ticket::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.into()),
        number: Set(100_000 + number),
        external_id: Set(None),
        conversation_id: Set(None),
        source: Set(Some("test".into())),
        sender: Set(None),
        original_text: Set(text.into()),
        original_html: Set(None),
        cleanest_body: Set(Some(body.into())),
        status: Set(TicketStatus::Open),
        priority: Set(TicketPriority::Normal),
        sla_due_at: Set(None),
        ai_resolved: Set(false),
        escalation_reason: Set(None),
        unread: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        anonymous_traits: Set(None),
    }
    .insert(&server.db)
    .await
    .unwrap()
    .id
}

fn ids(reply: &crate::common::Reply, root: &str) -> Vec<String> {
    reply.data()[root]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tickets_are_found_ranked_and_highlighted() {
    let server = TestServer::start(2, 10).await;
    let token = server.token().await;
    let strong = add_ticket(
        &server,
        "tenant-1",
        1,
        "Hi, the quokka refund for my quokka order <b>never</b> came. Best, Jo",
        "The quokka refund for my quokka order never came.",
    )
    .await;
    let weak = add_ticket(
        &server,
        "tenant-1",
        2,
        &format!(
            "{} Also a quokka question about refunding.",
            "Lorem ipsum dolor sit amet. ".repeat(30)
        ),
        "A question.",
    )
    .await;
    let phrase_apart = add_ticket(
        &server,
        "tenant-1",
        3,
        "The refund is late and the quokka is grumpy.",
        "Refund late, quokka grumpy.",
    )
    .await;
    add_ticket(
        &server,
        "tenant-2",
        1,
        "quokka refund in another tenant",
        "quokka refund in another tenant",
    )
    .await;

    let reply = server
        .post(Some(&token), TICKETS, json!({ "q": "Quokka REFUNDS" }))
        .await;
    let found = ids(&reply, "searchTickets");
    let gid = |id| parley::ids::NodeKind::Ticket.id(id).to_string();
    assert_eq!(
        reply.data()["searchTickets"]["totalCount"],
        3,
        "stemmed: refunds ~ refund ~ refunding; other tenant left out"
    );
    assert_eq!(found[0], gid(strong), "most relevant first: {found:?}");
    assert!(found.contains(&gid(weak)) && found.contains(&gid(phrase_apart)));
    let first = &reply.data()["searchTickets"]["edges"][0];
    let highlights = first["highlights"].as_array().unwrap();
    assert!(
        highlights.iter().any(|h| h
            .as_str()
            .unwrap()
            .contains("<em>quokka</em> <em>refund</em>")),
        "{highlights:?}"
    );
    assert!(
        highlights
            .iter()
            .all(|h| !h.as_str().unwrap().contains("<b>")),
        "the rest is escaped: {highlights:?}"
    );
    assert!(
        highlights
            .iter()
            .any(|h| h.as_str().unwrap().contains("&lt;b&gt;never")),
        "{highlights:?}"
    );
    let scores: Vec<f64> = reply.data()["searchTickets"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    let exact = server
        .post(
            Some(&token),
            TICKETS,
            json!({ "q": "quokka refund", "exact": true }),
        )
        .await;
    let exact_ids = ids(&exact, "searchTickets");
    assert!(
        exact_ids.contains(&gid(strong)) && !exact_ids.contains(&gid(phrase_apart)),
        "a phrase must be adjacent"
    );

    // Cursor walk one at a time sees each hit once.
    let (mut seen, mut after) = (Vec::new(), None::<String>);
    loop {
        let page = server
            .post(
                Some(&token),
                TICKETS,
                json!({ "q": "quokka refund", "first": 1, "after": after }),
            )
            .await;
        seen.extend(ids(&page, "searchTickets"));
        let info = &page.data()["searchTickets"]["pageInfo"];
        if !info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = info["endCursor"].as_str().map(String::from);
    }
    assert_eq!(seen, found);

    let later = server
        .post(
            Some(&token),
            TICKETS,
            json!({ "q": "quokka", "filter": { "createdAfter": "2999-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(
        later.data()["searchTickets"]["totalCount"],
        0,
        "filters apply"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_queries_are_safe() {
    let server = TestServer::start(1, 10).await;
    let token = server.token().await;
    let ten_kb = "refund ".repeat(1500);
    let hostile = [
        r#""unbalanced quote"#,
        "refund OR *",
        "NEAR(refund order)",
        "100% off_",
        "'; DROP TABLE tickets; --",
        "🙂 emoji 🙂",
        "a:b c-d ^e",
        ten_kb.as_str(),
        "NOT refund",
        "col:refund",
    ];
    for q in hostile {
        for root in [TICKETS, CONVERSATIONS] {
            let reply = server.post(Some(&token), root, json!({ "q": q })).await;
            assert_eq!(reply.status, 200, "{q}");
            assert!(reply.body.get("errors").is_none(), "{q}: {:#}", reply.body);
        }
    }
    for empty in ["", "   ", "the and of", "!!!", "(((", "\\", "\"\""] {
        let reply = server
            .post(Some(&token), TICKETS, json!({ "q": empty }))
            .await;
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{empty:?}");
    }
    let reply = server
        .post(Some(&token), "{ tickets { totalCount } }", json!({}))
        .await;
    assert!(
        reply.data()["tickets"]["totalCount"].as_i64().unwrap() > 0,
        "still there"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conversations_match_subjects_and_messages_until_anonymized() {
    let server = TestServer::start(2, 10).await;
    let token = server.token().await;
    let conv = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let mut subject: conversation::ActiveModel = conv.clone().into();
    subject.subject = Set(Some("Wombat blender <broken>".into()));
    subject.update(&server.db).await.unwrap();
    let msg = message::ActiveModel {
        id: NotSet,
        tenant_id: Set("tenant-1".into()),
        conversation_id: Set(conv.id),
        direction: Set(Direction::Inbound),
        role: Set(MessageRole::User),
        author_agent_id: Set(None),
        author_contact_id: Set(None),
        text: Set("My wombat blender stopped working after two days.".into()),
        html: Set(None),
        external_id: Set(None),
        language: Set(Some("en".into())),
        modality: Set(Modality::Text),
        sentiment: Set(None),
        created_at: Set(conv.created_at + 1),
        anonymized_at: Set(None),
        language_confidence: Set(None),
        rating: Set(None),
        metadata: Set(None),
    }
    .insert(&server.db)
    .await
    .unwrap();
    let other = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-2"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    let mut foreign: conversation::ActiveModel = other.into();
    foreign.subject = Set(Some("wombat blender elsewhere".into()));
    foreign.update(&server.db).await.unwrap();

    let reply = server
        .post(
            Some(&token),
            CONVERSATIONS,
            json!({ "q": "wombat blenders" }),
        )
        .await;
    let hits = &reply.data()["searchConversations"];
    assert_eq!(hits["totalCount"], 1, "{hits:#}");
    let highlights: Vec<&str> = hits["edges"][0]["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        highlights.contains(&"<em>Wombat</em> <em>blender</em> &lt;broken&gt;"),
        "{highlights:?}"
    );
    assert!(
        highlights
            .iter()
            .any(|h| h.contains("My <em>wombat</em> <em>blender</em> stopped")),
        "{highlights:?}"
    );
    let phrase = server
        .post(
            Some(&token),
            CONVERSATIONS,
            json!({ "q": "stopped working", "exact": true }),
        )
        .await;
    assert_eq!(phrase.data()["searchConversations"]["totalCount"], 1);

    // Anonymized text leaves the index with the update that replaces it.
    let mut redacted: message::ActiveModel = msg.into();
    redacted.text = Set("[redacted]".into());
    redacted.update(&server.db).await.unwrap();
    let gone = server
        .post(
            Some(&token),
            CONVERSATIONS,
            json!({ "q": "stopped working" }),
        )
        .await;
    assert_eq!(gone.data()["searchConversations"]["totalCount"], 0);
    let reader = server.token_for("tenant-1", "ticket:read").await;
    let forbidden = server
        .post(Some(&reader), CONVERSATIONS, json!({ "q": "wombat" }))
        .await;
    assert_eq!(forbidden.code(), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exact_phrase_keeps_its_stop_words() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let conv = conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq("tenant-1"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    message::ActiveModel {
        id: NotSet,
        tenant_id: Set("tenant-1".into()),
        conversation_id: Set(conv.id),
        direction: Set(Direction::Inbound),
        role: Set(MessageRole::User),
        author_agent_id: Set(None),
        author_contact_id: Set(None),
        text: Set("I want to cancel my order as soon as possible".into()),
        html: Set(None),
        external_id: Set(None),
        language: Set(Some("en".into())),
        modality: Set(Modality::Text),
        sentiment: Set(None),
        created_at: Set(conv.created_at + 1),
        anonymized_at: Set(None),
        language_confidence: Set(None),
        rating: Set(None),
        metadata: Set(None),
    }
    .insert(&server.db)
    .await
    .unwrap();
    let found = |q: &'static str, exact: bool| {
        let server = &server;
        let token = &token;
        async move {
            let reply = server
                .post(
                    Some(token),
                    CONVERSATIONS,
                    json!({ "q": q, "exact": exact }),
                )
                .await;
            reply.data()["searchConversations"]["totalCount"].clone()
        }
    };
    assert_eq!(found("cancel my order", true).await, 1);
    assert_eq!(found("want to cancel my order", true).await, 1);
    assert_eq!(
        found("to cancel my order!", true).await,
        1,
        "outer stop words"
    );
    // The stop word is part of the phrase: the two words are not adjacent.
    assert_eq!(found("cancel order", true).await, 0);
    assert_eq!(found("cancel order", false).await, 1);
    assert_eq!(found("order my cancel", true).await, 0);
    let none = server
        .post(
            Some(&token),
            CONVERSATIONS,
            json!({ "q": "to the", "exact": true }),
        )
        .await;
    assert_eq!(none.code(), "BAD_USER_INPUT");
}
