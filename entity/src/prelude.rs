//! Every entity under the name of its row type, as `sea-orm-cli` generates it.

pub use super::activity::Entity as Activity;
pub use super::agent::Entity as Agent;
pub use super::contact::Entity as Contact;
pub use super::conversation::Entity as Conversation;
pub use super::conversation_attribute_value::Entity as ConversationAttributeValue;
pub use super::conversation_tag::Entity as ConversationTag;
pub use super::custom_attribute_definition::Entity as CustomAttributeDefinition;
pub use super::flow::Entity as Flow;
pub use super::message::Entity as Message;
pub use super::note::Entity as Note;
pub use super::queue::Entity as Queue;
pub use super::rating::Entity as Rating;
pub use super::tag::Entity as Tag;
pub use super::tenant::Entity as Tenant;
pub use super::tenant_counter::Entity as TenantCounter;
pub use super::ticket::Entity as Ticket;
pub use super::ticket_tag::Entity as TicketTag;
pub use super::voice_session::Entity as VoiceSession;
