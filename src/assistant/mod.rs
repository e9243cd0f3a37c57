//! The assistant: drafts of replies and translations from a provider. The default
//! provider, [`retrieval::Retrieval`], works offline from the tenant's own history:
//! it answers with the agent reply that solved the most similar question, with its
//! sources and a confidence, and says it does not know (with an escalation reason)
//! below a threshold, never inventing text.

pub mod openai;
pub mod retrieval;
pub mod runs;

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sea_orm::DatabaseConnection;

use crate::config::AssistantOptions;
use crate::error::Result;

/// A drafted answer to a question.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The answer; `None` when the provider does not know (see `escalation_reason`).
    pub text: Option<String>,
    /// How sure the provider is, 0 to 1.
    pub confidence: f64,
    /// What the answer was drawn from, best first.
    pub sources: Vec<Source>,
    /// Why a human should answer instead, when `text` is `None`.
    pub escalation_reason: Option<String>,
}

/// A solved conversation an answer was drawn from.
#[derive(Debug, Clone)]
pub struct Source {
    pub conversation_id: i64,
    /// The customer's message that resembled the question.
    pub question_id: i64,
    /// The agent's reply to it.
    pub answer_id: i64,
    /// How similar the question was, 0 to 1.
    pub similarity: f64,
}

/// Tokens a provider's model used.
#[derive(Debug, Default, Clone, Copy)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// An answer as it is written.
pub struct Answer {
    /// What the answer draws on (sources, confidence) and, when the provider does
    /// not answer, why.
    pub draft: Draft,
    /// The answer's text as it arrives; dropping it stops the provider.
    pub text: BoxStream<'static, Result<String>>,
    /// The model writing it, if any.
    pub model: Option<String>,
    /// The tokens it used, complete once `text` ended.
    pub usage: Arc<Mutex<Usage>>,
}

/// A translation, or why there is none.
#[derive(Debug, Clone)]
pub enum Translation {
    Text(String),
    Unavailable(String),
}

/// Where drafts and translations come from.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name, as answers report it.
    fn name(&self) -> &'static str;

    /// A draft answer to `question` for `tenant`, leaving `exclude` (the conversation
    /// asking) out of its sources.
    async fn draft(
        &self,
        db: &DatabaseConnection,
        tenant: &str,
        question: &str,
        exclude: Option<i64>,
    ) -> Result<Draft>;

    /// `text` in the language `to` (the caller answers a text already in `to` itself).
    async fn translate(&self, text: &str, to: &str) -> Result<Translation>;

    /// The answer to `question` as it is written: by default the draft, a few words
    /// at a time (what does not know says so, see [`runs::ESCALATION`]).
    async fn answer(
        &self,
        db: &DatabaseConnection,
        tenant: &str,
        question: &str,
        exclude: Option<i64>,
    ) -> Result<Answer> {
        let draft = self.draft(db, tenant, question, exclude).await?;
        let text = draft
            .text
            .clone()
            .unwrap_or_else(|| runs::ESCALATION.to_owned());
        let chunks = runs::chunks(&text);
        let text = futures_util::stream::iter(chunks)
            .then(|chunk| async move {
                tokio::time::sleep(runs::PACE).await;
                Ok(chunk)
            })
            .boxed();
        Ok(Answer {
            draft,
            text,
            model: None,
            usage: Arc::default(),
        })
    }
}

/// The provider the gateway uses and the runs it writes, shared by every request.
#[derive(Clone)]
pub struct Assistant {
    pub provider: Arc<dyn Provider>,
    pub runs: Arc<runs::Runs>,
    /// Tokens a tenant's runs may use per UTC day; 0 is no limit.
    pub daily_tokens: u64,
}

impl Assistant {
    /// The provider `options` choose (an OpenAI-compatible one when it has a URL,
    /// else the built-in one) over `db`, and the runs it writes.
    pub fn start(db: DatabaseConnection, options: &AssistantOptions) -> Assistant {
        let provider: Arc<dyn Provider> = match &options.url {
            Some(url) => Arc::new(openai::OpenAi::new(url, options)),
            None => Arc::new(retrieval::Retrieval),
        };
        Assistant {
            runs: runs::Runs::new(db, provider.clone()),
            provider,
            daily_tokens: options.daily_tokens,
        }
    }
}
