//! The assistant: drafts of replies and translations from a provider. The default
//! provider, [`retrieval::Retrieval`], works offline from the tenant's own history:
//! it answers with the agent reply that solved the most similar question, with its
//! sources and a confidence, and says it does not know (with an escalation reason)
//! below a threshold, never inventing text.

pub mod retrieval;
pub mod runs;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

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

    /// `text` (in `from`, when known) in the language `to`.
    async fn translate(&self, text: &str, from: Option<&str>, to: &str) -> Result<Translation>;
}

/// The provider the gateway uses and the runs it writes, shared by every request.
#[derive(Clone)]
pub struct Assistant {
    pub provider: Arc<dyn Provider>,
    pub runs: Arc<runs::Runs>,
}

impl Assistant {
    /// The built-in provider over `db`, and the runs it writes.
    pub fn start(db: DatabaseConnection) -> Assistant {
        let provider: Arc<dyn Provider> = Arc::new(retrieval::Retrieval);
        Assistant {
            runs: runs::Runs::new(db, provider.clone()),
            provider,
        }
    }
}
