//! Per-tenant rate limiting by query cost: each tenant has a bucket of points that
//! refills continuously over a minute; a request spends its cost (the same cost
//! model that bounds complexity) or is refused with RATE_LIMITED.
//!
//! In one process the bucket is governor's (GCRA). Governor cannot look at a bucket
//! without spending from it, so the outcome of each charge is remembered to answer
//! "how much is left" for free.
//!
//! With Redis (`--redis-url`) the replicas share each tenant's bucket: the same GCRA
//! runs as a Lua script inside Redis, which reads, decides and charges atomically on
//! Redis's clock, so N replicas together grant one budget. The process's own bucket
//! is charged alongside and takes over whenever Redis fails or is slow (fail over to
//! per-replica limits, never open and never closed): a tenant then gets at most the
//! budget from each replica, and no request waits on or fails because of Redis.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::Error;
use crate::replicas::Shared;

type Buckets = RateLimiter<
    Arc<str>,
    DefaultKeyedStateStore<Arc<str>>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// The rate limiter shared by every request; cheap to clone.
#[derive(Clone)]
pub struct Limiter(Option<Arc<Inner>>);

struct Inner {
    buckets: Buckets,
    /// Points per minute, which is also the size of a full bucket.
    limit: u32,
    /// How long one point takes to come back.
    refill: Duration,
    /// What each tenant had left after its last charge, and when.
    seen: Mutex<HashMap<Arc<str>, (u32, Instant)>>,
    /// How many remembered tenants trigger the next sweep.
    next_sweep: AtomicUsize,
    /// The buckets the replicas share, if they do.
    shared: Option<Shared>,
}

/// GCRA in Redis, atomically: a tenant's key holds its bucket's theoretical arrival
/// time (µs on Redis's clock since 2023-11-14, small enough for a double to count
/// fractions of a µs). ARGV: µs per point, points per minute, the cost (0 only
/// looks). Returns whether it was charged, the points left, and µs to wait when not.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = (tonumber(t[1]) - 1700000000) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tau = interval * limit
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + cost * interval
if new_tat - tau > now then
  return {0, math.floor((now + tau - tat) / interval + 1e-6), math.ceil(new_tat - tau - now)}
end
if cost > 0 then
  redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
end
return {1, math.floor((now + tau - new_tat) / interval + 1e-6), 0}
";

/// The script, with its SHA-1 for EVALSHA.
static GCRA_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(GCRA));

/// How many tenants are remembered before those whose bucket is full again are
/// forgotten (and then twice as many as are left).
const SWEEP_AT: usize = 4096;

/// A tenant's budget at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Points per minute (the size of a full bucket).
    pub limit: u32,
    /// Points that may be spent right now.
    pub remaining: u32,
    /// How long until the bucket is full again.
    pub reset: Duration,
}

impl Limiter {
    /// A limiter granting `points_per_minute` to each tenant, across the replicas
    /// that share `shared`; 0 turns limiting off.
    pub fn new(points_per_minute: u32, shared: Option<Shared>) -> Limiter {
        let Some(limit) = NonZeroU32::new(points_per_minute) else {
            return Limiter(None);
        };
        let buckets = RateLimiter::dashmap(Quota::per_minute(limit))
            .with_middleware::<StateInformationMiddleware>();
        Limiter(Some(Arc::new(Inner {
            buckets,
            limit: limit.get(),
            refill: Duration::from_secs(60) / limit.get(),
            seen: Mutex::default(),
            next_sweep: AtomicUsize::new(SWEEP_AT),
            shared,
        })))
    }

    /// Spends `cost` points of `tenant`'s bucket, or says when to retry. Free
    /// requests and a disabled limiter spend nothing.
    async fn charge(&self, tenant: &Arc<str>, cost: usize) -> Result<(), Refusal> {
        let Some(inner) = &self.0 else {
            return Ok(());
        };
        if cost == 0 {
            return Ok(());
        }
        let too_big = || Refusal {
            message: format!(
                "this request costs {cost} points, more than the whole budget of {} points per minute; ask for fewer items",
                inner.limit
            ),
            retry_after: None,
        };
        let Some(points) = u32::try_from(cost)
            .ok()
            .filter(|&points| points <= inner.limit)
            .and_then(NonZeroU32::new)
        else {
            return Err(too_big());
        };
        if let Some(outcome) = inner.charge_shared(tenant, points.get()).await {
            inner.remember(tenant, outcome.remaining);
            return match outcome.wait {
                None => {
                    // Kept in step, to take over if Redis fails.
                    let _ = inner.buckets.check_key_n(tenant, points);
                    Ok(())
                }
                Some(wait) => Err(inner.refusal(cost, wait)),
            };
        }
        match inner.buckets.check_key_n(tenant, points) {
            Ok(Ok(state)) => {
                inner.remember(tenant, state.remaining_burst_capacity());
                Ok(())
            }
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(inner.buckets.clock().now());
                Err(inner.refusal(cost, wait))
            }
            Err(_) => Err(too_big()),
        }
    }

    /// Charges one validated operation costing `cost` to `tenant`, recording the
    /// outcome in the request's `charge`; refused, it is RATE_LIMITED.
    pub async fn charge_operation(
        &self,
        tenant: &Arc<str>,
        cost: usize,
        charge: Option<&Arc<Charge>>,
    ) -> Result<(), Error> {
        match self.charge(tenant, cost).await {
            Ok(()) => {
                if let Some(charge) = charge {
                    charge.cost.fetch_add(cost as u64, Ordering::Relaxed);
                }
                Ok(())
            }
            Err(refusal) => {
                if let Some(charge) = charge {
                    charge.refused.fetch_add(1, Ordering::Relaxed);
                    if let Some(wait) = refusal.retry_after {
                        let ms = wait.as_millis().clamp(1, u128::from(u64::MAX)) as u64;
                        charge.retry_after_ms.fetch_max(ms, Ordering::Relaxed);
                    }
                }
                Err(Error::RateLimited(refusal.message))
            }
        }
    }

    /// `tenant`'s budget right now, without spending any of it (None when off):
    /// the shared bucket's if the replicas share them (one look in Redis), else
    /// what this process saw last.
    pub async fn budget(&self, tenant: &str) -> Option<Budget> {
        let inner = self.0.as_ref()?;
        if let Some(outcome) = inner.charge_shared(tenant, 0).await {
            return Some(inner.budget_from(outcome.remaining, Duration::ZERO));
        }
        inner.budget(tenant)
    }
}

/// What the shared bucket answered.
struct SharedOutcome {
    /// Points left.
    remaining: u32,
    /// How long to wait, when the charge was refused.
    wait: Option<Duration>,
}

impl Inner {
    /// Spends `points` (0: none) of `tenant`'s shared bucket; None without Redis
    /// or when it failed.
    async fn charge_shared(&self, tenant: &str, points: u32) -> Option<SharedOutcome> {
        let shared = self.shared.as_ref()?;
        let key = shared.key("rate", tenant);
        let interval = format!("{:.6}", 60e6 / f64::from(self.limit));
        let limit = self.limit;
        let (charged, remaining, wait): (i64, i64, i64) = shared
            .run("rate limit script", |mut redis| async move {
                GCRA_SCRIPT
                    .key(key)
                    .arg(interval)
                    .arg(limit)
                    .arg(points)
                    .invoke_async(&mut redis)
                    .await
            })
            .await?;
        let remaining = remaining.clamp(0, i64::from(self.limit)) as u32;
        let wait = (charged == 0).then(|| Duration::from_micros(wait.max(1) as u64));
        Some(SharedOutcome { remaining, wait })
    }

    /// The refusal of a request costing `cost` that could run after `wait`.
    fn refusal(&self, cost: usize, wait: Duration) -> Refusal {
        Refusal {
            message: format!(
                "the tenant's rate limit of {} points per minute is spent; this request costs {cost}, retry in {}s",
                self.limit,
                wait.as_secs().max(1)
            ),
            retry_after: Some(wait),
        }
    }

    /// Remembers what `tenant` has left. Tenants whose bucket is full again are
    /// forgotten, here and in governor, whenever many are remembered.
    fn remember(&self, tenant: &Arc<str>, remaining: u32) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() >= self.next_sweep.load(Ordering::Relaxed) {
                let full = self.refill * self.limit;
                seen.retain(|_, (_, at)| at.elapsed() < full);
                self.buckets.retain_recent();
                self.buckets.shrink_to_fit();
                let next = (2 * seen.len()).max(SWEEP_AT);
                self.next_sweep.store(next, Ordering::Relaxed);
            }
            seen.insert(tenant.clone(), (remaining, Instant::now()));
        }
    }

    fn budget(&self, tenant: &str) -> Option<Budget> {
        let seen = self.seen.lock().ok()?;
        Some(match seen.get(tenant) {
            Some(&(remaining, at)) => self.budget_from(remaining, at.elapsed()),
            None => self.budget_from(self.limit, Duration::ZERO),
        })
    }

    /// The budget `elapsed` after `remaining` points were left.
    fn budget_from(&self, remaining: u32, elapsed: Duration) -> Budget {
        let refilled = elapsed.as_nanos() / self.refill.as_nanos().max(1);
        let remaining = (u128::from(remaining) + refilled).min(u128::from(self.limit)) as u32;
        Budget {
            limit: self.limit,
            remaining,
            reset: self.refill * (self.limit - remaining),
        }
    }
}

/// A request the limiter turned away.
#[derive(Debug, Clone)]
struct Refusal {
    /// What the client is told.
    message: String,
    /// When the bucket will hold the request's cost (None: never, it is too big).
    retry_after: Option<Duration>,
}

/// What one HTTP request spent, filled in as its operations are validated.
#[derive(Debug, Default)]
pub struct Charge {
    cost: AtomicU64,
    /// Milliseconds to wait, when an operation was refused (0: none was).
    retry_after_ms: AtomicU64,
    refused: AtomicU64,
}

impl Charge {
    /// Points spent so far.
    pub fn cost(&self) -> u64 {
        self.cost.load(Ordering::Relaxed)
    }

    /// How many operations were refused.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// When to retry, if an operation was refused for lack of budget.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.retry_after_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }
}
