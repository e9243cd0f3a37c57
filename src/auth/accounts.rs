//! Whether a token's tenant and agent exist. A verified signature only says the
//! issuer made the token; the tenant may be gone, the agent deleted, or `sub` an agent
//! of another tenant, and a request that trusted the token would then fail deep inside
//! (a foreign key) or write rows in one tenant attributed to another's agent.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entity::{agent, tenant};
use lru::LruCache;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use super::{Auth, JwtConfig, Viewer};
use crate::db::scoped;
use crate::error::{Error, Result};

/// Where a token's agent stands in its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// The agent works in the tenant.
    Member,
    /// No such tenant.
    UnknownTenant,
    /// The tenant exists, the agent is not one of its agents.
    NotAnAgent,
}

/// The tenants and agents tokens name, each answer remembered for a short while so
/// that a request costs no query: the last `capacity` (tenant, agent) pairs seen, for
/// `ttl` each. A deleted agent's tokens keep working for at most `ttl`.
#[derive(Clone)]
pub struct Accounts(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    ttl: Duration,
    /// None when caching is off (no capacity or no lifetime).
    known: Option<Mutex<Remembered>>,
}

/// Each (tenant, agent) pair's standing and when it was looked up.
type Remembered = LruCache<(Arc<str>, i64), (Instant, Standing)>;

impl Accounts {
    /// Checks against `db`, remembering up to `capacity` answers for `ttl` each.
    pub fn new(db: DatabaseConnection, ttl: Duration, capacity: usize) -> Accounts {
        let known = NonZeroUsize::new(capacity)
            .filter(|_| !ttl.is_zero())
            .map(|capacity| Mutex::new(LruCache::new(capacity)));
        Accounts(Arc::new(Inner { db, ttl, known }))
    }

    /// Authenticates the value of an `Authorization` header: a token that verifies
    /// and names an agent of an existing tenant. What every transport calls.
    pub async fn authenticate(&self, jwt: &JwtConfig, header: Option<&str>) -> Auth {
        let auth = Auth::from_header(jwt, header);
        Auth(match auth.0 {
            Ok(viewer) => self.check(viewer).await,
            refused => refused,
        })
    }

    /// `viewer`, if its tenant exists and its agent works there; else UNAUTHENTICATED.
    pub async fn check(&self, viewer: Viewer) -> Result<Viewer> {
        let standing = match self.remembered(&viewer) {
            Some(standing) => standing,
            None => {
                let standing = self.look_up(&viewer.tenant, viewer.agent_id).await?;
                self.remember(&viewer, standing);
                standing
            }
        };
        match standing {
            Standing::Member => Ok(viewer),
            Standing::UnknownTenant => Err(Error::Unauthenticated(
                "the token's tenant does not exist".into(),
            )),
            Standing::NotAnAgent => Err(Error::Unauthenticated(
                "the token's `sub` is not an agent of its tenant".into(),
            )),
        }
    }

    /// The answer for `viewer`'s pair, if it is remembered and fresh.
    fn remembered(&self, viewer: &Viewer) -> Option<Standing> {
        let mut known = self.0.known.as_ref()?.lock().ok()?;
        let key = (viewer.tenant.clone(), viewer.agent_id);
        match known.get(&key) {
            Some((at, standing)) if at.elapsed() < self.0.ttl => Some(*standing),
            Some(_) => {
                known.pop(&key);
                None
            }
            None => None,
        }
    }

    fn remember(&self, viewer: &Viewer, standing: Standing) {
        if let Some(mut known) = self.0.known.as_ref().and_then(|k| k.lock().ok()) {
            known.put(
                (viewer.tenant.clone(), viewer.agent_id),
                (Instant::now(), standing),
            );
        }
    }

    /// One query for an agent of its tenant; a second, for a refusal's reason.
    async fn look_up(&self, tenant_id: &str, agent_id: i64) -> Result<Standing> {
        let db = &self.0.db;
        let agent = scoped::<agent::Entity>(tenant_id)
            .filter(agent::Column::Id.eq(agent_id))
            .select_only()
            .column(agent::Column::Id)
            .into_tuple::<i64>()
            .one(db)
            .await?;
        if agent.is_some() {
            return Ok(Standing::Member);
        }
        let tenant = tenant::Entity::find_by_id(tenant_id.to_owned())
            .select_only()
            .column(tenant::Column::Id)
            .into_tuple::<String>()
            .one(db)
            .await?;
        Ok(match tenant {
            Some(_) => Standing::NotAnAgent,
            None => Standing::UnknownTenant,
        })
    }
}
