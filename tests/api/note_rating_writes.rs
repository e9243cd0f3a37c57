//! addNote / addNotes (partial success, one result per item) and offerRating /
//! submitRating (score range per type, one submit, one winner among concurrent ones).

use entity::enums::{ActivityType, ConversationState, RatingStatus};
use entity::{activity, agent, conversation, note, rating};
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{TestServer, gid};

const ADD_NOTE: &str = r#"mutation($input: AddNoteInput!) {
  addNote(input: $input) {
    clientMutationId
    note { id body createdAt author { id } conversation { id } }
    noteEdge { cursor node { id } }
    conversation { id notes { totalCount } }
    userErrors { field message code }
  }
}"#;

const ADD_NOTES: &str = r#"mutation($input: AddNotesInput!) {
  addNotes(input: $input) {
    clientMutationId
    results {
      __typename
      ... on NoteAdded { index note { id body author { id } } noteEdge { cursor } }
      ... on NoteRejected { index userErrors { field message code } }
    }
    conversation { id }
    userErrors { field message code }
  }
}"#;

const OFFER: &str = r#"mutation($input: OfferRatingInput!) {
  offerRating(input: $input) {
    clientMutationId
    rating { id ratingType status score language offeredAt submittedAt agent { id } contact { id } }
    ratingEdge { cursor node { id } }
    userErrors { field message code }
  }
}"#;

const SUBMIT: &str = r#"mutation($input: SubmitRatingInput!) {
  submitRating(input: $input) {
    clientMutationId
    rating { id status score comment submittedAt }
    userErrors { field message code }
  }
}"#;

async fn conversation_in(
    server: &TestServer,
    tenant: &str,
    state: ConversationState,
) -> conversation::Model {
    conversation::Entity::find()
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::State.eq(state))
        .one(&server.db)
        .await
        .unwrap()
        .expect("the seed has conversations in every state")
}

async fn agents_of(server: &TestServer, tenant: &str) -> Vec<i64> {
    agent::Entity::find()
        .filter(agent::Column::TenantId.eq(tenant))
        .order_by_asc(agent::Column::Id)
        .all(&server.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

async fn note_count(server: &TestServer, conversation: i64) -> u64 {
    note::Entity::find()
        .filter(note::Column::ConversationId.eq(conversation))
        .count(&server.db)
        .await
        .unwrap()
}

async fn entries(
    server: &TestServer,
    conversation: i64,
    kind: ActivityType,
) -> Vec<activity::Model> {
    activity::Entity::find()
        .filter(activity::Column::ConversationId.eq(conversation))
        .filter(activity::Column::Kind.eq(kind))
        .order_by_asc(activity::Column::Id)
        .all(&server.db)
        .await
        .unwrap()
}

async fn add_note(server: &TestServer, token: &str, input: Value) -> Value {
    let reply = server
        .post(Some(token), ADD_NOTE, json!({ "input": input }))
        .await;
    reply.data()["addNote"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn add_note_writes_the_note_and_its_activity() {
    let server = TestServer::start(2, 20).await;
    let token = server.token().await;
    let agents = agents_of(&server, "tenant-1").await;
    let conv = conversation_in(&server, "tenant-1", ConversationState::Open).await;
    let cid = gid(NodeKind::Conversation, conv.id);
    let notes_before = note_count(&server, conv.id).await;
    let logged_before = entries(&server, conv.id, ActivityType::NoteAdded)
        .await
        .len();

    let p = add_note(
        &server,
        &token,
        json!({ "conversationId": cid, "body": "  Customer is on the Pro plan.  ", "clientMutationId": "n1" }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "n1");
    assert_eq!(p["note"]["body"], "Customer is on the Pro plan.");
    assert_eq!(
        p["note"]["author"]["id"],
        gid(NodeKind::Agent, agents[0]),
        "default: the viewer"
    );
    assert_eq!(p["note"]["conversation"]["id"], cid);
    assert_eq!(p["noteEdge"]["node"]["id"], p["note"]["id"]);
    assert_eq!(p["conversation"]["notes"]["totalCount"], notes_before + 1);
    assert_eq!(note_count(&server, conv.id).await, notes_before + 1);
    let log = entries(&server, conv.id, ActivityType::NoteAdded).await;
    assert_eq!(log.len(), logged_before + 1);
    let (_, note_key) = parley::ids::decode(p["note"]["id"].as_str().unwrap()).unwrap();
    assert_eq!(log.last().unwrap().note_id, Some(note_key));
    // The note is left alone by the conversation: no new version, no new updatedAt.
    let after = conversation::Entity::find_by_id(conv.id)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (after.version, after.updated_at),
        (conv.version, conv.updated_at)
    );

    // The edge is the note's place in `Conversation.notes` (oldest first): it is last.
    let reply = server
        .post(
            Some(&token),
            "query($id: ID!) { conversation(id: $id) { notes(last: 1) { edges { cursor node { id } } } } }",
            json!({ "id": cid }),
        )
        .await;
    let edge = &reply.data()["conversation"]["notes"]["edges"][0];
    assert_eq!(edge["cursor"], p["noteEdge"]["cursor"]);

    // Another author and a back-dated time.
    let p = add_note(
        &server,
        &token,
        json!({ "conversationId": cid, "body": "Imported", "authorId": gid(NodeKind::Agent, agents[1]), "createdAt": "2021-12-01T12:46:36.581Z" }),
    )
    .await;
    assert_eq!(p["note"]["author"]["id"], gid(NodeKind::Agent, agents[1]));
    assert_eq!(p["note"]["createdAt"], "2021-12-01T12:46:36.581+00:00");

    // Notes are allowed on closed conversations.
    let closed = conversation_in(&server, "tenant-1", ConversationState::Closed).await;
    let closed_logged = entries(&server, closed.id, ActivityType::NoteAdded)
        .await
        .len();
    let p = add_note(
        &server,
        &token,
        json!({ "conversationId": gid(NodeKind::Conversation, closed.id), "body": "Wrap-up: refund sent." }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(
        entries(&server, closed.id, ActivityType::NoteAdded)
            .await
            .len(),
        closed_logged + 1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn add_note_refusals_write_nothing() {
    let server = TestServer::start(2, 20).await;
    let token = server.token().await;
    let conv = conversation_in(&server, "tenant-1", ConversationState::Open).await;
    let cid = gid(NodeKind::Conversation, conv.id);
    let before = note_count(&server, conv.id).await;
    let logged = entries(&server, conv.id, ActivityType::NoteAdded)
        .await
        .len();
    for (input, field) in [
        (json!({ "conversationId": cid, "body": "" }), "body"),
        (json!({ "conversationId": cid, "body": " \n " }), "body"),
        (
            json!({ "conversationId": cid, "body": "x".repeat(10_001) }),
            "body",
        ),
        (
            json!({ "conversationId": cid, "body": "from the future", "createdAt": "2999-01-01T00:00:00Z" }),
            "createdAt",
        ),
    ] {
        let p = add_note(&server, &token, input).await;
        assert!(p["note"].is_null());
        assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE");
        assert_eq!(p["userErrors"][0]["field"], json!(["input", field]));
    }
    let p = add_note(
        &server,
        &token,
        json!({ "conversationId": cid, "body": "x".repeat(10_000) }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]), "10000 characters are fine");
    let before = before + 1;

    let foreign = conversation_in(&server, "tenant-2", ConversationState::Open).await;
    let foreign_notes = note_count(&server, foreign.id).await;
    let foreign_agent = agents_of(&server, "tenant-2").await[0];
    for input in [
        json!({ "conversationId": gid(NodeKind::Conversation, foreign.id), "body": "x" }),
        json!({ "conversationId": "???", "body": "x" }),
        json!({ "conversationId": cid, "body": "x", "authorId": gid(NodeKind::Agent, foreign_agent) }),
    ] {
        let reply = server
            .post(Some(&token), ADD_NOTE, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "NOT_FOUND", "{input}");
    }
    // A malformed date is a GraphQL input error.
    let reply = server
        .post(
            Some(&token),
            ADD_NOTE,
            json!({ "input": { "conversationId": cid, "body": "x", "createdAt": "yesterday" } }),
        )
        .await;
    assert!(reply.body["errors"].is_array());
    let reader = server
        .token_for("tenant-1", "conversation:read ticket:write")
        .await;
    let reply = server
        .post(
            Some(&reader),
            ADD_NOTE,
            json!({ "input": { "conversationId": cid, "body": "x" } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    assert_eq!(note_count(&server, conv.id).await, before);
    assert_eq!(
        entries(&server, conv.id, ActivityType::NoteAdded)
            .await
            .len(),
        logged + 1
    );
    assert_eq!(note_count(&server, foreign.id).await, foreign_notes);
}

#[tokio::test(flavor = "multi_thread")]
async fn add_note_retry_with_the_same_key_writes_once() {
    let server = TestServer::start(1, 10).await;
    let token = server.token().await;
    let conv = conversation_in(&server, "tenant-1", ConversationState::Open).await;
    let before = note_count(&server, conv.id).await;
    let input = json!({ "conversationId": gid(NodeKind::Conversation, conv.id), "body": "Called the customer", "idempotencyKey": "note-1" });
    let a = add_note(&server, &token, input.clone()).await;
    let b = add_note(&server, &token, input).await;
    assert_eq!(a["note"]["id"], b["note"]["id"]);
    assert_eq!(note_count(&server, conv.id).await, before + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn add_notes_keeps_the_good_ones_and_reports_each_bad_one() {
    let server = TestServer::start(2, 20).await;
    let token = server.token().await;
    let agents = agents_of(&server, "tenant-1").await;
    let foreign_agent = agents_of(&server, "tenant-2").await[0];
    let conv = conversation_in(&server, "tenant-1", ConversationState::Pending).await;
    let cid = gid(NodeKind::Conversation, conv.id);
    let before = note_count(&server, conv.id).await;
    let logged = entries(&server, conv.id, ActivityType::NoteAdded)
        .await
        .len();
    let notes = json!([
        { "body": "Checked the logs: timeout at the payment provider." },
        { "body": "   " },
        { "body": "Asked billing to refund.", "authorId": gid(NodeKind::Agent, agents[1]) },
        { "body": "Who wrote this?", "authorId": gid(NodeKind::Agent, foreign_agent) },
        { "body": "Refund confirmed.", "createdAt": "2024-03-05T10:00:00Z" },
    ]);
    let reply = server
        .post(
            Some(&token),
            ADD_NOTES,
            json!({ "input": { "conversationId": cid, "notes": notes, "clientMutationId": "bulk" } }),
        )
        .await;
    let p = &reply.data()["addNotes"];
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "bulk");
    assert_eq!(p["conversation"]["id"], cid);
    let results = p["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let kinds: Vec<&str> = results
        .iter()
        .map(|r| r["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "NoteAdded",
            "NoteRejected",
            "NoteAdded",
            "NoteRejected",
            "NoteAdded"
        ]
    );
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["index"], i);
    }
    assert_eq!(results[1]["userErrors"][0]["code"], "INVALID_VALUE");
    assert_eq!(
        results[1]["userErrors"][0]["field"],
        json!(["input", "notes", "1", "body"])
    );
    assert_eq!(results[3]["userErrors"][0]["code"], "NOT_FOUND");
    assert_eq!(
        results[3]["userErrors"][0]["field"],
        json!(["input", "notes", "3", "authorId"])
    );
    assert_eq!(
        results[2]["note"]["author"]["id"],
        gid(NodeKind::Agent, agents[1])
    );
    assert_eq!(
        results[0]["note"]["author"]["id"],
        gid(NodeKind::Agent, agents[0])
    );
    assert_eq!(note_count(&server, conv.id).await, before + 3);
    let log = entries(&server, conv.id, ActivityType::NoteAdded).await;
    assert_eq!(log.len(), logged + 3, "one NOTE_ADDED per written note");
    let bodies: Vec<String> = note::Entity::find()
        .filter(note::Column::ConversationId.eq(conv.id))
        .all(&server.db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.body)
        .collect();
    assert!(!bodies.iter().any(|b| b == "Who wrote this?"));

    // A retry with a key gives the same results and writes nothing more.
    let input = json!({ "conversationId": cid, "notes": [{ "body": "ok" }, { "body": "" }], "idempotencyKey": "bulk-1" });
    let first = server
        .post(Some(&token), ADD_NOTES, json!({ "input": input.clone() }))
        .await;
    let second = server
        .post(Some(&token), ADD_NOTES, json!({ "input": input }))
        .await;
    assert_eq!(
        first.data()["addNotes"]["results"],
        second.data()["addNotes"]["results"]
    );
    assert_eq!(note_count(&server, conv.id).await, before + 4);

    // An ID that does not decode fails its item only.
    let reply = server
        .post(
            Some(&token),
            ADD_NOTES,
            json!({ "input": { "conversationId": cid, "notes": [{ "body": "a", "authorId": "junk" }, { "body": "b" }] } }),
        )
        .await;
    let results = &reply.data()["addNotes"]["results"];
    assert_eq!(results[0]["userErrors"][0]["code"], "NOT_FOUND");
    assert_eq!(results[1]["__typename"], "NoteAdded");
    assert_eq!(note_count(&server, conv.id).await, before + 5);

    // No notes: refused whole.
    let reply = server
        .post(
            Some(&token),
            ADD_NOTES,
            json!({ "input": { "conversationId": cid, "notes": [] } }),
        )
        .await;
    let p = &reply.data()["addNotes"];
    assert_eq!(p["results"], json!([]));
    assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "notes"]));
    // More than 100: a list over `--max-list-items`, refused before it runs.
    let notes = json!(vec![json!({ "body": "x" }); 101]);
    let reply = server
        .post(
            Some(&token),
            ADD_NOTES,
            json!({ "input": { "conversationId": cid, "notes": notes } }),
        )
        .await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
    assert_eq!(note_count(&server, conv.id).await, before + 5);

    let foreign = conversation_in(&server, "tenant-2", ConversationState::Open).await;
    let reply = server
        .post(
            Some(&token),
            ADD_NOTES,
            json!({ "input": { "conversationId": gid(NodeKind::Conversation, foreign.id), "notes": [{ "body": "x" }] } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
}

async fn offer(server: &TestServer, token: &str, input: Value) -> Value {
    let reply = server
        .post(Some(token), OFFER, json!({ "input": input }))
        .await;
    reply.data()["offerRating"].clone()
}

async fn submit(server: &TestServer, token: &str, input: Value) -> Value {
    let reply = server
        .post(Some(token), SUBMIT, json!({ "input": input }))
        .await;
    reply.data()["submitRating"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn ratings_are_offered_then_submitted_once_within_their_range() {
    let server = TestServer::start(2, 20).await;
    let token = server.token().await;
    let conv = conversation_in(&server, "tenant-1", ConversationState::Closed).await;
    let cid = gid(NodeKind::Conversation, conv.id);
    let offered_before = entries(&server, conv.id, ActivityType::RatingOffered)
        .await
        .len();

    // Offered on a closed conversation, with defaults from the conversation.
    let p = offer(
        &server,
        &token,
        json!({ "conversationId": cid, "ratingType": "CSAT", "clientMutationId": "o" }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "o");
    let r = &p["rating"];
    assert_eq!(
        (&r["status"], &r["ratingType"]),
        (&json!("OFFERED"), &json!("CSAT"))
    );
    assert!(r["score"].is_null() && r["submittedAt"].is_null());
    // The agent: the conversation's assignee, else the viewer.
    let expected = conv
        .assignee_id
        .unwrap_or(agents_of(&server, "tenant-1").await[0]);
    assert_eq!(r["agent"]["id"], gid(NodeKind::Agent, expected));
    match conv.requester_id {
        Some(c) => assert_eq!(r["contact"]["id"], gid(NodeKind::Contact, c)),
        None => assert!(r["contact"].is_null()),
    }
    assert_eq!(r["language"], json!(conv.language));
    assert_eq!(p["ratingEdge"]["node"]["id"], r["id"]);
    let csat = r["id"].as_str().unwrap().to_owned();
    let log = entries(&server, conv.id, ActivityType::RatingOffered).await;
    assert_eq!(log.len(), offered_before + 1);

    // CSAT is 1 to 5.
    for score in [0, 6, -1] {
        let p = submit(&server, &token, json!({ "ratingId": csat, "score": score })).await;
        assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE", "{score}");
        assert_eq!(p["userErrors"][0]["field"], json!(["input", "score"]));
    }
    let (_, key) = parley::ids::decode(&csat).unwrap();
    let row = rating::Entity::find_by_id(key)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, RatingStatus::Offered, "refusals change nothing");
    let p = submit(
        &server,
        &token,
        json!({ "ratingId": csat, "score": 5, "comment": " Super fast help! ", "clientMutationId": "s" }),
    )
    .await;
    assert_eq!(p["userErrors"], json!([]));
    assert_eq!(p["clientMutationId"], "s");
    assert_eq!(
        (
            &p["rating"]["status"],
            &p["rating"]["score"],
            &p["rating"]["comment"]
        ),
        (&json!("SUBMITTED"), &json!(5), &json!("Super fast help!"))
    );
    assert!(p["rating"]["submittedAt"].is_string());
    let log = entries(&server, conv.id, ActivityType::RatingSubmitted).await;
    assert_eq!(log.last().unwrap().rating_id, Some(key));

    // Submitting again is refused and changes nothing.
    let p = submit(&server, &token, json!({ "ratingId": csat, "score": 1 })).await;
    assert_eq!(p["userErrors"][0]["code"], "ALREADY_SUBMITTED");
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "ratingId"]));
    let row = rating::Entity::find_by_id(key)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.score, Some(5));

    // Thumbs are 0 or 1.
    let agents = agents_of(&server, "tenant-1").await;
    let p = offer(
        &server,
        &token,
        json!({ "conversationId": cid, "ratingType": "THUMBS_UP_OR_DOWN", "language": "de", "agentId": gid(NodeKind::Agent, agents[2]) }),
    )
    .await;
    assert_eq!(p["rating"]["agent"]["id"], gid(NodeKind::Agent, agents[2]));
    assert_eq!(p["rating"]["language"], "de");
    let thumbs = p["rating"]["id"].as_str().unwrap().to_owned();
    for score in [2, 5, -1] {
        let p = submit(
            &server,
            &token,
            json!({ "ratingId": thumbs, "score": score }),
        )
        .await;
        assert_eq!(p["userErrors"][0]["code"], "INVALID_VALUE", "{score}");
    }
    let p = submit(&server, &token, json!({ "ratingId": thumbs, "score": 0 })).await;
    assert_eq!(p["rating"]["score"], 0);

    // Bad values and ids.
    let p = offer(
        &server,
        &token,
        json!({ "conversationId": cid, "ratingType": "CSAT", "language": "" }),
    )
    .await;
    assert_eq!(p["userErrors"][0]["field"], json!(["input", "language"]));
    let foreign = conversation_in(&server, "tenant-2", ConversationState::Open).await;
    let foreign_agent = agents_of(&server, "tenant-2").await[0];
    for input in [
        json!({ "conversationId": gid(NodeKind::Conversation, foreign.id), "ratingType": "CSAT" }),
        json!({ "conversationId": cid, "ratingType": "CSAT", "agentId": gid(NodeKind::Agent, foreign_agent) }),
    ] {
        let reply = server
            .post(Some(&token), OFFER, json!({ "input": input }))
            .await;
        assert_eq!(reply.code(), "NOT_FOUND");
    }
    let other = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let reply = server
        .post(
            Some(&other),
            SUBMIT,
            json!({ "input": { "ratingId": thumbs, "score": 1 } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND", "another tenant's rating");
    let reader = server.token_for("tenant-1", "conversation:read").await;
    let reply = server
        .post(
            Some(&reader),
            OFFER,
            json!({ "input": { "conversationId": cid, "ratingType": "CSAT" } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    let reply = server
        .post(
            Some(&reader),
            SUBMIT,
            json!({ "input": { "ratingId": csat, "score": 3 } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_submits_have_one_winner() {
    let server = std::sync::Arc::new(TestServer::start(1, 10).await);
    let token = server.token().await;
    let conv = conversation_in(&server, "tenant-1", ConversationState::Open).await;
    let p = offer(
        &server,
        &token,
        json!({ "conversationId": gid(NodeKind::Conversation, conv.id), "ratingType": "CSAT" }),
    )
    .await;
    let id = p["rating"]["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (server, token, id) = (server.clone(), token.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let score = 1 + i % 5;
            let p = submit(&server, &token, json!({ "ratingId": id, "score": score })).await;
            (score, p)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (score, p) = task.await.unwrap();
        if p["userErrors"] == json!([]) {
            winners.push(score);
        } else {
            assert_eq!(p["userErrors"][0]["code"], "ALREADY_SUBMITTED", "{p}");
        }
    }
    assert_eq!(winners.len(), 1, "exactly one submit wins");
    let (_, key) = parley::ids::decode(&id).unwrap();
    let row = rating::Entity::find_by_id(key)
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.score, Some(winners[0]));
    let submitted = activity::Entity::find()
        .filter(activity::Column::RatingId.eq(key))
        .filter(activity::Column::Kind.eq(ActivityType::RatingSubmitted))
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(submitted, 1, "exactly one RATING_SUBMITTED entry");
}
