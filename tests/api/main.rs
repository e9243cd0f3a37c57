//! Integration tests: a real gateway on 127.0.0.1:0 over a fresh database
//! (SQLite by default, PostgreSQL when PARLEY_TEST_DATABASE_URL is set), spoken
//! to over HTTP.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

mod assistant;
mod assistant_provider;
mod assistant_runs;
mod attachments;
mod auth;
mod claim;
mod cli;
mod client_names;
mod concurrency;
mod conversation_writes;
mod failures;
mod federation;
mod graphiql;
mod http;
mod inputs;
mod isolation;
mod limits;
mod merge;
mod message_writes;
mod nesting;
mod note_rating_writes;
mod pagination;
mod parity;
mod payload_cursors;
mod persisted;
mod plans;
mod production;
mod queries;
mod rate_limit;
mod replicas;
mod schema;
mod scopes;
mod search;
mod security;
mod semantics;
mod slow_clients;
mod snooze;
mod sockets;
mod statements;
mod subscriptions;
mod tag_writes;
mod ticket_writes;
mod voice;
mod webhooks;
