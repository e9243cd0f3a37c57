//! Writing a run's answer: the provider drafts it, the answer streams out in chunks
//! to `assistantRunEvents` subscribers of this replica, and the run ends COMPLETED
//! (the answer stored as an ASSISTANT message with its metadata), CANCELLED (what
//! was written is kept) or FAILED. A run beats every [`BEAT`] from start to end (its
//! heartbeat and partial text), which is also when it sees a cancellation asked
//! through another replica; a sweeper fails RUNNING runs whose heartbeat stopped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entity::assistant_run;
use entity::enums::AssistantRunStatus;
use sea_orm::DatabaseConnection;
use serde_json::json;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use futures_util::StreamExt;

use super::{Answer, Provider, Usage};
use crate::error::Error;
use crate::service::assistant::{Ending, beat, end, stale};

/// How often a run beats.
const BEAT: Duration = Duration::from_secs(1);
/// A RUNNING run whose heartbeat is older than this was left by a dead process.
const STALE: Duration = Duration::from_secs(15);
/// How often the sweeper looks for such runs.
const SWEEP: Duration = Duration::from_secs(5);
/// How long a finished run keeps trying to record its end while the database is
/// away: less than [`STALE`], so that the sweeper does not fail it meanwhile.
const END_RETRIES: Duration = Duration::from_secs(10);
/// Longest run.
pub const MAX_RUN: Duration = Duration::from_secs(120);
/// Longest answer, in bytes (the run's token budget for the built-in provider).
pub const MAX_ANSWER: usize = 16 * 1024;
/// Pause between chunks, so an answer streams as a model's would.
pub(crate) const PACE: Duration = Duration::from_millis(25);
/// Words per streamed chunk.
const WORDS_PER_CHUNK: usize = 3;
/// Events a subscriber may fall behind by.
const BUFFER: usize = 1024;
/// What a run answers when the provider does not know.
pub const ESCALATION: &str =
    "I do not know the answer to this, so I am passing it to a member of the team.";

/// What happened to a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum RunEventType {
    /// It started writing.
    Started,
    /// It wrote more (`delta`).
    Chunk,
    /// It answered.
    Completed,
    /// It was stopped; what it wrote is kept.
    Cancelled,
    /// It broke off (`run.error` says why).
    Failed,
}

/// One event of a run, with the run as it stands.
#[derive(Debug, Clone)]
pub struct RunEvent {
    pub kind: RunEventType,
    pub run: Arc<assistant_run::Model>,
    pub delta: Option<String>,
}

/// The runs this replica is writing.
pub struct Runs {
    db: DatabaseConnection,
    provider: Arc<dyn Provider>,
    events: broadcast::Sender<RunEvent>,
    /// Per run: its cancellation and whether it has ended.
    going: Mutex<HashMap<i64, (CancellationToken, watch::Receiver<bool>)>>,
}

impl Runs {
    pub fn new(db: DatabaseConnection, provider: Arc<dyn Provider>) -> Arc<Runs> {
        let (events, _) = broadcast::channel(BUFFER);
        let runs = Arc::new(Runs {
            db,
            provider,
            events,
            going: Mutex::new(HashMap::new()),
        });
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(sweep(Arc::downgrade(&runs)));
        }
        runs
    }

    /// Events of every run of this replica from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RunEvent> {
        self.events.subscribe()
    }

    /// Starts writing `run`'s answer.
    pub fn launch(self: &Arc<Self>, run: assistant_run::Model) {
        let token = CancellationToken::new();
        let (done, ended) = watch::channel(false);
        if let Ok(mut going) = self.going.lock() {
            going.insert(run.id, (token.clone(), ended));
        }
        let runs = self.clone();
        tokio::spawn(async move {
            let id = run.id;
            runs.write(run, token).await;
            if let Ok(mut going) = runs.going.lock() {
                going.remove(&id);
            }
            let _ = done.send(true);
        });
    }

    /// Stops run `id` if this replica writes it, and waits (at most a few seconds)
    /// for it to end.
    pub async fn stop(&self, id: i64) {
        let found = self.going.lock().ok().and_then(|g| g.get(&id).cloned());
        if let Some((token, mut ended)) = found {
            token.cancel();
            let _ = tokio::time::timeout(Duration::from_secs(5), ended.wait_for(|e| *e)).await;
        }
    }

    fn publish(&self, kind: RunEventType, run: &assistant_run::Model, delta: Option<String>) {
        let _ = self.events.send(RunEvent {
            kind,
            run: Arc::new(run.clone()),
            delta,
        });
    }

    async fn write(self: &Arc<Self>, run: assistant_run::Model, token: CancellationToken) {
        let started = Instant::now();
        self.publish(RunEventType::Started, &run, None);
        let deadline = tokio::time::sleep(MAX_RUN);
        tokio::pin!(deadline);
        let provider = self.provider.clone();
        let (tenant, content) = (run.tenant_id.clone(), run.content.clone());
        let asked = provider.answer(&self.db, &tenant, &content, Some(run.conversation_id));
        tokio::pin!(asked);
        // The heartbeat goes on while the provider is slow to answer or between chunks,
        // so no sweeper takes a live run for a dead one; it is also when a cancellation
        // asked through another replica is seen.
        let mut heart = tokio::time::interval_at(tokio::time::Instant::now() + BEAT, BEAT);
        let answer = loop {
            tokio::select! {
                answer = &mut asked => break answer,
                _ = heart.tick() => {
                    if beat(&self.db, &run, "").await.unwrap_or(false) {
                        return self.finish(run, Outcome::Cancelled, String::new(), None, started).await;
                    }
                }
                () = token.cancelled() => {
                    return self.finish(run, Outcome::Cancelled, String::new(), None, started).await;
                }
                () = &mut deadline => {
                    return self.finish(run, Outcome::TimedOut, String::new(), None, started).await;
                }
            }
        };
        let mut answer = match answer {
            Ok(answer) => answer,
            Err(err) => {
                let outcome = Outcome::Failed(format!("the provider failed: {}", reason(&err)));
                return self
                    .finish(run, outcome, String::new(), None, started)
                    .await;
            }
        };
        let mut written = String::new();
        let mut snapshot = run.clone();
        let outcome = loop {
            // Dropping the answer's stream (cancelled, timed out) stops the provider.
            let next = tokio::select! {
                next = answer.text.next() => next,
                _ = heart.tick() => {
                    if beat(&self.db, &run, &written).await.unwrap_or(false) {
                        break Outcome::Cancelled;
                    }
                    continue;
                }
                () = token.cancelled() => break Outcome::Cancelled,
                () = &mut deadline => break Outcome::TimedOut,
            };
            let chunk = match next {
                None => break Outcome::Completed,
                Some(Err(err)) => break Outcome::Failed(reason(&err)),
                Some(Ok(chunk)) => chunk,
            };
            if written.len() + chunk.len() > MAX_ANSWER {
                break Outcome::Completed;
            }
            written.push_str(&chunk);
            snapshot.partial_text.clone_from(&written);
            self.publish(RunEventType::Chunk, &snapshot, Some(chunk));
        };
        drop(std::mem::replace(
            &mut answer.text,
            futures_util::stream::empty().boxed(),
        ));
        self.finish(run, outcome, written, Some(answer), started)
            .await;
    }

    async fn finish(
        self: &Arc<Self>,
        run: assistant_run::Model,
        outcome: Outcome,
        text: String,
        answer: Option<Answer>,
        started: Instant,
    ) {
        let usage = answer
            .as_ref()
            .and_then(|a| a.usage.lock().ok().map(|u| *u))
            .unwrap_or_default();
        let model = answer.as_ref().and_then(|a| a.model.clone());
        let draft = answer.map(|a| a.draft);
        let (status, error, continue_queue) = match outcome {
            Outcome::Completed => (AssistantRunStatus::Completed, None, true),
            Outcome::Cancelled => (AssistantRunStatus::Cancelled, None, true),
            Outcome::TimedOut => (
                AssistantRunStatus::Failed,
                Some(format!("the run took longer than {} s", MAX_RUN.as_secs())),
                true,
            ),
            Outcome::Failed(error) => (AssistantRunStatus::Failed, Some(error), true),
        };
        let sources: Vec<_> = draft
            .as_ref()
            .map(|d| {
                d.sources
                    .iter()
                    .map(|s| json!({ "conversationId": s.conversation_id, "messageId": s.answer_id, "similarity": s.similarity }))
                    .collect()
            })
            .unwrap_or_default();
        let metadata = json!({
            "provider": run.provider,
            "model": model,
            "runId": run.id,
            "status": status,
            "confidence": draft.as_ref().map(|d| d.confidence),
            "sources": sources,
            "usage": { "promptTokens": usage.prompt_tokens, "completionTokens": usage.completion_tokens },
            "latencyMs": started.elapsed().as_millis() as u64,
        });
        let ending = Ending {
            status,
            text,
            confidence: draft.as_ref().map(|d| d.confidence),
            escalation_reason: draft.and_then(|d| d.escalation_reason),
            error,
            metadata,
            usage,
            continue_queue,
        };
        // The answer is written: keep it even if the database is away for a while
        // (restarting), retrying until shortly before the sweeper would take the
        // silent run for a dead one.
        let mut wait = Duration::from_millis(250);
        let giving_up = Instant::now() + END_RETRIES;
        let ended = loop {
            match end(&self.db, &run, ending.clone()).await {
                Err(err) if Instant::now() + wait < giving_up => {
                    tracing::warn!(run = run.id, error = ?err, "cannot end an assistant run yet; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
                other => break other,
            }
        };
        match ended {
            Ok(Some((ended, next))) => {
                let kind = match ended.status {
                    AssistantRunStatus::Completed => RunEventType::Completed,
                    AssistantRunStatus::Cancelled => RunEventType::Cancelled,
                    _ => RunEventType::Failed,
                };
                self.publish(kind, &ended, None);
                if let Some(next) = next {
                    self.launch(next);
                }
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(run = run.id, error = ?err, "could not end an assistant run")
            }
        }
    }
}

enum Outcome {
    Completed,
    Cancelled,
    TimedOut,
    Failed(String),
}

/// A provider's error as a run's `error`.
fn reason(err: &Error) -> String {
    match err {
        Error::Unavailable(message) | Error::Internal(message) => message.clone(),
        other => format!("{other:?}"),
    }
}

/// The answer in chunks of a few words, whitespace kept.
pub(crate) fn chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    let mut words = 0;
    for piece in text.split_inclusive(char::is_whitespace) {
        chunk.push_str(piece);
        if !piece.trim().is_empty() {
            words += 1;
        }
        if words == WORDS_PER_CHUNK {
            out.push(std::mem::take(&mut chunk));
            words = 0;
        }
    }
    if !chunk.is_empty() {
        out.push(chunk);
    }
    out
}

/// Fails the RUNNING runs whose process died (their heartbeat stopped), keeping
/// their queues, at start and then every [`SWEEP`].
async fn sweep(runs: std::sync::Weak<Runs>) {
    loop {
        let Some(live) = runs.upgrade() else { return };
        let stale_micros = i64::try_from(STALE.as_micros()).unwrap_or(i64::MAX);
        if let Ok(found) = stale(&live.db, stale_micros).await {
            for run in found {
                let ending = Ending {
                    status: AssistantRunStatus::Failed,
                    text: run.partial_text.clone(),
                    confidence: None,
                    escalation_reason: None,
                    error: Some("interrupted: the server running it stopped".into()),
                    metadata: json!({ "provider": run.provider, "runId": run.id, "status": "FAILED", "interrupted": true }),
                    usage: Usage::default(),
                    continue_queue: false,
                };
                if let Ok(Some((ended, _))) = end(&live.db, &run, ending).await {
                    live.publish(RunEventType::Failed, &ended, None);
                }
            }
        }
        drop(live);
        tokio::time::sleep(SWEEP).await;
    }
}

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn chunks_keep_every_character() {
        let text = "Reset the  drive,\nthen wait — ten seconds.";
        assert_eq!(chunks(text).concat(), text);
        assert_eq!(chunks(text)[0], "Reset the  drive,\n");
        assert!(chunks("").is_empty());
    }
}
