//! sea-orm entities of Parley's data model, one module per table.
//!
//! Conventions shared by every table: ids are `i64` auto-increment keys named `id`,
//! timestamps are `i64` microseconds since the Unix epoch named `*_at`, every table but
//! `tenants` carries `tenant_id`, and JSON lists are stored as TEXT holding a JSON array.

pub mod activity;
pub mod agent;
pub mod assistant_queue;
pub mod assistant_run;
pub mod attachment;
pub mod attachment_usage;
pub mod contact;
pub mod conversation;
pub mod conversation_attribute_value;
pub mod conversation_tag;
pub mod custom_attribute_definition;
pub mod enums;
pub mod flow;
pub mod idempotency_key;
pub mod message;
pub mod note;
pub mod prelude;
pub mod queue;
pub mod rating;
pub mod tag;
pub mod tenant;
pub mod tenant_counter;
pub mod ticket;
pub mod ticket_tag;
pub mod voice_session;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;

mod from_row;

pub use from_row::{ByPosition, FromRow};
