//! Every enumeration of the data model.
//!
//! Each enum is stored as TEXT holding its SCREAMING_SNAKE_CASE name, which is also its
//! GraphQL name and its JSON form, so the database, the API and events all spell it alike.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The medium through which a conversation reached the support team.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    /// An email thread with the support mailbox.
    #[sea_orm(string_value = "EMAIL")]
    Email,
    /// A live chat started from the website or in-app chat widget.
    #[sea_orm(string_value = "WIDGET_CHAT")]
    WidgetChat,
    /// A chat through Facebook Messenger.
    #[sea_orm(string_value = "MESSENGER")]
    Messenger,
    /// A chat through WhatsApp.
    #[sea_orm(string_value = "WHATSAPP")]
    Whatsapp,
    /// A voice call, transcribed into messages.
    #[sea_orm(string_value = "PHONE")]
    Phone,
    /// Text messages sent to or from a phone number.
    #[sea_orm(string_value = "SMS")]
    Sms,
    /// Created by an integration through the API.
    #[sea_orm(string_value = "API")]
    Api,
    /// Any other channel.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Which side started a conversation or sent a message.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    /// From the customer to the support team.
    #[sea_orm(string_value = "INBOUND")]
    Inbound,
    /// From the support team to the customer.
    #[sea_orm(string_value = "OUTBOUND")]
    Outbound,
}

/// Where a conversation stands in its lifecycle.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConversationState {
    /// Waiting for the support team to act.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Waiting for the customer or a third party to reply.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Finished; it must be reopened before it can change again.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// Who wrote a message.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageRole {
    /// The customer (the conversation's contact).
    #[sea_orm(string_value = "USER")]
    User,
    /// A human support agent.
    #[sea_orm(string_value = "AGENT")]
    Agent,
    /// An automated assistant or bot answering on the team's behalf.
    #[sea_orm(string_value = "ASSISTANT")]
    Assistant,
    /// The system itself, e.g. an automatic notice.
    #[sea_orm(string_value = "SYSTEM")]
    System,
}

/// How a message was exchanged.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Modality {
    /// Typed text.
    #[sea_orm(string_value = "TEXT")]
    Text,
    /// Spoken, with the text being its transcript.
    #[sea_orm(string_value = "VOICE")]
    Voice,
}

/// The workflow status of a ticket.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    /// Just received; nobody has looked at it yet.
    #[sea_orm(string_value = "NEW")]
    New,
    /// Being worked on by the support team.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Waiting for the customer's answer.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Waiting on a third party or an internal team.
    #[sea_orm(string_value = "ON_HOLD")]
    OnHold,
    /// A solution was given; it can still be reopened by the customer.
    #[sea_orm(string_value = "SOLVED")]
    Solved,
    /// Finished for good.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// How urgently a ticket needs attention.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketPriority {
    /// Can wait; no customer impact.
    #[sea_orm(string_value = "LOW")]
    Low,
    /// The usual priority.
    #[sea_orm(string_value = "NORMAL")]
    Normal,
    /// Blocks the customer; handle before normal tickets.
    #[sea_orm(string_value = "HIGH")]
    High,
    /// Outage or severe impact; handle immediately.
    #[sea_orm(string_value = "URGENT")]
    Urgent,
}

/// Whether a tag can still be applied.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagState {
    /// Can be applied to conversations and tickets.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Retired: kept on existing links but cannot be applied again.
    #[sea_orm(string_value = "INACTIVE")]
    Inactive,
}

/// The scale a satisfaction rating uses.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RatingType {
    /// Customer satisfaction score from 1 (very unsatisfied) to 5 (very satisfied).
    #[sea_orm(string_value = "CSAT")]
    Csat,
    /// Thumbs down (0) or thumbs up (1).
    #[sea_orm(string_value = "THUMBS_UP_OR_DOWN")]
    ThumbsUpOrDown,
}

/// Whether the customer has answered a rating request.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RatingStatus {
    /// Sent to the customer, no answer yet.
    #[sea_orm(string_value = "OFFERED")]
    Offered,
    /// The customer gave a score.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
}

/// What happened in an audit log entry.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityType {
    /// A conversation was created.
    #[sea_orm(string_value = "CONVERSATION_CREATED")]
    ConversationCreated,
    /// A conversation was imported from another system with its history.
    #[sea_orm(string_value = "CONVERSATION_IMPORTED")]
    ConversationImported,
    /// An agent was assigned the conversation (`agent`).
    #[sea_orm(string_value = "CLAIMED")]
    Claimed,
    /// The conversation was closed.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// A closed conversation was reopened.
    #[sea_orm(string_value = "REOPENED")]
    Reopened,
    /// The conversation moved between queues (`fromQueue` to `toQueue`).
    #[sea_orm(string_value = "TRANSFERRED")]
    Transferred,
    /// A tag was added to the conversation (`tag`).
    #[sea_orm(string_value = "TAGGED")]
    Tagged,
    /// A tag was removed from the conversation (`tag`).
    #[sea_orm(string_value = "UNTAGGED")]
    Untagged,
    /// A message was added to the conversation (`message`).
    #[sea_orm(string_value = "MESSAGE_ADDED")]
    MessageAdded,
    /// An internal note was added to the conversation (`note`).
    #[sea_orm(string_value = "NOTE_ADDED")]
    NoteAdded,
    /// A ticket was created (`ticket`).
    #[sea_orm(string_value = "TICKET_CREATED")]
    TicketCreated,
    /// A ticket's status, priority or other fields changed (`ticket`).
    #[sea_orm(string_value = "TICKET_UPDATED")]
    TicketUpdated,
    /// A satisfaction rating was offered to the customer (`rating`).
    #[sea_orm(string_value = "RATING_OFFERED")]
    RatingOffered,
    /// The customer submitted a satisfaction rating (`rating`).
    #[sea_orm(string_value = "RATING_SUBMITTED")]
    RatingSubmitted,
    /// Personal data of the conversation or of one message was irreversibly removed.
    #[sea_orm(string_value = "ANONYMIZED")]
    Anonymized,
    /// Custom attribute values of the conversation changed.
    #[sea_orm(string_value = "ATTRIBUTES_CHANGED")]
    AttributesChanged,
    /// A ticket was deleted (`ticket` is null: the ticket is gone).
    #[sea_orm(string_value = "TICKET_DELETED")]
    TicketDeleted,
    /// An agent marked a ticket read (`ticket`).
    #[sea_orm(string_value = "TICKET_READ")]
    TicketRead,
    /// An agent marked a ticket unread again (`ticket`).
    #[sea_orm(string_value = "TICKET_UNREAD")]
    TicketUnread,
    /// A message was rated, or its rating cleared (`message`).
    #[sea_orm(string_value = "MESSAGE_RATED")]
    MessageRated,
    /// Conversations were merged: on the merged one, `otherConversation` is where its
    /// messages went; on the one kept, where they came from.
    #[sea_orm(string_value = "MERGED")]
    Merged,
    /// The conversation was snoozed until a time (it is PENDING meanwhile).
    #[sea_orm(string_value = "SNOOZED")]
    Snoozed,
    /// A snoozed conversation opened again: its time came (no actor), the customer
    /// wrote, or an agent woke it.
    #[sea_orm(string_value = "UNSNOOZED")]
    Unsnoozed,
    /// The assistant started answering (`message` is the question it answers).
    #[sea_orm(string_value = "ASSISTANT_RUN_STARTED")]
    AssistantRunStarted,
    /// The assistant's run ended: completed, cancelled or failed (`message` is its
    /// answer, when it wrote one).
    #[sea_orm(string_value = "ASSISTANT_RUN_ENDED")]
    AssistantRunEnded,
    /// The conversation's queue of messages waiting for the assistant changed.
    #[sea_orm(string_value = "ASSISTANT_QUEUE_CHANGED")]
    AssistantQueueChanged,
    /// A webhook endpoint was disabled after its deliveries kept failing for a day
    /// (`webhookEndpoint`); tenant-wide, no conversation.
    #[sea_orm(string_value = "WEBHOOK_ENDPOINT_DISABLED")]
    WebhookEndpointDisabled,
}

/// Where a voice session is, as the voice-agent API reports it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VoiceSessionStatus {
    /// Created; the caller has not connected yet.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The call is going on.
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// The call ended as planned.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// The call broke off on a technical failure.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// The caller left before the end.
    #[sea_orm(string_value = "ABANDONED")]
    Abandoned,
    /// Filed away after it ended.
    #[sea_orm(string_value = "ARCHIVED")]
    Archived,
}

/// What an agent is allowed to do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AgentRole {
    /// Handles conversations and tickets.
    #[sea_orm(string_value = "AGENT")]
    Agent,
    /// Also manages tags, custom attributes and the team.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// The kind of value a custom attribute holds.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AttributeKind {
    /// Free text.
    #[sea_orm(string_value = "TEXT")]
    Text,
    /// One or more values chosen from the definition's options.
    #[sea_orm(string_value = "SELECT")]
    Select,
}

/// How the sentiment of a conversation moved from its first half to its second half.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SentimentTrend {
    /// The customer's mood improved.
    #[sea_orm(string_value = "UP")]
    Up,
    /// The mood stayed about the same.
    #[sea_orm(string_value = "FLAT")]
    Flat,
    /// The mood got worse.
    #[sea_orm(string_value = "DOWN")]
    Down,
}

/// Where an assistant's run is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssistantRunStatus {
    /// Writing its answer (at most one per conversation).
    #[sea_orm(string_value = "RUNNING")]
    Running,
    /// Answered: the answer is a message of the conversation.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// Stopped by `cancelAssistantRun`; what it had written is kept.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    /// Broke off: the provider failed, the run took too long, or the server stopped
    /// while it ran (`error` says which).
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// Where a webhook delivery is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookDeliveryStatus {
    /// Not delivered yet: waiting for its first attempt or its next retry.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The endpoint answered an attempt with a 2xx status.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Every attempt failed (retries end after about a day); `redeliverWebhook`
    /// tries again.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}
