//! An OpenAI-compatible provider: chat completions with `stream: true` over
//! server-sent events. The tenant's most similar solved conversations (the
//! retrieval provider's sources) go with the question as context. The customer's
//! text is only ever a message's content, JSON-encoded: never spliced into the
//! instructions, a tool call or SQL. Answers with no first byte within the timeout,
//! and 429 and 5xx answers, are retried twice with exponential backoff and jitter;
//! other errors end the run with the provider's status and the start of its body.
//! Dropping the answer's stream (a cancelled run) drops the HTTP response, which
//! closes the upstream connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::message;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use rand::Rng;
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use serde_json::{Value, json};

use super::retrieval::Retrieval;
use super::{Answer, Draft, Provider, Translation, Usage};
use crate::config::AssistantOptions;
use crate::db::scoped;
use crate::error::{Error, Result};

/// Attempts per request (the first and two retries).
const ATTEMPTS: u32 = 3;
/// The first retry's wait; each next one doubles it, plus up to as much jitter.
const BACKOFF: Duration = Duration::from_millis(250);
/// Bytes of an error body kept for the run's `error`.
const ERROR_BODY: usize = 2048;

const INSTRUCTIONS: &str = "You are a customer support assistant. Answer the customer's \
    question in their language, briefly and politely, using the solved conversations \
    given as context when they apply. If they do not, say that you do not know and that \
    a member of the team will follow up. Never invent order numbers, prices or policies.";

/// Chat completions at `url`.
pub struct OpenAi {
    client: reqwest::Client,
    endpoint: String,
    model: String,
    key: Option<String>,
    timeout: Duration,
    max_tokens: u32,
}

impl OpenAi {
    pub fn new(url: &str, options: &AssistantOptions) -> OpenAi {
        OpenAi {
            client: reqwest::Client::new(),
            endpoint: format!("{}/chat/completions", url.trim_end_matches('/')),
            model: options.model.clone(),
            key: options.api_key.clone(),
            timeout: options.timeout,
            max_tokens: options.max_tokens,
        }
    }

    /// Sends `body`, retrying what may pass; the response whose body streams.
    async fn send(&self, body: &Value) -> Result<reqwest::Response> {
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                let wait = BACKOFF * 2u32.pow(attempt - 1);
                let jitter = rand::rng().random_range(0..=wait.as_millis() as u64);
                tokio::time::sleep(wait + Duration::from_millis(jitter)).await;
            }
            let mut request = self.client.post(&self.endpoint).json(body);
            if let Some(key) = &self.key {
                request = request.bearer_auth(key);
            }
            match tokio::time::timeout(self.timeout, request.send()).await {
                Err(_) => last = format!("no answer within {} s", self.timeout.as_secs_f64()),
                Ok(Err(err)) => last = format!("the request failed: {err}"),
                Ok(Ok(response)) if response.status().is_success() => return Ok(response),
                Ok(Ok(response)) => {
                    let status = response.status();
                    last = format!("it answered {status}: {}", start_of(response).await);
                    if status.as_u16() != 429 && !status.is_server_error() {
                        break;
                    }
                }
            }
        }
        Err(Error::Unavailable(format!(
            "the assistant's provider: {last}"
        )))
    }

    /// The solved conversations behind `draft`, as the model's context.
    async fn context(db: &DatabaseConnection, tenant: &str, draft: &Draft) -> Result<String> {
        let ids: Vec<i64> = draft
            .sources
            .iter()
            .flat_map(|s| [s.question_id, s.answer_id])
            .collect();
        if ids.is_empty() {
            return Ok("No similar solved conversation was found.".into());
        }
        let texts: HashMap<i64, String> = scoped::<message::Entity>(tenant)
            .filter(message::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.text))
            .collect();
        let mut context = String::from("Solved conversations:\n");
        for source in &draft.sources {
            let (Some(q), Some(a)) = (texts.get(&source.question_id), texts.get(&source.answer_id))
            else {
                continue;
            };
            context.push_str(&format!("\nCustomer: {q}\nAgent: {a}\n"));
        }
        Ok(context)
    }
}

/// The first bytes of an error answer's body.
async fn start_of(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(ERROR_BODY);
    String::from_utf8_lossy(&body).into_owned()
}

#[async_trait::async_trait]
impl Provider for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    /// The built-in provider's draft: a suggested reply is the agent's own text.
    async fn draft(
        &self,
        db: &DatabaseConnection,
        tenant: &str,
        question: &str,
        exclude: Option<i64>,
    ) -> Result<Draft> {
        Retrieval.draft(db, tenant, question, exclude).await
    }

    async fn translate(&self, text: &str, to: &str) -> Result<Translation> {
        let instructions = format!(
            "Translate the user's message into the language with ISO 639 code `{to}`. \
             Reply with the translation only."
        );
        let body = json!({
            "model": self.model,
            "stream": false,
            "max_tokens": self.max_tokens,
            "messages": [
                { "role": "system", "content": instructions },
                { "role": "user", "content": text },
            ],
        });
        let answer = match self.send(&body).await {
            Ok(response) => response.json::<Value>().await.ok(),
            Err(Error::Unavailable(reason)) => return Ok(Translation::Unavailable(reason)),
            Err(other) => return Err(other),
        };
        Ok(
            match answer
                .as_ref()
                .and_then(|a| a["choices"][0]["message"]["content"].as_str())
            {
                Some(translated) => Translation::Text(translated.to_owned()),
                None => {
                    Translation::Unavailable("the provider's answer held no translation".into())
                }
            },
        )
    }

    async fn answer(
        &self,
        db: &DatabaseConnection,
        tenant: &str,
        question: &str,
        exclude: Option<i64>,
    ) -> Result<Answer> {
        let draft = Retrieval.draft(db, tenant, question, exclude).await?;
        let context = Self::context(db, tenant, &draft).await?;
        let body = json!({
            "model": self.model,
            "stream": true,
            "stream_options": { "include_usage": true },
            "max_tokens": self.max_tokens,
            "messages": [
                { "role": "system", "content": INSTRUCTIONS },
                { "role": "system", "content": context },
                { "role": "user", "content": question },
            ],
        });
        let response = self.send(&body).await?;
        let usage = Arc::new(Mutex::new(Usage::default()));
        let counted = usage.clone();
        let text = async_stream::try_stream! {
            let mut events = response.bytes_stream().eventsource();
            let mut done = false;
            while let Some(event) = events.next().await {
                let event = event.map_err(|err| {
                    Error::Unavailable(format!("the provider's stream broke: {err}"))
                })?;
                if event.data.trim() == "[DONE]" {
                    done = true;
                    break;
                }
                let chunk: Value = serde_json::from_str(&event.data).map_err(|err| {
                    Error::Unavailable(format!("the provider sent a chunk that is not JSON: {err}"))
                })?;
                if let Some(error) = chunk.get("error") {
                    Err(Error::Unavailable(format!("the provider failed mid-answer: {error}")))?;
                }
                if let (Some(u), Ok(mut total)) = (chunk.get("usage").filter(|u| u.is_object()), counted.lock()) {
                    total.prompt_tokens = u["prompt_tokens"].as_u64().unwrap_or(0);
                    total.completion_tokens = u["completion_tokens"].as_u64().unwrap_or(0);
                }
                if let Some(delta) = chunk["choices"][0]["delta"]["content"].as_str()
                    && !delta.is_empty()
                {
                    yield delta.to_owned();
                }
            }
            if !done {
                Err(Error::Unavailable("the provider's stream ended before [DONE]".into()))?;
            }
        };
        Ok(Answer {
            draft: Draft {
                text: None,
                escalation_reason: None,
                ..draft
            },
            text: text.boxed(),
            model: Some(self.model.clone()),
            usage,
        })
    }
}
