//! Assistant runs over GraphQL and graphql-ws: a run streams its answer, queued
//! questions are answered in order, cancelling keeps what was written, one run per
//! conversation holds under concurrent asks, limits refuse with their codes, and a
//! run left RUNNING by a dead process is failed with its queue kept.

use std::time::Duration;

use entity::enums::AssistantRunStatus;
use entity::{assistant_queue, assistant_run};
use futures_util::SinkExt;
use parley::ids::NodeKind;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::assistant::{ANSWER, QUESTION, conversation};
use crate::common::{Config, TestServer, payload};
use crate::subscriptions::{Socket, connect, next_message};

const ASK: &str = "mutation($input: AskAssistantInput!) { askAssistant(input: $input) { run { id status content } queuedMessage { id content } userErrors { code field } } }";
const ENQUEUE: &str = "mutation($input: EnqueueAssistantMessageInput!) { enqueueAssistantMessage(input: $input) { queuedMessage { id content } userErrors { code } } }";
pub(crate) const CANCEL: &str = "mutation($input: CancelAssistantRunInput!) { cancelAssistantRun(input: $input) { run { status text answer { text metadata } } userErrors { code } } }";
pub(crate) const RUNS: &str = "query($id: ID!) { node(id: $id) { ... on Conversation { assistantQueue { content } assistantRuns(last: 20) { status content text error promptTokens completionTokens answer { role text metadata } } } } }";
const EVENTS: &str = "subscription($id: ID!) { assistantRunEvents(conversationId: $id) { type delta run { id status content text } } }";

/// An open conversation of tenant-1 to ask in.
pub(crate) async fn open_conversation(server: &TestServer, token: &str) -> String {
    let create = "mutation { createConversation(input: { subject: \"Ask\", message: { text: \"Hello\", role: USER } }) { conversation { id } } }";
    let reply = server.post(Some(token), create, json!({})).await;
    payload(&reply, "createConversation")["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn ask(server: &TestServer, token: &str, id: &str, content: &str) -> Value {
    let input = json!({ "conversationId": id, "content": content, "sessionId": "s-1", "uiContext": { "page": "inbox" } });
    let reply = server
        .post(Some(token), ASK, json!({ "input": input }))
        .await;
    payload(&reply, "askAssistant").clone()
}

pub(crate) async fn follow(server: &TestServer, token: &str, conversation: &str) -> Socket {
    let (mut socket, ack) = connect(&server.url, token).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let message = json!({ "id": "runs", "type": "subscribe", "payload": { "query": EVENTS, "variables": { "id": conversation } } });
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    socket
}

/// The next run event on the socket.
pub(crate) async fn event(socket: &mut Socket) -> Value {
    let message = next_message(socket).await.expect("an event");
    assert_eq!(message["type"], "next", "{message}");
    message["payload"]["data"]["assistantRunEvents"].clone()
}

/// The conversation's runs, newest first, once none is RUNNING.
pub(crate) async fn settled(server: &TestServer, token: &str, id: &str) -> Value {
    for _ in 0..200 {
        let reply = server.post(Some(token), RUNS, json!({ "id": id })).await;
        let node = reply.data()["node"].clone();
        let runs = node["assistantRuns"].as_array().unwrap();
        if runs.iter().all(|r| r["status"] != "RUNNING") && node["assistantQueue"] == json!([]) {
            return node;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the runs did not end");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_streams_its_answer_and_queued_questions_are_answered_in_order() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    conversation(&server, &token, QUESTION, ANSWER, true).await;
    let id = open_conversation(&server, &token).await;
    let mut socket = follow(&server, &token, &id).await;

    // Three questions wait in the queue; asking starts the first run, and each run
    // that ends starts the next queued one.
    let queued = [
        "first: flux capacitor overheats",
        "second: quantum drive",
        "third: penguins",
    ];
    for content in queued {
        let reply = server
            .post(
                Some(&token),
                ENQUEUE,
                json!({ "input": { "conversationId": id, "content": content } }),
            )
            .await;
        assert_eq!(
            payload(&reply, "enqueueAssistantMessage")["queuedMessage"]["content"],
            content
        );
    }
    let asked = ask(
        &server,
        &token,
        &id,
        "My flux capacitor overheats when the quantum drive spins up",
    )
    .await;
    assert_eq!(asked["run"]["status"], "RUNNING", "{asked}");
    // With a run going, asking queues.
    let more = ask(&server, &token, &id, "fourth: still there?").await;
    assert!(more["run"].is_null());
    assert_eq!(more["queuedMessage"]["content"], "fourth: still there?");

    let mut order = Vec::new();
    let mut streamed = String::new();
    while order.len() < 5 {
        let event = event(&mut socket).await;
        match event["type"].as_str().unwrap() {
            "STARTED" => streamed.clear(),
            "CHUNK" => {
                streamed.push_str(event["delta"].as_str().unwrap());
                assert_eq!(event["run"]["text"], streamed.as_str());
            }
            "COMPLETED" => {
                assert_eq!(event["run"]["text"], streamed.as_str());
                order.push(event["run"]["content"].as_str().unwrap().to_owned());
            }
            other => panic!("unexpected {other}: {event}"),
        }
    }
    assert_eq!(
        order,
        [
            "My flux capacitor overheats when the quantum drive spins up",
            queued[0],
            queued[1],
            queued[2],
            "fourth: still there?"
        ]
    );

    let node = settled(&server, &token, &id).await;
    let runs = node["assistantRuns"].as_array().unwrap();
    assert_eq!(runs.len(), 5);
    // The first question was answered from the solved conversation, word for word.
    let first = &runs[4];
    assert_eq!(first["status"], "COMPLETED");
    assert_eq!(first["text"], ANSWER);
    assert_eq!(first["answer"]["role"], "ASSISTANT");
    assert_eq!(first["answer"]["text"], ANSWER);
    let metadata = &first["answer"]["metadata"];
    assert_eq!(metadata["provider"], "retrieval");
    assert!(metadata["latencyMs"].is_u64());
    assert!(metadata["confidence"].as_f64().unwrap() >= 0.3);
    assert!(!metadata["sources"].as_array().unwrap().is_empty());
    // Nothing resembles the penguins: the answer says so, it invents nothing.
    let penguins = &runs[1];
    assert!(
        penguins["text"]
            .as_str()
            .unwrap()
            .starts_with("I do not know")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_stops_the_run_and_keeps_what_it_wrote() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let long = format!(
        "{ANSWER} {}",
        "Then check every cable and fan once more. ".repeat(40)
    );
    conversation(&server, &token, QUESTION, long.trim(), true).await;
    let id = open_conversation(&server, &token).await;
    let mut socket = follow(&server, &token, &id).await;
    let asked = ask(&server, &token, &id, QUESTION).await;
    let run = asked["run"]["id"].as_str().unwrap().to_owned();
    loop {
        if event(&mut socket).await["type"] == "CHUNK" {
            break;
        }
    }
    let reply = server
        .post(Some(&token), CANCEL, json!({ "input": { "runId": run } }))
        .await;
    let cancelled = &payload(&reply, "cancelAssistantRun")["run"];
    assert_eq!(cancelled["status"], "CANCELLED", "{:#}", reply.body);
    let text = cancelled["text"].as_str().unwrap();
    assert!(!text.is_empty() && long.trim().starts_with(text) && text.len() < long.trim().len());
    assert_eq!(cancelled["answer"]["text"], text);
    assert_eq!(cancelled["answer"]["metadata"]["status"], "CANCELLED");
    loop {
        let event = event(&mut socket).await;
        if event["type"] == "CANCELLED" {
            assert_eq!(event["run"]["text"], text);
            break;
        }
    }
    // Once ended, it cannot be cancelled again.
    let again = server
        .post(Some(&token), CANCEL, json!({ "input": { "runId": run } }))
        .await;
    assert_eq!(
        payload(&again, "cancelAssistantRun")["userErrors"][0]["code"],
        "INVALID_STATE"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_asks_start_one_run_and_queue_the_rest() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let id = open_conversation(&server, &token).await;
    let asks = (0..8).map(|i| {
        let (server, token, id) = (&server, &token, &id);
        async move { ask(server, token, id, &format!("question {i}")).await }
    });
    let replies = futures_util::future::join_all(asks).await;
    let started = replies.iter().filter(|r| r["run"].is_object()).count();
    let queued = replies
        .iter()
        .filter(|r| r["queuedMessage"].is_object())
        .count();
    assert_eq!((started, queued), (1, 7), "{replies:#?}");
    let node = settled(&server, &token, &id).await;
    assert_eq!(node["assistantRuns"].as_array().unwrap().len(), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_asks_are_refused_with_their_codes_and_change_nothing() {
    let server = TestServer::start(2, 3).await;
    let token = server.token().await;
    let id = open_conversation(&server, &token).await;
    assert_eq!(
        ask(&server, &token, &id, "   ").await["userErrors"][0]["code"],
        "INVALID_VALUE"
    );
    let huge =
        json!({ "conversationId": id, "content": "hi", "uiContext": { "x": "y".repeat(20_000) } });
    let reply = server
        .post(Some(&token), ASK, json!({ "input": huge }))
        .await;
    assert_eq!(
        payload(&reply, "askAssistant")["userErrors"][0]["field"],
        json!(["input", "uiContext"])
    );
    let long = "word ".repeat(4_000);
    assert_eq!(
        ask(&server, &token, &id, &long).await["userErrors"][0]["code"],
        "INVALID_VALUE"
    );

    // The queue holds 20.
    for i in 0..20 {
        let reply = server
            .post(
                Some(&token),
                ENQUEUE,
                json!({ "input": { "conversationId": id, "content": format!("q{i}") } }),
            )
            .await;
        assert!(
            payload(&reply, "enqueueAssistantMessage")["userErrors"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
    let reply = server
        .post(
            Some(&token),
            ENQUEUE,
            json!({ "input": { "conversationId": id, "content": "one too many" } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "enqueueAssistantMessage")["userErrors"][0]["code"],
        "LIMIT_EXCEEDED"
    );
    let clear = "mutation($input: ClearAssistantQueueInput!) { clearAssistantQueue(input: $input) { cleared } }";
    let reply = server
        .post(
            Some(&token),
            clear,
            json!({ "input": { "conversationId": id } }),
        )
        .await;
    assert_eq!(payload(&reply, "clearAssistantQueue")["cleared"], 20);

    // Another tenant's conversation and queue are not there; reading needs no write.
    let other = server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let reply = server
        .post(
            Some(&other),
            ASK,
            json!({ "input": { "conversationId": id, "content": "hi" } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
    let reader = server.token_for("tenant-1", "conversation:read").await;
    let reply = server
        .post(
            Some(&reader),
            ASK,
            json!({ "input": { "conversationId": id, "content": "hi" } }),
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    let reply = server
        .post(
            Some(&token),
            ENQUEUE,
            json!({ "input": { "conversationId": id, "content": "mine" } }),
        )
        .await;
    let item = payload(&reply, "enqueueAssistantMessage")["queuedMessage"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let edit = "mutation($input: UpdateAssistantQueuedMessageInput!) { updateAssistantQueuedMessage(input: $input) { queuedMessage { content } } }";
    let reply = server
        .post(
            Some(&other),
            edit,
            json!({ "input": { "id": item, "content": "theirs" } }),
        )
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
    let reply = server
        .post(
            Some(&token),
            edit,
            json!({ "input": { "id": item, "content": "edited" } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "updateAssistantQueuedMessage")["queuedMessage"]["content"],
        "edited"
    );
    let delete = "mutation($input: DeleteAssistantQueuedMessageInput!) { deleteAssistantQueuedMessage(input: $input) { deletedQueuedMessageId } }";
    let reply = server
        .post(Some(&token), delete, json!({ "input": { "id": item } }))
        .await;
    assert_eq!(
        payload(&reply, "deleteAssistantQueuedMessage")["deletedQueuedMessageId"],
        item.as_str()
    );
    let reply = server
        .post(Some(&token), delete, json!({ "input": { "id": item } }))
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");

    // A closed conversation takes no question.
    let close = "mutation($input: CloseConversationInput!) { closeConversation(input: $input) { userErrors { code } } }";
    server
        .post(
            Some(&token),
            close,
            json!({ "input": { "conversationId": id } }),
        )
        .await;
    assert_eq!(
        ask(&server, &token, &id, "hi").await["userErrors"][0]["code"],
        "CONVERSATION_CLOSED"
    );
    // Nothing ran, and the server still answers.
    let node = settled(&server, &token, &id).await;
    assert_eq!(node["assistantRuns"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_left_running_by_a_dead_process_is_failed_and_its_queue_kept() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let id = open_conversation(&server, &token).await;
    let key = parley::ids::decode_as(&id, NodeKind::Conversation).unwrap();
    let long_ago = chrono::Utc::now().timestamp_micros() - 60_000_000;
    // What a process that died mid-run leaves: a RUNNING run whose heartbeat stopped,
    // and a question queued behind it.
    let run = assistant_run::ActiveModel {
        tenant_id: Set("tenant-1".into()),
        conversation_id: Set(key),
        status: Set(AssistantRunStatus::Running),
        content: Set("interrupted".into()),
        provider: Set("retrieval".into()),
        partial_text: Set("half an ans".into()),
        is_sandbox: Set(false),
        started_at: Set(long_ago),
        heartbeat_at: Set(long_ago),
        ..Default::default()
    }
    .insert(&server.db)
    .await
    .unwrap();
    assistant_queue::ActiveModel {
        tenant_id: Set("tenant-1".into()),
        conversation_id: Set(key),
        content: Set("still waiting".into()),
        created_at: Set(long_ago),
        updated_at: Set(long_ago),
        ..Default::default()
    }
    .insert(&server.db)
    .await
    .unwrap();
    // A gateway starting over the database fails it.
    let _restarted = server.replica(Config::default()).await;
    let mut status = AssistantRunStatus::Running;
    for _ in 0..100 {
        let found = assistant_run::Entity::find_by_id(run.id)
            .one(&server.db)
            .await
            .unwrap()
            .unwrap();
        status = found.status;
        if status != AssistantRunStatus::Running {
            assert!(found.error.unwrap().contains("interrupted"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, AssistantRunStatus::Failed);
    let waiting = assistant_queue::Entity::find()
        .filter(assistant_queue::Column::ConversationId.eq(key))
        .count(&server.db)
        .await
        .unwrap();
    assert_eq!(waiting, 1);
}
