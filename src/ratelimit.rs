//! Per-tenant rate limiting by query cost: each tenant has a bucket of points that
//! refills continuously over a minute; a request spends its cost (the same cost
//! model that bounds complexity) or is refused with RATE_LIMITED.
//!
//! The bucket is governor's (GCRA). Governor cannot look at a bucket without
//! spending from it, so the outcome of each charge is remembered to answer
//! "how much is left" for free.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::Error;

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
}

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
    /// A limiter granting `points_per_minute` to each tenant; 0 turns limiting off.
    pub fn new(points_per_minute: u32) -> Limiter {
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
        })))
    }

    /// Spends `cost` points of `tenant`'s bucket, or says when to retry. Free
    /// requests and a disabled limiter spend nothing.
    fn charge(&self, tenant: &Arc<str>, cost: usize) -> Result<(), Refusal> {
        let Some(inner) = &self.0 else {
            return Ok(());
        };
        let Some(points) = u32::try_from(cost).ok().and_then(NonZeroU32::new) else {
            return Ok(());
        };
        let too_big = || Refusal {
            message: format!(
                "this request costs {cost} points, more than the whole budget of {} points per minute; ask for fewer items",
                inner.limit
            ),
            retry_after: None,
        };
        match inner.buckets.check_key_n(tenant, points) {
            Ok(Ok(state)) => {
                inner.remember(tenant, state.remaining_burst_capacity());
                Ok(())
            }
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(inner.buckets.clock().now());
                Err(Refusal {
                    message: format!(
                        "the tenant's rate limit of {} points per minute is spent; this request costs {cost}, retry in {}s",
                        inner.limit,
                        wait.as_secs().max(1)
                    ),
                    retry_after: Some(wait),
                })
            }
            Err(_) => Err(too_big()),
        }
    }

    /// Charges one validated operation costing `cost` to `tenant`, recording the
    /// outcome in the request's `charge`; refused, it is RATE_LIMITED.
    pub fn charge_operation(
        &self,
        tenant: &Arc<str>,
        cost: usize,
        charge: Option<&Arc<Charge>>,
    ) -> Result<(), Error> {
        match self.charge(tenant, cost) {
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

    /// `tenant`'s budget right now, without spending any of it (None when off).
    pub fn budget(&self, tenant: &str) -> Option<Budget> {
        self.0.as_ref().and_then(|inner| inner.budget(tenant))
    }
}

impl Inner {
    fn remember(&self, tenant: &Arc<str>, remaining: u32) {
        if let Ok(mut seen) = self.seen.lock() {
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
