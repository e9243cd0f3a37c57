//! The one error type of the gateway, sorted by whose fault it is and mapped to
//! `extensions.code` at the GraphQL boundary. Internal details are logged, never sent.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// Everything that can go wrong while serving a request.
///
/// It deliberately does not implement `Display`, so that the only way it reaches a
/// client is through the `From` impl below, which decides what may be shown.
#[derive(Debug, Clone)]
pub enum Error {
    /// No valid credentials: missing, malformed, badly signed or expired token.
    Unauthenticated(String),
    /// Valid credentials without the scope the operation needs.
    Forbidden(&'static str),
    /// The object does not exist for this viewer (including other tenants' objects).
    NotFound(String),
    /// The client sent a value the API does not accept.
    BadUserInput(String),
    /// The database cannot be reached right now.
    Unavailable(String),
    /// A bug or an unexpected failure: logged in full, reported as a bare code.
    Internal(String),
}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The `extensions.code` a client sees.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated(_) => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound(_) => "NOT_FOUND",
            Error::BadUserInput(_) => "BAD_USER_INPUT",
            Error::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Error::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Error::Unauthenticated(why) => format!("authentication required: {why}"),
            Error::Forbidden(scope) => format!("this operation needs the `{scope}` scope"),
            Error::NotFound(what) => format!("{what} not found"),
            Error::BadUserInput(why) => why.clone(),
            Error::Unavailable(_) => "the database is unavailable, try again shortly".into(),
            Error::Internal(_) => "internal server error".into(),
        }
    }

    /// A bad-input error about one argument.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::BadUserInput(message.into())
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Error::Unavailable(err.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<Error> for async_graphql::Error {
    fn from(err: Error) -> Self {
        match &err {
            Error::Internal(detail) => tracing::error!(%detail, "internal error"),
            Error::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            _ => {}
        }
        let code = err.code();
        async_graphql::Error::new(err.message()).extend_with(|_, ext| ext.set("code", code))
    }
}
