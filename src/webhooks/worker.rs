//! The delivery worker: claims due deliveries, posts them, records the outcome.
//!
//! A claim sets `locked_until` (a lease) on up to [`BATCH`] due rows in one
//! statement; on PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so two
//! replicas claiming at once take different rows, and a row whose lease expired
//! (its worker died mid-post) is claimed again and posted with the same
//! `webhook-id`, for the receiver to recognise. The worker wakes on every committed
//! activity (the event feed) and at least once a second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::enums::{ActivityType, WebhookDeliveryStatus};
use entity::{activity, webhook_attempt, webhook_delivery, webhook_endpoint};
use futures_util::StreamExt;
use rand::Rng;
use reqwest::Url;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, NotSet, QueryFilter, Set, Statement,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::address::{PublicOnly, literal_forbidden};
use super::{event, signature};
use crate::config::WebhookOptions;
use crate::error::{Error, Result};
use crate::events::Events;
use crate::ids::NodeKind;
use crate::metrics::Metrics;
use crate::service::activity::{Detail, record_as};
use crate::service::{begin, now};

/// Deliveries claimed at once.
const BATCH: i64 = 32;
/// Deliveries posted at once.
const CONCURRENCY: usize = 8;
/// Longest wait between two claims when nothing wakes the worker.
const POLL: Duration = Duration::from_secs(1);
/// Bytes of an endpoint's answer kept in the delivery log (the rest is not read).
pub const MAX_RESPONSE_BODY: usize = 2048;
/// Finished deliveries (and their attempts) are deleted after this long.
const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often old deliveries are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The running worker.
pub struct Worker {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Worker {
    /// Starts posting the deliveries of `db`, woken by `events`.
    pub fn start(
        db: DatabaseConnection,
        events: Events,
        options: WebhookOptions,
        metrics: Metrics,
    ) -> Worker {
        let stop = CancellationToken::new();
        let mut client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("Parley-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !options.allow_private_addresses {
            client = client.dns_resolver(Arc::new(PublicOnly));
        }
        let poster = Poster {
            db,
            client: client.build().unwrap_or_default(),
            options,
            metrics,
        };
        let task = tokio::spawn(poster.run(events, stop.clone()));
        Worker { stop, task }
    }

    /// Stops claiming; waits up to `within` for the posts in flight to be recorded.
    pub async fn stop(self, within: Duration) {
        self.stop.cancel();
        if tokio::time::timeout(within, self.task).await.is_err() {
            tracing::warn!(
                "webhook posts still in flight at shutdown; their leases expire and another worker posts them again"
            );
        }
    }
}

struct Poster {
    db: DatabaseConnection,
    client: reqwest::Client,
    options: WebhookOptions,
    metrics: Metrics,
}

impl Poster {
    async fn run(self, events: Events, stop: CancellationToken) {
        let mut feed = events.subscribe().await;
        let mut pruned = Instant::now();
        while !stop.is_cancelled() {
            let claimed = match claim(&self.db, self.lease()).await {
                Ok(claimed) => claimed,
                Err(err) => {
                    tracing::warn!(?err, "cannot claim webhook deliveries; retrying");
                    Vec::new()
                }
            };
            let full = claimed.len() as i64 == BATCH;
            futures_util::stream::iter(claimed)
                .for_each_concurrent(CONCURRENCY, |(id, lease)| self.deliver(id, lease))
                .await;
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = Instant::now();
                if let Err(err) = prune(&self.db).await {
                    tracing::warn!(?err, "cannot delete old webhook deliveries");
                }
            }
            if full {
                continue;
            }
            tokio::select! {
                _ = feed.recv() => {
                    // Whatever else is queued is covered by the claim that follows.
                    while feed.try_recv().is_ok() {}
                }
                () = tokio::time::sleep(POLL) => {}
                () = stop.cancelled() => {}
            }
        }
    }

    /// How long a claim holds a delivery: longer than any post and its recording.
    fn lease(&self) -> Duration {
        self.options.timeout * 2 + Duration::from_secs(30)
    }

    /// Posts one claimed delivery and records how it went.
    async fn deliver(&self, id: i64, lease: i64) {
        if let Err(err) = self.try_deliver(id, lease).await {
            // Unrecorded: the lease expires and the delivery is claimed again.
            tracing::warn!(?err, delivery = id, "cannot record a webhook attempt");
        }
    }

    async fn try_deliver(&self, id: i64, lease: i64) -> Result<()> {
        let Some(delivery) = webhook_delivery::Entity::find_by_id(id)
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let endpoint = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id)
            .one(&self.db)
            .await?;
        let entry = activity::Entity::find_by_id(delivery.activity_id)
            .one(&self.db)
            .await?;
        let (Some(endpoint), Some(entry)) = (endpoint, entry) else {
            return Ok(());
        };
        let body = serde_json::to_vec(&event(&entry))
            .map_err(|err| Error::Internal(format!("webhook body: {err}")))?;
        let outcome = self.post(&endpoint, &delivery, body).await;
        // The post happened: record it even if the database is away for a while
        // (restarting), as long as the lease holds, so that the delivery is not
        // posted again by whoever claims it next.
        let mut wait = Duration::from_millis(250);
        let status = loop {
            match record(
                &self.db,
                &self.options,
                &endpoint,
                &delivery,
                lease,
                &outcome,
            )
            .await
            {
                Ok(status) => break status,
                Err(err) if now() + ((wait * 4).as_micros() as i64) < lease => {
                    tracing::warn!(
                        ?err,
                        delivery = id,
                        "cannot record a webhook attempt yet; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(err) => return Err(err),
            }
        };
        self.metrics.webhook_attempt(match status {
            WebhookDeliveryStatus::Delivered => "delivered",
            WebhookDeliveryStatus::Pending => "retrying",
            WebhookDeliveryStatus::Failed => "failed",
        });
        Ok(())
    }

    /// One post: its status, the start of the answer, or why there was none.
    async fn post(
        &self,
        endpoint: &webhook_endpoint::Model,
        delivery: &webhook_delivery::Model,
        body: Vec<u8>,
    ) -> Outcome {
        let started = Instant::now();
        let mut outcome = Outcome::default();
        let url = match Url::parse(&endpoint.url) {
            Ok(url) if self.options.allow_private_addresses || !literal_forbidden(&url) => url,
            Ok(_) => {
                outcome.error = Some("refused: the URL names a private address".into());
                return outcome;
            }
            Err(err) => {
                outcome.error = Some(format!("refused: {err}"));
                return outcome;
            }
        };
        let id = NodeKind::WebhookDelivery.id(delivery.id).0;
        let timestamp = Utc::now().timestamp();
        let mut secrets = vec![endpoint.secret.as_str()];
        if let (Some(previous), Some(until)) = (
            &endpoint.previous_secret,
            endpoint.previous_secret_expires_at,
        ) && until > now()
        {
            secrets.push(previous);
        }
        let request = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature(&secrets, &id, timestamp, &body),
            )
            .body(body);
        match request.send().await {
            Ok(mut response) => {
                outcome.status = Some(i32::from(response.status().as_u16()));
                let mut kept = Vec::new();
                loop {
                    match response.chunk().await {
                        Ok(Some(chunk)) => {
                            let room = MAX_RESPONSE_BODY - kept.len();
                            kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
                            if kept.len() >= MAX_RESPONSE_BODY {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(err) => {
                            outcome.error = Some(format!("reading the answer: {err}"));
                            break;
                        }
                    }
                }
                outcome.body = Some(String::from_utf8_lossy(&kept).into_owned());
            }
            Err(err) => outcome.error = Some(describe(&err)),
        }
        outcome.duration = started.elapsed();
        outcome
    }
}

/// Why a post got no answer, without the URL (the log shows it beside).
fn describe(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() {
        what.into()
    } else {
        format!("{what}: {cause}")
    }
}

/// How one post went.
#[derive(Debug, Default)]
struct Outcome {
    status: Option<i32>,
    body: Option<String>,
    error: Option<String>,
    duration: Duration,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Claims up to [`BATCH`] due deliveries of enabled endpoints for `lease`; returns
/// their ids and the lease's end, which the recording checks.
async fn claim(db: &DatabaseConnection, lease: Duration) -> Result<Vec<(i64, i64)>> {
    let now = now();
    let until = now + lease.as_micros() as i64;
    let backend = db.get_database_backend();
    let lock = match backend {
        DbBackend::Postgres => "FOR UPDATE OF d SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "UPDATE webhook_deliveries SET locked_until = $1 WHERE id IN ( \
           SELECT d.id FROM webhook_deliveries d \
           JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled \
           WHERE d.status = 'PENDING' AND d.next_attempt_at <= $2 \
             AND (d.locked_until IS NULL OR d.locked_until <= $2) \
           ORDER BY d.next_attempt_at LIMIT $3 {lock}) \
         AND status = 'PENDING' AND (locked_until IS NULL OR locked_until <= $2) \
         RETURNING id"
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [until.into(), now.into(), BATCH.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get_by_index::<i64>(0)?, until)))
        .collect()
}

/// Records an attempt and moves the delivery on: DELIVERED, its next retry, or
/// FAILED; an endpoint that has not succeeded since the failed delivery was made is
/// disabled, with an Activity entry saying so. Returns the delivery's new status. Nothing changes but the attempt log
/// when the lease was lost meanwhile (another worker took the delivery over).
async fn record(
    db: &DatabaseConnection,
    options: &WebhookOptions,
    endpoint: &webhook_endpoint::Model,
    delivery: &webhook_delivery::Model,
    lease: i64,
    outcome: &Outcome,
) -> Result<WebhookDeliveryStatus> {
    let at = now();
    let attempts = delivery.attempts + 1;
    let tx = begin(db).await?;
    webhook_attempt::ActiveModel {
        id: NotSet,
        tenant_id: Set(delivery.tenant_id.clone()),
        delivery_id: Set(delivery.id),
        attempted_at: Set(at),
        status_code: Set(outcome.status),
        duration_ms: Set(i32::try_from(outcome.duration.as_millis()).unwrap_or(i32::MAX)),
        error: Set(outcome.error.clone()),
        response_body: Set(outcome.body.clone()),
    }
    .insert(&tx)
    .await?;
    let succeeded = outcome.succeeded();
    let retry = (!succeeded && delivery.redelivered_at.is_none())
        .then(|| options.retry_delays.0.get(delivery.attempts as usize))
        .flatten();
    let (status, next) = match (succeeded, retry) {
        (true, _) => (WebhookDeliveryStatus::Delivered, None),
        (false, Some(wait)) => (WebhookDeliveryStatus::Pending, Some(at + jitter(*wait))),
        (false, None) => (WebhookDeliveryStatus::Failed, None),
    };
    let error = outcome.error.clone().or_else(|| {
        outcome
            .status
            .filter(|_| !succeeded)
            .map(|s| format!("the endpoint answered {s}"))
    });
    let moved = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(status.to_value()),
        )
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            webhook_delivery::Column::LockedUntil,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            webhook_delivery::Column::LastStatusCode,
            Expr::value(outcome.status),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(error.clone()),
        )
        .col_expr(
            webhook_delivery::Column::DeliveredAt,
            Expr::value(succeeded.then_some(at)),
        )
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .filter(webhook_delivery::Column::LockedUntil.eq(lease))
        .exec(&tx)
        .await?
        .rows_affected;
    if moved == 1 {
        if succeeded {
            webhook_endpoint::Entity::update_many()
                .col_expr(webhook_endpoint::Column::LastSuccessAt, Expr::value(at))
                .filter(webhook_endpoint::Column::Id.eq(endpoint.id))
                .exec(&tx)
                .await?;
        } else if status == WebhookDeliveryStatus::Failed && delivery.redelivered_at.is_none() {
            disable_if_failing(&tx, endpoint.id, delivery, error.as_deref()).await?;
        }
    }
    tx.commit().await?;
    Ok(status)
}

/// Disables the endpoint when it has not succeeded since `delivery` was made (so
/// for the whole retry schedule, about a day), and says so in the activity log.
async fn disable_if_failing(
    tx: &sea_orm::DatabaseTransaction,
    endpoint_id: i64,
    delivery: &webhook_delivery::Model,
    error: Option<&str>,
) -> Result<()> {
    let reason = format!(
        "disabled after every attempt of a delivery failed since {} (last: {})",
        crate::graphql::types::at(delivery.created_at).to_rfc3339(),
        error.unwrap_or("no answer")
    );
    let disabled = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
        .col_expr(webhook_endpoint::Column::DisabledAt, Expr::value(now()))
        .col_expr(
            webhook_endpoint::Column::DisabledReason,
            Expr::value(reason),
        )
        .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .filter(
            sea_orm::Condition::any()
                .add(webhook_endpoint::Column::LastSuccessAt.is_null())
                .add(webhook_endpoint::Column::LastSuccessAt.lt(delivery.created_at)),
        )
        .exec(tx)
        .await?
        .rows_affected;
    if disabled == 1 {
        let detail = Detail {
            webhook_endpoint_id: Some(endpoint_id),
            ..Detail::default()
        };
        record_as(
            tx,
            &delivery.tenant_id,
            None,
            None,
            ActivityType::WebhookEndpointDisabled,
            detail,
        )
        .await?;
    }
    Ok(())
}

/// `wait` in microseconds, give or take a fifth at random, so that deliveries that
/// failed together do not all retry at the same moment.
fn jitter(wait: Duration) -> i64 {
    let micros = wait.as_micros() as f64;
    (micros * rand::rng().random_range(0.8..1.2)) as i64
}

/// Deletes finished deliveries older than [`RETENTION`] (their attempts go with them).
async fn prune(db: &DatabaseConnection) -> Result<()> {
    let before = now() - RETENTION.as_micros() as i64;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::CreatedAt.lt(before))
        .filter(webhook_delivery::Column::Status.ne(WebhookDeliveryStatus::Pending))
        .exec(db)
        .await?;
    Ok(())
}
