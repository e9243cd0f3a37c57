//! The built-in provider: answers from the tenant's solved (CLOSED) conversations.
//! The full-text index finds customer messages sharing words with the question; each
//! is scored by how similar its words are to the question's (cosine of the two word
//! sets, the same on both databases), ties going to the conversation rated best; the
//! answer is the agent's first reply after the best one. Below [`MIN_CONFIDENCE`] it
//! answers nothing and says why.

use std::collections::{HashMap, HashSet};

use entity::enums::{MessageRole, RatingStatus};
use entity::{message, rating};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, QueryFilter, QueryOrder, Statement,
};

use super::{Draft, Provider, Source, Translation};
use crate::db::scoped;
use crate::error::Result;
use crate::search::{is_stop_word, terms, words};

/// Below this similarity the provider does not answer.
pub const MIN_CONFIDENCE: f64 = 0.3;
/// Customer messages the index is asked for.
const CANDIDATES: u64 = 50;
/// Sources an answer lists.
const MAX_SOURCES: usize = 3;

/// The offline provider over the tenant's history.
#[derive(Debug, Default)]
pub struct Retrieval;

/// A customer message of a solved conversation that shares words with the question.
struct Candidate {
    id: i64,
    conversation_id: i64,
    created_at: i64,
    similarity: f64,
}

#[async_trait::async_trait]
impl Provider for Retrieval {
    fn name(&self) -> &'static str {
        "retrieval"
    }

    async fn draft(
        &self,
        db: &DatabaseConnection,
        tenant: &str,
        question: &str,
        exclude: Option<i64>,
    ) -> Result<Draft> {
        let asked = terms(question);
        if asked.is_empty() {
            return Ok(unknown(0.0, "the question has no words to look up"));
        }
        let mut found = candidates(db, tenant, &asked, exclude.unwrap_or(-1)).await?;
        // The best message of each conversation.
        found.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
        let mut seen = HashSet::new();
        found.retain(|c| c.similarity > 0.0 && seen.insert(c.conversation_id));
        found.truncate(MAX_SOURCES * 3);
        if found.is_empty() {
            return Ok(unknown(
                0.0,
                "no solved conversation resembles the question",
            ));
        }
        let ids: Vec<i64> = found.iter().map(|c| c.conversation_id).collect();
        let rated = best_ratings(db, tenant, &ids).await?;
        found.sort_by(|a, b| {
            b.similarity
                .total_cmp(&a.similarity)
                .then(
                    rated
                        .get(&b.conversation_id)
                        .cmp(&rated.get(&a.conversation_id)),
                )
                .then(a.id.cmp(&b.id))
        });
        let replies = agent_replies(db, tenant, &ids).await?;
        let mut sources = Vec::new();
        let mut text = None;
        for candidate in &found {
            let reply = replies.get(&candidate.conversation_id).and_then(|replies| {
                replies
                    .iter()
                    .find(|r| (r.created_at, r.id) > (candidate.created_at, candidate.id))
            });
            let Some(reply) = reply else { continue };
            if text.is_none() {
                text = Some(reply.text.clone());
            }
            sources.push(Source {
                conversation_id: candidate.conversation_id,
                question_id: candidate.id,
                answer_id: reply.id,
                similarity: candidate.similarity,
            });
            if sources.len() == MAX_SOURCES {
                break;
            }
        }
        let confidence = sources.first().map_or(0.0, |s| s.similarity);
        if text.is_none() {
            return Ok(unknown(
                0.0,
                "no similar solved conversation has an agent's reply",
            ));
        }
        if confidence < MIN_CONFIDENCE {
            let reason = format!(
                "the most similar solved conversation matches the question at {:.0} %, \
                 below the {:.0} % needed to answer",
                confidence * 100.0,
                MIN_CONFIDENCE * 100.0
            );
            return Ok(Draft {
                sources,
                ..unknown(confidence, &reason)
            });
        }
        Ok(Draft {
            text,
            confidence,
            sources,
            escalation_reason: None,
        })
    }

    async fn translate(&self, _text: &str, _to: &str) -> Result<Translation> {
        Ok(Translation::Unavailable(
            "the built-in retrieval provider does not translate; configure a model provider".into(),
        ))
    }
}

fn unknown(confidence: f64, reason: &str) -> Draft {
    Draft {
        text: None,
        confidence,
        sources: Vec::new(),
        escalation_reason: Some(reason.to_owned()),
    }
}

/// Customer messages of the tenant's solved conversations (but `exclude`) that
/// share a word with `asked`, as the index ranks them, each with its similarity.
async fn candidates(
    db: &DatabaseConnection,
    tenant: &str,
    asked: &[String],
    exclude: i64,
) -> Result<Vec<Candidate>> {
    let backend = db.get_database_backend();
    let from = "JOIN conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id";
    let solved = "m.role = 'USER' AND c.state = 'CLOSED'";
    // The words are letters and digits only (`search::words`), and bound.
    let statement = match backend {
        DbBackend::Sqlite => {
            let any = asked
                .iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(" OR ");
            Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT m.id, m.conversation_id, m.created_at, m.text FROM message_fts \
                     JOIN messages m ON m.id = message_fts.rowid {from} \
                     WHERE message_fts MATCH ? AND m.tenant_id = ? AND {solved} AND c.id <> ? \
                     ORDER BY bm25(message_fts), m.id LIMIT {CANDIDATES}"
                ),
                [any.into(), tenant.into(), exclude.into()],
            )
        }
        _ => Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT m.id, m.conversation_id, m.created_at, m.text FROM messages m {from} \
                 WHERE m.tenant_id = $1 AND {solved} AND c.id <> $3 \
                 AND m.search @@ to_tsquery('english', $2) \
                 ORDER BY ts_rank(m.search, to_tsquery('english', $2)) DESC, m.id LIMIT {CANDIDATES}"
            ),
            [tenant.into(), asked.join(" | ").into(), exclude.into()],
        ),
    };
    let asked: HashSet<&str> = asked.iter().map(String::as_str).collect();
    let mut found = Vec::new();
    for row in db.query_all_raw(statement).await? {
        let text: String = row.try_get("", "text")?;
        found.push(Candidate {
            id: row.try_get("", "id")?,
            conversation_id: row.try_get("", "conversation_id")?,
            created_at: row.try_get("", "created_at")?,
            similarity: similarity(&asked, &text),
        });
    }
    Ok(found)
}

/// Cosine similarity of the question's word set and `text`'s.
fn similarity(asked: &HashSet<&str>, text: &str) -> f64 {
    let own: HashSet<String> = words(text).filter(|w| !is_stop_word(w)).collect();
    if own.is_empty() || asked.is_empty() {
        return 0.0;
    }
    let shared = own.iter().filter(|w| asked.contains(w.as_str())).count();
    shared as f64 / ((own.len() * asked.len()) as f64).sqrt()
}

/// The best submitted rating score of each of `conversations`.
async fn best_ratings(
    db: &DatabaseConnection,
    tenant: &str,
    conversations: &[i64],
) -> Result<HashMap<i64, i32>> {
    let rows = scoped::<rating::Entity>(tenant)
        .filter(rating::Column::ConversationId.is_in(conversations.to_vec()))
        .filter(rating::Column::Status.eq(RatingStatus::Submitted))
        .all(db)
        .await?;
    let mut best = HashMap::new();
    for row in rows {
        if let Some(score) = row.score {
            let entry = best.entry(row.conversation_id).or_insert(score);
            *entry = (*entry).max(score);
        }
    }
    Ok(best)
}

/// The agents' messages of `conversations`, in order, by conversation.
async fn agent_replies(
    db: &DatabaseConnection,
    tenant: &str,
    conversations: &[i64],
) -> Result<HashMap<i64, Vec<message::Model>>> {
    let rows = scoped::<message::Entity>(tenant)
        .filter(message::Column::ConversationId.is_in(conversations.to_vec()))
        .filter(message::Column::Role.eq(MessageRole::Agent))
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .all(db)
        .await?;
    let mut by = HashMap::<i64, Vec<message::Model>>::new();
    for row in rows {
        by.entry(row.conversation_id).or_default().push(row);
    }
    Ok(by)
}
