//! Text analysis computed at write time: language, sentiment and its trend, the plain
//! text of HTML bodies, and a ticket's cleanest body. Pure functions, shared by the write
//! services and the seed generator so that seeded and written rows agree.

pub mod cleanest_body;
pub mod html;
pub mod language;
pub mod sentiment;
pub mod topics;

pub use sentiment::{sentiment, sentiment_trend};
