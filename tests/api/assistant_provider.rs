//! The OpenAI-compatible provider against a local server that speaks the chat
//! completions streaming protocol as the real one does: `data:` lines in chunks,
//! a usage chunk, `[DONE]`, JSON error bodies, 429s, a stream cut mid-way, a slow
//! first byte, and a client that goes away mid-answer.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::assistant::{ANSWER, QUESTION, conversation};
use crate::assistant_runs::{CANCEL, ask, event, follow, open_conversation, settled};
use crate::common::{Config, Outage, TestServer, payload};

/// What the model answers.
const MODEL_ANSWER: &str = "Please reset the quantum drive firmware, then recalibrate.";

/// A request the server received: its `Authorization` header and its body.
type Seen = (Option<String>, Value);

#[derive(Clone, Default)]
struct Upstream {
    requests: Arc<Mutex<Vec<Seen>>>,
    attempts: Arc<AtomicUsize>,
    /// The client closed a stream before its end.
    dropped: Arc<AtomicBool>,
}

/// Sets `dropped` unless the stream ran to its end.
struct Guard(Arc<AtomicBool>, bool);

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.1 {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

fn data(value: &Value) -> Result<Bytes, Infallible> {
    Ok(Bytes::from(format!("data: {value}\n\n")))
}

async fn complete(State(up): State<Upstream>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    up.requests.lock().unwrap().push((auth, body.clone()));
    let attempt = up.attempts.fetch_add(1, Ordering::SeqCst) + 1;
    if body["stream"] == false {
        // A translation: the whole answer at once.
        let text = body["messages"][1]["content"].as_str().unwrap_or("");
        let answer = json!({ "choices": [{ "index": 0, "message": { "role": "assistant", "content": format!("[fr] {text}") } }] });
        return axum::Json(answer).into_response();
    }
    let question = body["messages"][2]["content"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    if question.contains("[429]") && attempt <= 2 {
        let error =
            json!({ "error": { "message": "Rate limit reached", "type": "rate_limit_error" } });
        return (StatusCode::TOO_MANY_REQUESTS, axum::Json(error)).into_response();
    }
    if question.contains("[500]") {
        return (StatusCode::INTERNAL_SERVER_ERROR, "upstream exploded").into_response();
    }
    if question.contains("[400]") {
        let error = json!({ "error": { "message": "The model `x` does not exist" } });
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    }
    if question.contains("[slow]") {
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    if question.contains("[stall]") {
        tokio::time::sleep(Duration::from_millis(3500)).await;
    }
    let (words, gap, cut) = if question.contains("[long]") {
        ("word ".repeat(300), 20, false)
    } else {
        (MODEL_ANSWER.to_owned(), 5, question.contains("[cut]"))
    };
    let dropped = up.dropped.clone();
    let stream = async_stream::stream! {
        let mut guard = Guard(dropped, false);
        for (i, word) in words.split_inclusive(' ').enumerate() {
            if cut && i == 3 {
                guard.1 = true;
                return;
            }
            tokio::time::sleep(Duration::from_millis(gap)).await;
            yield data(&json!({ "id": "c1", "object": "chat.completion.chunk", "choices": [{ "index": 0, "delta": { "content": word } }] }));
        }
        yield data(&json!({ "id": "c1", "choices": [], "usage": { "prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49 } }));
        yield Ok(Bytes::from("data: [DONE]\n\n"));
        guard.1 = true;
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

/// The protocol server, and a gateway whose assistant asks it.
async fn gateway(daily_tokens: u64) -> (TestServer, Upstream, String) {
    let upstream = Upstream::default();
    let app = Router::new()
        .route("/v1/chat/completions", post(complete))
        .with_state(upstream.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut config = Config::default();
    config.options.assistant.url = Some(url);
    config.options.assistant.api_key = Some("test-key".into());
    config.options.assistant.model = "parley-test".into();
    config.options.assistant.timeout = Duration::from_secs(5);
    config.options.assistant.daily_tokens = daily_tokens;
    let server = TestServer::builder()
        .tenants(1)
        .conversations(3)
        .config(config)
        .start()
        .await;
    let token = server.token().await;
    (server, upstream, token)
}

/// Asks in a fresh conversation and waits for the run to end; the run.
async fn run(server: &TestServer, token: &str, question: &str) -> Value {
    let id = open_conversation(server, token).await;
    let asked = ask(server, token, &id, question).await;
    assert_eq!(asked["run"]["status"], "RUNNING", "{asked}");
    settled(server, token, &id).await["assistantRuns"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_models_answer_streams_with_the_tenants_history_as_context() {
    let (server, upstream, token) = gateway(0).await;
    conversation(&server, &token, QUESTION, ANSWER, true).await;
    let id = open_conversation(&server, &token).await;
    let mut socket = follow(&server, &token, &id).await;
    ask(&server, &token, &id, QUESTION).await;
    let mut streamed = String::new();
    loop {
        let event = event(&mut socket).await;
        match event["type"].as_str().unwrap() {
            "CHUNK" => streamed.push_str(event["delta"].as_str().unwrap()),
            "COMPLETED" => break,
            "STARTED" => {}
            other => panic!("{other}: {event}"),
        }
    }
    assert_eq!(streamed, MODEL_ANSWER);
    let done = &settled(&server, &token, &id).await["assistantRuns"][0];
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["answer"]["text"], MODEL_ANSWER);
    let metadata = &done["answer"]["metadata"];
    assert_eq!(metadata["provider"], "openai");
    assert_eq!(metadata["model"], "parley-test");
    assert_eq!(
        metadata["usage"],
        json!({ "promptTokens": 42, "completionTokens": 7 })
    );

    let requests = upstream.requests.lock().unwrap().clone();
    let (auth, body) = &requests[0];
    assert_eq!(auth.as_deref(), Some("Bearer test-key"));
    assert_eq!(body["model"], "parley-test");
    assert_eq!(body["stream"], true);
    // The question is the user's message, as sent; the context holds the solved
    // conversation that resembles it.
    assert_eq!(
        body["messages"][2],
        json!({ "role": "user", "content": QUESTION })
    );
    assert!(
        body["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains(ANSWER)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_retried_and_errors_end_the_run_with_the_providers_words() {
    let (server, upstream, token) = gateway(0).await;
    let done = run(&server, &token, "[429] Where is my order?").await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["text"], MODEL_ANSWER);
    assert_eq!(upstream.attempts.swap(0, Ordering::SeqCst), 3);

    let failed = run(&server, &token, "[500] Where is my order?").await;
    assert_eq!(failed["status"], "FAILED");
    let error = failed["error"].as_str().unwrap();
    assert!(
        error.contains("500") && error.contains("upstream exploded"),
        "{error}"
    );
    assert_eq!(upstream.attempts.swap(0, Ordering::SeqCst), 3);

    // A client error is not retried.
    let refused = run(&server, &token, "[400] Where is my order?").await;
    assert_eq!(refused["status"], "FAILED");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
    assert_eq!(upstream.attempts.swap(0, Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_stream_fails_and_keeps_what_came_and_a_slow_first_byte_is_waited_for() {
    let (server, _upstream, token) = gateway(0).await;
    let cut = run(&server, &token, "[cut] Where is my order?").await;
    assert_eq!(cut["status"], "FAILED", "{cut}");
    assert_eq!(cut["text"], "Please reset the ");
    assert!(cut["error"].as_str().unwrap().contains("[DONE]"));
    assert_eq!(cut["answer"]["text"], "Please reset the ");

    let slow = run(&server, &token, "[slow] Where is my order?").await;
    assert_eq!(slow["status"], "COMPLETED", "{slow}");
    assert_eq!(slow["text"], MODEL_ANSWER);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_run_drops_the_upstream_stream() {
    let (server, upstream, token) = gateway(0).await;
    let id = open_conversation(&server, &token).await;
    let mut socket = follow(&server, &token, &id).await;
    let asked = ask(&server, &token, &id, "[long] Tell me everything.").await;
    let run = asked["run"]["id"].as_str().unwrap().to_owned();
    while event(&mut socket).await["type"] != "CHUNK" {}
    let reply = server
        .post(Some(&token), CANCEL, json!({ "input": { "runId": run } }))
        .await;
    let cancelled = &payload(&reply, "cancelAssistantRun")["run"];
    assert_eq!(cancelled["status"], "CANCELLED", "{:#}", reply.body);
    assert!(cancelled["text"].as_str().unwrap().starts_with("word"));
    let mut dropped = false;
    for _ in 0..50 {
        dropped = upstream.dropped.load(Ordering::SeqCst);
        if dropped {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(dropped, "the upstream stream was not closed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_over_its_daily_tokens_is_refused() {
    let (server, _upstream, token) = gateway(40).await;
    let done = run(&server, &token, "Where is my order?").await;
    assert_eq!(done["status"], "COMPLETED");
    let id = open_conversation(&server, &token).await;
    let refused = ask(&server, &token, &id, "And now?").await;
    assert_eq!(
        refused["userErrors"][0]["code"], "LIMIT_EXCEEDED",
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_are_translated_by_the_model() {
    let (server, upstream, token) = gateway(0).await;
    let id = open_conversation(&server, &token).await;
    let add = "mutation($input: AddMessageInput!) { addMessage(input: $input) { message { id } } }";
    let text = "Where is my parcel? It was due on Monday.";
    let input = json!({ "conversationId": id, "text": text, "language": "en" });
    let reply = server
        .post(Some(&token), add, json!({ "input": input }))
        .await;
    let message = payload(&reply, "addMessage")["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = "query($id: ID!) { node(id: $id) { ... on Message { fr: translated(to: \"fr\") { text language provider unavailableReason } short: translation(to: \"FR\") own: translation(to: \"en\") } } }";
    let reply = server
        .post(Some(&token), read, json!({ "id": message }))
        .await;
    let node = &reply.data()["node"];
    assert_eq!(
        node["fr"],
        json!({ "text": format!("[fr] {text}"), "language": "fr", "provider": "openai", "unavailableReason": null })
    );
    assert_eq!(node["short"], format!("[fr] {text}"));
    // Its own language needs no model.
    assert_eq!(node["own"], text);
    let (_, body) = upstream.requests.lock().unwrap()[0].clone();
    assert_eq!(
        body["messages"][1],
        json!({ "role": "user", "content": text })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_waiting_for_its_provider_keeps_its_heartbeat() {
    use entity::assistant_run;
    use sea_orm::EntityTrait;
    let (server, _upstream, token) = gateway(0).await;
    let id = open_conversation(&server, &token).await;
    ask(&server, &token, &id, "[stall] Where is my order?").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let runs = assistant_run::Entity::find().all(&server.db).await.unwrap();
    let run = runs.iter().find(|r| r.content.contains("[stall]")).unwrap();
    assert_eq!(run.status, entity::enums::AssistantRunStatus::Running);
    // No byte yet, and still it beat: no sweeper takes it for a dead run.
    assert!(run.heartbeat_at >= run.started_at + 900_000, "{run:?}");
    let done = &settled(&server, &token, &id).await["assistantRuns"][0];
    assert_eq!(done["status"], "COMPLETED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_ends_while_the_database_is_away_keeps_its_answer() {
    use entity::{assistant_run, message};
    use sea_orm::EntityTrait;
    // PostgreSQL: an outage of this test's database alone, as a restart looks.
    let Ok(admin_url) = std::env::var("PARLEY_TEST_DATABASE_URL") else {
        return;
    };
    let (server, _upstream, token) = gateway(0).await;
    let id = open_conversation(&server, &token).await;
    ask(&server, &token, &id, "[stall] Where is my order?").await;
    // The provider answers 3.5 s after the ask: the run ends while the database is away.
    tokio::time::sleep(Duration::from_millis(2800)).await;
    let outage = Outage::start(&admin_url, &server.db).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    outage.end().await;
    let done = &settled(&server, &token, &id).await["assistantRuns"][0];
    assert_eq!(done["status"], "COMPLETED", "{done:#}");
    let runs = assistant_run::Entity::find().all(&server.db).await.unwrap();
    let run = runs.iter().find(|r| r.content.contains("[stall]")).unwrap();
    let reply = message::Entity::find_by_id(run.reply_message_id.expect("an answer"))
        .one(&server.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply.text, MODEL_ANSWER);
}
