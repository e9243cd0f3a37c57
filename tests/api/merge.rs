//! `mergeConversations`: everything moves to the target, the source closes pointing
//! at it, and only one of many concurrent merges of a pair (in either direction) merges.

use entity::enums::{ActivityType, ConversationState};
use entity::{activity, conversation, message, tag};
use futures_util::future::join_all;
use parley::ids::NodeKind;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{Config, TestServer, codes, gid, payload};

const MERGE: &str = "mutation($input: MergeConversationsInput!) { mergeConversations(input: $input) { source { id state mergedInto { id } messages { totalCount } } target { id lastMessage { id } messages { totalCount } tags { nodes { name } } } userErrors { field code } } }";
const CREATE: &str = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } } }";

async fn create(server: &TestServer, token: &str, text: &str) -> Value {
    let input = json!({ "subject": text, "message": { "text": text } });
    let reply = server
        .post(Some(token), CREATE, json!({ "input": input }))
        .await;
    payload(&reply, "createConversation")["conversation"]["id"].clone()
}

async fn conversations_count(server: &TestServer, tag: i64) -> i64 {
    let tag = tag::Entity::find_by_id(tag).one(&server.db).await.unwrap();
    tag.unwrap().conversations_count
}

fn merge(source: &Value, target: &Value) -> Value {
    json!({ "input": { "sourceId": source, "targetId": target } })
}

#[tokio::test(flavor = "multi_thread")]
async fn merging_moves_messages_notes_tags_and_closes_the_source() {
    let server = TestServer::start(2, 0).await;
    let token = server.token().await;
    let source = create(&server, &token, "My order is late").await;
    let target = create(&server, &token, "Where is my parcel?").await;
    let tags: Vec<tag::Model> = tag::Entity::find()
        .filter(tag::Column::TenantId.eq("tenant-1"))
        .filter(tag::Column::State.eq(entity::enums::TagState::Active))
        .order_by_asc(tag::Column::Id)
        .all(&server.db)
        .await
        .unwrap();
    let tag_on = "mutation($input: TagConversationInput!) { tagConversation(input: $input) { userErrors { code } } }";
    // The first tag on both, the second on the source only.
    for (conv, tag) in [
        (&source, &tags[0]),
        (&target, &tags[0]),
        (&source, &tags[1]),
    ] {
        let input = json!({ "conversationId": conv, "tagId": gid(NodeKind::Tag, tag.id) });
        server
            .post(Some(&token), tag_on, json!({ "input": input }))
            .await;
    }
    let note = "mutation($input: AddNoteInput!) { addNote(input: $input) { userErrors { code } } }";
    server
        .post(
            Some(&token),
            note,
            json!({ "input": { "conversationId": source, "body": "VIP" } }),
        )
        .await;
    let count_before = |t: &tag::Model| t.conversations_count;
    let (first_before, second_before) = (count_before(&tags[0]) + 2, count_before(&tags[1]) + 1);

    let reply = server
        .post(Some(&token), MERGE, merge(&source, &target))
        .await;
    let p = payload(&reply, "mergeConversations");
    assert_eq!(p["userErrors"], json!([]), "{p}");
    assert_eq!(p["source"]["state"], "CLOSED");
    assert_eq!(p["source"]["mergedInto"]["id"], target);
    assert_eq!(p["source"]["messages"]["totalCount"], 0);
    assert_eq!(p["target"]["messages"]["totalCount"], 2);
    let mut names: Vec<&str> = p["target"]["tags"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    let mut expected = vec![tags[0].name.as_str(), tags[1].name.as_str()];
    expected.sort_unstable();
    assert_eq!(names, expected);
    // The tag both carried counts one conversation less; the moved one as before.
    assert_eq!(
        conversations_count(&server, tags[0].id).await,
        first_before - 1
    );
    assert_eq!(
        conversations_count(&server, tags[1].id).await,
        second_before
    );
    let notes = "query($id: ID!) { node(id: $id) { ... on Conversation { notes { totalCount } activity(first: 5) { nodes { type otherConversation { id } } } } } }";
    let reply = server
        .post(Some(&token), notes, json!({ "id": target }))
        .await;
    let node = &reply.data()["node"];
    assert_eq!(node["notes"]["totalCount"], 1);
    let merged: Vec<&Value> = node["activity"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "MERGED")
        .collect();
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0]["otherConversation"]["id"], source);

    // What cannot be merged, and reopening the merged one.
    let other = create(&server, &token, "Another").await;
    for (input, field, code) in [
        (merge(&other, &other), "targetId", "INVALID_VALUE"),
        (merge(&source, &other), "sourceId", "INVALID_STATE"),
        (merge(&other, &source), "targetId", "INVALID_STATE"),
    ] {
        let reply = server.post(Some(&token), MERGE, input).await;
        let p = payload(&reply, "mergeConversations");
        assert_eq!(
            p["userErrors"],
            json!([{ "field": ["input", field], "code": code }]),
            "{p}"
        );
    }
    let reopen = "mutation($input: ReopenConversationInput!) { reopenConversation(input: $input) { userErrors { code } } }";
    let reply = server
        .post(
            Some(&token),
            reopen,
            json!({ "input": { "conversationId": source } }),
        )
        .await;
    assert_eq!(
        codes(payload(&reply, "reopenConversation")),
        ["INVALID_STATE"]
    );
    // Another tenant's conversation does not exist.
    let foreign = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let mine = create(&server, &foreign, "Theirs").await;
    let reply = server.post(Some(&token), MERGE, merge(&other, &mine)).await;
    assert_eq!(reply.code(), "NOT_FOUND");
}

/// Sixteen merges at once, half of them A into B and half B into A: one merges, the
/// others are refused, and every message is in one place.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_merges_of_a_pair_merge_once() {
    let config = Config::racing(20);
    let server = TestServer::builder()
        .tenants(1)
        .config(config)
        .start()
        .await;
    let token = server.token().await;
    let a = create(&server, &token, "First thread").await;
    let b = create(&server, &token, "Second thread").await;
    let replies = join_all((0..16).map(|i| {
        let vars = if i % 2 == 0 {
            merge(&a, &b)
        } else {
            merge(&b, &a)
        };
        let (server, token) = (&server, &token);
        async move { server.post(Some(token), MERGE, vars).await }
    }))
    .await;
    let merged = replies
        .iter()
        .filter(|r| payload(r, "mergeConversations")["userErrors"] == json!([]))
        .count();
    assert_eq!(merged, 1);
    for reply in &replies {
        let p = payload(reply, "mergeConversations");
        if p["userErrors"] != json!([]) {
            assert_eq!(p["userErrors"][0]["code"], "INVALID_STATE", "{p}");
        }
    }
    let merged_rows = conversation::Entity::find()
        .filter(conversation::Column::MergedIntoId.is_not_null())
        .all(&server.db)
        .await
        .unwrap();
    assert_eq!(merged_rows.len(), 1);
    assert_eq!(merged_rows[0].state, ConversationState::Closed);
    let kept = merged_rows[0].merged_into_id.unwrap();
    let on_kept = message::Entity::find()
        .filter(message::Column::ConversationId.eq(kept))
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(on_kept, 2);
    let logged = activity::Entity::find()
        .filter(activity::Column::Kind.eq(ActivityType::Merged))
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(logged, 2, "one entry on each side");
}
