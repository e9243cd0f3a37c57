//! What bounds a websocket on `/graphql/ws`: the time it may take to send
//! `connection_init`, the sockets an agent and a tenant may hold open, the operations
//! one socket may run at once, and the lifetime of the token it was opened with.
//! Every count is held by a guard that gives it back when the socket or the
//! operation ends, however it ends, so a client can always reconnect.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::{Data, Executor, Pos, Request, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::auth::{Auth, Viewer};
use crate::config::SocketOptions;
use crate::error::Error;
use crate::graphql::CheckedSchema;

/// graphql-transport-ws: `connection_init` did not arrive in time.
pub const INIT_TIMEOUT: u16 = 4408;
/// graphql-transport-ws: too many (initialisation) requests; here, too many sockets.
pub const TOO_MANY_REQUESTS: u16 = 4429;

/// The sockets open per agent and per tenant, against their limits.
#[derive(Debug)]
pub struct SocketLimits {
    per_agent: usize,
    per_tenant: usize,
    open: Mutex<HashMap<Holder, usize>>,
}

/// Who holds open sockets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Holder {
    /// A token's subject, in its tenant.
    Agent(Arc<str>, i64),
    Tenant(Arc<str>),
}

/// A socket's place within the limits, given back when dropped.
#[derive(Debug)]
pub struct Admission {
    limits: Arc<SocketLimits>,
    holders: [Holder; 2],
}

impl SocketLimits {
    /// The limits of `options` (0 is no limit), with no socket open.
    pub fn new(options: &SocketOptions) -> Arc<SocketLimits> {
        Arc::new(SocketLimits {
            per_agent: options.max_sockets_per_agent,
            per_tenant: options.max_sockets_per_tenant,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// Counts one more socket for `viewer`, or says which limit it would exceed.
    pub fn admit(self: &Arc<Self>, viewer: &Viewer) -> Result<Admission, String> {
        let holders = [
            Holder::Agent(viewer.tenant.clone(), viewer.agent_id),
            Holder::Tenant(viewer.tenant.clone()),
        ];
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        for (holder, most, whose) in [
            (&holders[0], self.per_agent, "this agent"),
            (&holders[1], self.per_tenant, "this tenant"),
        ] {
            if most > 0 && open.get(holder).copied().unwrap_or(0) >= most {
                return Err(format!(
                    "{whose} already has {most} open sockets, the most allowed"
                ));
            }
        }
        for holder in &holders {
            *open.entry(holder.clone()).or_default() += 1;
        }
        Ok(Admission {
            limits: self.clone(),
            holders,
        })
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut open = self
            .limits
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for holder in &self.holders {
            if let Some(count) = open.get_mut(holder) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    // Forget holders with nothing open: the map stays as small as
                    // the set of connected agents.
                    open.remove(holder);
                }
            }
        }
    }
}

/// The handshake of one socket: whether `connection_init` arrived, and the socket's
/// place within the limits once it was admitted (held until the socket ends).
#[derive(Clone, Default)]
pub struct Handshake(Arc<HandshakeState>);

#[derive(Default)]
struct HandshakeState {
    started: AtomicBool,
    admission: OnceLock<Admission>,
}

impl Handshake {
    /// Notes that `connection_init` arrived (its token is still being checked).
    pub fn started(&self) {
        self.0.started.store(true, Ordering::Release);
    }

    /// Admits the socket of `viewer` within `limits`, or says why not.
    pub fn admit(&self, limits: &Arc<SocketLimits>, viewer: &Viewer) -> Result<(), String> {
        let admission = limits.admit(viewer)?;
        // A second `connection_init` is refused by async-graphql before it gets here.
        let _ = self.0.admission.set(admission);
        Ok(())
    }

    /// Runs `session` to its end; false when `connection_init` did not arrive within
    /// `timeout`, in which case the session is dropped unfinished.
    pub async fn within(&self, timeout: Duration, session: impl Future<Output = ()>) -> bool {
        let started = self.0.clone();
        let deadline = async move {
            tokio::time::sleep(timeout).await;
            if started.started.load(Ordering::Acquire) {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            () = session => true,
            () = deadline => false,
        }
    }
}

/// Executes the operations of one socket: at most so many at once, and none past
/// the expiry of the socket's token (plus a leeway).
#[derive(Clone)]
pub struct SocketExecutor {
    schema: CheckedSchema,
    /// Places for running operations; None when unlimited.
    running: Option<Arc<Semaphore>>,
    most: usize,
    leeway: Duration,
}

impl SocketExecutor {
    /// An executor of `schema` for one new socket, bounded as `options` say.
    pub fn new(schema: CheckedSchema, options: &SocketOptions) -> SocketExecutor {
        let most = options.max_subscriptions_per_socket;
        SocketExecutor {
            schema,
            running: (most > 0).then(|| Arc::new(Semaphore::new(most))),
            most,
            leeway: options.subscription_expiry_leeway,
        }
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        self.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        // Taken when the client subscribes and held by the operation's stream, which
        // async-graphql drops when the operation completes or the client stops it.
        let place = match &self.running {
            Some(running) => match running.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => return refusal(Error::TooManySubscriptions(self.most)),
            },
            None => None,
        };
        let deadline = session
            .as_deref()
            .and_then(viewer)
            .and_then(|viewer| viewer.expires_at)
            .and_then(|expires_at| deadline(expires_at, self.leeway));
        let responses = self.schema.execute_stream(request, session);
        until_expiry(responses, deadline, place)
    }
}

/// The viewer a socket's `connection_init` authenticated.
fn viewer(session: &Data) -> Option<&Viewer> {
    let auth = session.get(&TypeId::of::<Auth>())?.downcast_ref::<Auth>()?;
    auth.0.as_ref().ok()
}

/// When a token that expires at `expires_at` (seconds since the epoch) stops
/// carrying subscriptions; None when that is beyond any clock.
fn deadline(expires_at: i64, leeway: Duration) -> Option<Instant> {
    let seconds = u64::try_from(expires_at).unwrap_or(0);
    let end = UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))?
        .checked_add(leeway)?;
    let left = end
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Instant::now().checked_add(left)
}

/// `responses` until `deadline`, then an UNAUTHENTICATED error and the end; holds
/// `place` for as long as the stream lives.
fn until_expiry(
    mut responses: BoxStream<'static, Response>,
    deadline: Option<Instant>,
    place: Option<OwnedSemaphorePermit>,
) -> BoxStream<'static, Response> {
    let Some(deadline) = deadline else {
        return responses
            .map(move |response| {
                let _held = &place;
                response
            })
            .boxed();
    };
    async_stream::stream! {
        let _held = place;
        let expired = tokio::time::sleep_until(deadline);
        tokio::pin!(expired);
        loop {
            tokio::select! {
                // Checked first: nothing is delivered once the token has expired.
                biased;
                () = &mut expired => {
                    yield refused(Error::Unauthenticated("the token has expired".into()));
                    break;
                }
                next = responses.next() => match next {
                    Some(response) => yield response,
                    None => break,
                },
            }
        }
    }
    .boxed()
}

/// The response that refuses an operation with `err`.
fn refused(err: Error) -> Response {
    Response::from_errors(vec![
        async_graphql::Error::from(err).into_server_error(Pos::default()),
    ])
}

/// An operation refused with `err`: one error, then complete.
fn refusal(err: Error) -> BoxStream<'static, Response> {
    stream::iter([refused(err)]).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scopes;

    fn viewer(tenant: &str, agent_id: i64) -> Viewer {
        Viewer {
            tenant: tenant.into(),
            agent_id,
            scopes: Scopes::parse(""),
            expires_at: None,
        }
    }

    #[test]
    fn sockets_are_counted_per_agent_and_tenant_and_given_back() {
        let options = SocketOptions {
            max_sockets_per_agent: 2,
            max_sockets_per_tenant: 3,
            ..SocketOptions::default()
        };
        let limits = SocketLimits::new(&options);
        let tenant = |limits: &SocketLimits| {
            let open = limits.open.lock().unwrap();
            open.get(&Holder::Tenant("t".into())).copied().unwrap_or(0)
        };
        let a = viewer("t", 1);
        let first = limits.admit(&a).unwrap();
        let second = limits.admit(&a).unwrap();
        assert!(limits.admit(&a).unwrap_err().contains("agent"));
        let third = limits.admit(&viewer("t", 2)).unwrap();
        assert!(
            limits
                .admit(&viewer("t", 3))
                .unwrap_err()
                .contains("tenant")
        );
        assert!(
            limits.admit(&viewer("u", 1)).is_ok(),
            "other tenants are apart"
        );
        drop(first);
        assert_eq!(tenant(&limits), 2);
        let again = limits.admit(&a).unwrap();
        drop((again, second, third));
        assert_eq!(tenant(&limits), 0);
        assert!(limits.open.lock().unwrap().is_empty(), "nothing is kept");
    }

    #[test]
    fn a_deadline_beyond_any_clock_is_none_and_a_past_one_is_now() {
        assert!(deadline(i64::MAX, Duration::from_secs(30)).is_none());
        let past = deadline(1, Duration::ZERO).unwrap();
        assert!(past <= Instant::now());
    }
}
