//! Authentication at the edge: a bearer JWT becomes a typed [`Viewer`] once per
//! request; resolvers only ask the viewer for scopes.

mod accounts;
mod jwt;
mod scope;

use std::sync::Arc;

pub use accounts::Accounts;
pub use jwt::{Claims, JwtConfig, KeySource, parse_agent};
pub use scope::{Scope, Scopes};

use crate::error::{Error, Result};

/// Who is asking: an agent of one tenant with a set of scopes.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The tenant every read and write of this request is confined to.
    pub tenant: Arc<str>,
    /// The agent's database id (the token's `sub`).
    pub agent_id: i64,
    /// What the token allows.
    pub scopes: Scopes,
    /// When the token expires (its `exp`, seconds since the epoch); None for a viewer
    /// made without a token. Subscriptions, which outlive the request that
    /// authenticated them, end here.
    pub expires_at: Option<i64>,
}

impl Viewer {
    /// Fails with FORBIDDEN unless the viewer has `scope`.
    pub fn require(&self, scope: Scope) -> Result<&Viewer> {
        if self.scopes.has(scope) {
            Ok(self)
        } else {
            Err(Error::Forbidden(scope.as_str()))
        }
    }

    /// Fails with FORBIDDEN unless the viewer has at least one of `scopes`.
    pub fn require_any(&self, scopes: &[Scope]) -> Result<&Viewer> {
        match scopes.iter().find(|s| self.scopes.has(**s)) {
            Some(_) => Ok(self),
            None => Err(Error::Forbidden(scopes.first().map_or("", |s| s.as_str()))),
        }
    }
}

/// The outcome of authenticating a request: the viewer, or why there is none.
/// Kept as a value so that requests that need no viewer (introspection) still run.
#[derive(Debug, Clone)]
pub struct Auth(pub Result<Viewer>);

impl Auth {
    /// Authenticates the value of an `Authorization` header, if any.
    pub fn from_header(config: &JwtConfig, header: Option<&str>) -> Auth {
        Auth(match header {
            None => Err(Error::Unauthenticated(
                "send `Authorization: Bearer <token>`".into(),
            )),
            Some(value) => match value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
            {
                None => Err(Error::Unauthenticated(
                    "the Authorization header must be `Bearer <token>`".into(),
                )),
                Some(token) => config.verify(token.trim()),
            },
        })
    }
}
