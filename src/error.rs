//! The one error type of the gateway, sorted by whose fault it is and mapped to
//! `extensions.code` at the GraphQL boundary. Internal details are logged, never sent.

use async_graphql::{Enum, ErrorExtensions, SimpleObject};
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
    /// Allow-list mode, and the operation is not on the list.
    NotRegistered,
    /// A persisted query's hash the server does not know (the client sends the text).
    PersistedQueryNotFound,
    /// The operation asks for more than the limits allow.
    TooComplex(String),
    /// The object does not exist for this viewer (including other tenants' objects).
    NotFound(String),
    /// The client sent a value the API does not accept.
    BadUserInput(String),
    /// The tenant spent its rate limit (the message says when to retry).
    RateLimited(String),
    /// The database cannot be reached right now.
    Unavailable(String),
    /// The attachment store failed (logged where it happened).
    StoreUnavailable,
    /// A subscriber fell this many events behind and was dropped.
    Lagged(u64),
    /// The feed of events was interrupted (the database went away) and what was
    /// committed meanwhile could not be recovered: the subscriber must refetch.
    EventsMissed,
    /// A websocket already runs this many operations, the most it may.
    TooManySubscriptions(usize),
    /// A bug or an unexpected failure: logged in full, reported as a bare code.
    Internal(String),
    /// A business rule refused the change; mutations report it in `userErrors`.
    User(UserError),
}

/// Why a business rule refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum UserErrorCode {
    /// The conversation is assigned to another agent; claim with `force` to take it over.
    AlreadyAssigned,
    /// The conversation is closed; reopen it first.
    ConversationClosed,
    /// The conversation is already in the state the change asks for.
    InvalidState,
    /// The tag is inactive and cannot be added anew.
    TagInactive,
    /// Another object of the tenant already has this name.
    DuplicateName,
    /// Another object of the tenant already has this external id.
    DuplicateExternalId,
    /// The object changed since `expectedUpdatedAt`; reload and retry.
    Conflict,
    /// A value is missing, malformed or out of range.
    InvalidValue,
    /// A referenced object does not exist.
    NotFound,
    /// The rating was already submitted.
    AlreadySubmitted,
    /// The idempotency key was used before with a different input.
    IdempotencyKeyReused,
    /// A limit was reached (a queue is full, too many runs this minute); the message
    /// says which.
    LimitExceeded,
}

/// A business rule that refused a mutation, with the input field it is about.
#[derive(Debug, Clone, SimpleObject)]
pub struct UserError {
    /// The path of the input field at fault, e.g. `["input", "score"]`; null when it is about the whole input.
    pub field: Option<Vec<String>>,
    /// What went wrong, for people.
    pub message: String,
    /// What went wrong, for programs.
    pub code: UserErrorCode,
}

impl UserError {
    /// A refusal about the input field `field` (a path below `input`).
    pub fn new(code: UserErrorCode, field: &[&str], message: impl Into<String>) -> UserError {
        let field = (!field.is_empty()).then(|| {
            std::iter::once("input")
                .chain(field.iter().copied())
                .map(String::from)
                .collect()
        });
        UserError {
            field,
            message: message.into(),
            code,
        }
    }
}

impl UserError {
    /// DUPLICATE_EXTERNAL_ID on `externalId`: another `what` of the tenant has it.
    pub fn duplicate_external_id(what: &str) -> UserError {
        UserError::new(
            UserErrorCode::DuplicateExternalId,
            &["externalId"],
            format!("another {what} of the tenant already has this external id"),
        )
    }

    /// DUPLICATE_NAME on `name`: another tag of the tenant has it (ignoring case).
    pub fn duplicate_tag_name() -> UserError {
        UserError::duplicate_name("name", "tag")
    }

    /// DUPLICATE_NAME on `field`: another `what` of the tenant has this value of it.
    pub fn duplicate_name(field: &str, what: &str) -> UserError {
        UserError::new(
            UserErrorCode::DuplicateName,
            &[field],
            format!("a {what} with this {field} already exists"),
        )
    }
}

impl From<UserError> for Error {
    fn from(err: UserError) -> Self {
        Error::User(err)
    }
}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The `extensions.code` values of the API, in one place: errors raised by the
/// schema ([`Error::code`]), by the HTTP edge before the schema runs, and by
/// async-graphql's own checks all name their code through this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    PersistedQueryNotFound,
    QueryTooComplex,
    RateLimited,
    ServiceUnavailable,
    InternalServerError,
}

impl Code {
    /// The code as clients read it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Code::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Code::RateLimited => "RATE_LIMITED",
            Code::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Code::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl Error {
    /// The `extensions.code` a client sees.
    pub fn code(&self) -> Code {
        match self {
            Error::Unauthenticated(_) => Code::Unauthenticated,
            Error::Forbidden(_) | Error::NotRegistered => Code::Forbidden,
            Error::NotFound(_) => Code::NotFound,
            Error::BadUserInput(_) | Error::User(_) => Code::BadUserInput,
            Error::PersistedQueryNotFound => Code::PersistedQueryNotFound,
            Error::TooComplex(_) => Code::QueryTooComplex,
            Error::RateLimited(_) | Error::TooManySubscriptions(_) => Code::RateLimited,
            Error::Unavailable(_)
            | Error::StoreUnavailable
            | Error::Lagged(_)
            | Error::EventsMissed => Code::ServiceUnavailable,
            Error::Internal(_) => Code::InternalServerError,
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Error::Unauthenticated(why) => format!("authentication required: {why}"),
            Error::Forbidden(scope) => format!("this operation needs the `{scope}` scope"),
            Error::NotRegistered => {
                "this server runs registered operations only, and this one is not registered".into()
            }
            Error::NotFound(what) => format!("{what} not found"),
            // The message Apollo clients look for.
            Error::PersistedQueryNotFound => "PersistedQueryNotFound".into(),
            Error::BadUserInput(why) | Error::RateLimited(why) | Error::TooComplex(why) => {
                why.clone()
            }
            Error::Unavailable(_) => "the database is unavailable, try again shortly".into(),
            Error::StoreUnavailable => {
                "the attachment store is unavailable, try again shortly".into()
            }
            Error::Lagged(missed) => {
                format!("the subscriber fell {missed} events behind; subscribe again")
            }
            Error::EventsMissed => {
                "the event feed was interrupted and events may have been missed; refetch, then subscribe again".into()
            }
            Error::TooManySubscriptions(most) => format!(
                "a websocket may run at most {most} operations at once; complete one, or open another socket"
            ),
            Error::Internal(_) => "internal server error".into(),
            Error::User(err) => err.message.clone(),
        }
    }

    /// A bad-input error about one argument.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::BadUserInput(message.into())
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        if let Some(refusal) = unique_violation(&err) {
            return refusal.into();
        }
        if is_unavailable(&err) {
            Error::Unavailable(err.to_string())
        } else {
            Error::Internal(err.to_string())
        }
    }
}

/// The refusal a unique index's violation means for the client, by the index's name:
/// the one place where the database's uniqueness becomes a domain error (like
/// realworld-axum-sqlx's `on_constraint`), so every service's `?` maps it alike and
/// a concurrent duplicate the checks in code could not see is a userError, not a 500.
/// Other unique violations are bugs (INTERNAL_SERVER_ERROR); a find-or-create maps
/// its own conflict to the existing row with `ON CONFLICT` instead.
fn unique_violation(err: &DbErr) -> Option<UserError> {
    use migration::unique;
    Some(match violated_unique_index(err)? {
        unique::CONVERSATION_EXTERNAL_ID => UserError::duplicate_external_id("conversation"),
        unique::TICKET_EXTERNAL_ID => UserError::duplicate_external_id("ticket"),
        unique::MESSAGE_EXTERNAL_ID => UserError::duplicate_external_id("message"),
        unique::TAG_NAME => UserError::duplicate_tag_name(),
        unique::ATTRIBUTE_IDENTIFIER => UserError::duplicate_name("identifier", "custom attribute"),
        unique::FLOW_NAME => UserError::duplicate_name("name", "flow"),
        unique::CONNECTION_CODE => UserError::duplicate_name("connectionCode", "voice session"),
        _ => return None,
    })
}

/// The name of the unique index `err` violated: PostgreSQL reports it as the
/// constraint, SQLite in its message.
fn violated_unique_index(err: &DbErr) -> Option<&str> {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::error::ErrorKind;
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) =
        err
    else {
        return None;
    };
    let sea_orm::sqlx::Error::Database(db) = sqlx.as_ref() else {
        return None;
    };
    if db.kind() != ErrorKind::UniqueViolation {
        return None;
    }
    db.constraint()
        .or_else(|| migration::unique::named_by_sqlite(db.message()))
}

/// Whether the database failed rather than the statement: unreachable, the pool
/// exhausted, a connection lost, the server shutting down, or PostgreSQL's
/// `statement_timeout` cancelling the statement.
fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => {
            match sqlx.as_ref() {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed
                | Sqlx::Protocol(_) => true,
                // 57: operator intervention (57014 query_canceled, 57P01 admin_shutdown...);
                // 08: connection exceptions.
                Sqlx::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("57") || code.starts_with("08")),
                _ => false,
            }
        }
        _ => false,
    }
}

impl From<Error> for async_graphql::Error {
    fn from(err: Error) -> Self {
        match &err {
            Error::Internal(detail) => tracing::error!(%detail, "internal error"),
            Error::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            _ => {}
        }
        let code = err.code().as_str();
        async_graphql::Error::new(err.message()).extend_with(|_, ext| ext.set("code", code))
    }
}
