//! `Message`: one message of a conversation, from the customer, an agent or a bot.

use async_graphql::{Context, ID, Json, Object, Result, Union};
use chrono::{DateTime, Utc};
use entity::enums::{Direction, MessageRole, Modality};
use entity::{agent, contact, conversation, message};
use isolang::Language;

use super::agent::Agent;
use super::attachment::{Attachment, attachments_of};
use super::contact::Contact;
use super::conversation::Conversation;
use super::tag::{Topic, topics_of};
use super::{at, at_opt, json};
use crate::assistant::{Assistant, Translation};
use crate::attachments::Owner;
use crate::error::Error;
use crate::graphql::{Read, row};
use crate::ids::NodeKind;

pub struct Message(pub message::Model);

/// Who wrote a message: an agent or a contact.
#[derive(Union)]
pub enum Author {
    Agent(Agent),
    Contact(Contact),
}

/// A message in a conversation.
#[Object(guard = "Read::Conversations")]
impl Message {
    /// The message's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Message.id(self.0.id)
    }

    /// The conversation the message belongs to.
    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        Ok(
            row::<conversation::Entity>(ctx, Some(self.0.conversation_id))
                .await?
                .map(Conversation),
        )
    }

    /// Whether the customer sent it (INBOUND) or the team did (OUTBOUND).
    async fn direction(&self) -> Direction {
        self.0.direction
    }

    /// The author's role in the conversation.
    async fn role(&self) -> MessageRole {
        self.0.role
    }

    /// The agent or contact who wrote it, if known.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Author>> {
        if let Some(agent) = row::<agent::Entity>(ctx, self.0.author_agent_id).await? {
            return Ok(Some(Author::Agent(Agent(agent))));
        }
        Ok(row::<contact::Entity>(ctx, self.0.author_contact_id)
            .await?
            .map(|c| Author::Contact(Contact(c))))
    }

    /// Plain text of the message (replaced once anonymized).
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// HTML body, for email messages.
    async fn html(&self) -> Option<&str> {
        self.0.html.as_deref()
    }

    /// The message's id in the system it came from.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Language code, e.g. `en`: the one given when the message was written, else the
    /// one detected in its text (ISO 639-1, or 639-3 for a language without a
    /// two-letter code), else the conversation's.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }

    /// How sure the detection of `language` was, 0 to 1; null when the language was
    /// given by the client, taken from the conversation, or the message predates
    /// detection.
    async fn language_confidence(&self) -> Option<f64> {
        self.0.language_confidence
    }

    /// Typed or spoken.
    async fn modality(&self) -> Modality {
        self.0.modality
    }

    /// Sentiment of the text from -1 (negative) to 1 (positive); null when the message's
    /// language is not English, the only language the sentiment model reads.
    async fn sentiment(&self) -> Option<f64> {
        self.0.sentiment
    }

    /// The reader's rating of the message: -1 (bad), 0 (neutral) or 1 (good); set
    /// with `rateMessage` or on import.
    async fn rating(&self) -> Option<i32> {
        self.0.rating
    }

    /// The JSON object of the client's own keys given with the message, e.g.
    /// `{"model": "gpt-4o", "userId": 3242}`.
    async fn metadata(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.metadata.as_deref())
    }

    /// The files attached to the message, oldest first.
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Attachment>> {
        Ok(attachments_of(ctx, Owner::Message(self.0.id)).await?)
    }

    /// The tenant's active tags this message is about (its key phrases, found by
    /// YAKE, matched to the words of tag names), most relevant first. Computed when
    /// read, so topics follow tags as they are renamed or retired.
    async fn topics(&self, ctx: &Context<'_>) -> Result<Vec<Topic>> {
        topics_of(ctx, &self.0.text, self.0.language.as_deref(), &[]).await
    }

    /// The text in the language `to` (`translated(to:)`'s text): a message already in
    /// that language is its own translation; any other is translated by the
    /// assistant's provider, or null when it cannot translate.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language code to translate into, e.g. `en`.")] to: String,
    ) -> Result<Option<String>> {
        Ok(match self.translated(ctx, to).await?.translation {
            Translation::Text(text) => Some(text),
            Translation::Unavailable(_) => None,
        })
    }

    /// The text in the language `to`, with the provider that translated it or why
    /// there is no translation (the built-in provider only knows a message's own
    /// language). `to` is an ISO 639-1 or 639-3 code (BAD_USER_INPUT otherwise).
    async fn translated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Language code to translate into, e.g. `en`.")] to: String,
    ) -> Result<MessageTranslation> {
        let to = to.trim().to_ascii_lowercase();
        let known = Language::from_639_1(&to).or_else(|| Language::from_639_3(&to));
        if known.is_none() {
            return Err(
                Error::bad_input("`to` must be an ISO 639-1 or 639-3 language code").into(),
            );
        }
        let assistant = ctx
            .data::<Assistant>()
            .map_err(|_| Error::Internal("no assistant in the schema".into()))?;
        let own = self.0.language.as_deref().map(str::to_ascii_lowercase);
        let translation = if own.as_deref() == Some(to.as_str()) {
            Translation::Text(self.0.text.clone())
        } else {
            assistant.provider.translate(&self.0.text, &to).await?
        };
        Ok(MessageTranslation {
            language: to,
            provider: assistant.provider.name(),
            translation,
        })
    }

    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }

    /// When its personal text was erased, if it was.
    async fn anonymized_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.anonymized_at)
    }
}

pub struct MessageTranslation {
    language: String,
    provider: &'static str,
    translation: Translation,
}

/// A message's text in another language, or why there is none.
#[Object]
impl MessageTranslation {
    /// The translated text; null when there is none (see `unavailableReason`).
    async fn text(&self) -> Option<&str> {
        match &self.translation {
            Translation::Text(text) => Some(text),
            Translation::Unavailable(_) => None,
        }
    }

    /// The language asked for.
    async fn language(&self) -> &str {
        &self.language
    }

    /// The assistant's provider (`retrieval` for the built-in one).
    async fn provider(&self) -> &str {
        self.provider
    }

    /// Why there is no translation; null when there is one.
    async fn unavailable_reason(&self) -> Option<&str> {
        match &self.translation {
            Translation::Text(_) => None,
            Translation::Unavailable(reason) => Some(reason),
        }
    }
}
