//! Live updates: every committed Activity row, in commit order, to the
//! subscribers of this gateway. On PostgreSQL the rows come from LISTEN/NOTIFY, so
//! a change committed through any replica reaches the subscribers of all of them;
//! on SQLite the gateway watches the table for new rows.

use std::sync::Arc;
use std::time::Duration;

use entity::activity;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

/// Events a subscriber may fall behind by before it is told and dropped.
pub const BUFFER: usize = 1024;
/// How often SQLite is asked for new rows.
const POLL: Duration = Duration::from_millis(50);

/// The stream of committed activity, for subscriptions.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<activity::Model>>,
    /// Whether the feed is live (on PostgreSQL: LISTEN has been set up).
    live: watch::Receiver<bool>,
    /// Cancelled when the server shuts down: subscriptions deliver what is still
    /// arriving, then complete.
    closing: CancellationToken,
}

/// How long a closing subscription waits for one more event before it completes.
pub const LAST_EVENT_WAIT: Duration = Duration::from_millis(300);

impl Events {
    /// Starts feeding committed activity from `db` to subscribers.
    pub fn start(db: DatabaseConnection) -> Events {
        let (sender, _) = broadcast::channel(BUFFER);
        let (ready, live) = watch::channel(false);
        let events = Events {
            sender: sender.clone(),
            live,
            closing: CancellationToken::new(),
        };
        tokio::spawn(async move {
            match db.get_database_backend() {
                DbBackend::Postgres => listen(db, sender, ready).await,
                _ => poll(db, sender, ready).await,
            }
        });
        events
    }

    /// Events the caller publishes itself through the returned sender (for
    /// embedding the schema elsewhere, and for tests).
    pub fn manual() -> (Events, broadcast::Sender<Arc<activity::Model>>) {
        let (sender, _) = broadcast::channel(BUFFER);
        let (_, live) = watch::channel(true);
        (
            Events {
                sender: sender.clone(),
                live,
                closing: CancellationToken::new(),
            },
            sender,
        )
    }

    /// A receiver of every event committed from now on (waits until the feed is live).
    pub async fn subscribe(&self) -> broadcast::Receiver<Arc<activity::Model>> {
        let mut live = self.live.clone();
        let _ = live.wait_for(|live| *live).await;
        self.sender.subscribe()
    }

    /// Tells subscriptions that the server is shutting down.
    pub fn close(&self) {
        self.closing.cancel();
    }

    /// Resolves once the server is shutting down.
    pub fn closing(&self) -> impl Future<Output = ()> + Send + 'static {
        self.closing.clone().cancelled_owned()
    }
}

/// PostgreSQL: the ids announced on `parley_activity`, loaded in the order they come.
async fn listen(
    db: DatabaseConnection,
    sender: broadcast::Sender<Arc<activity::Model>>,
    ready: watch::Sender<bool>,
) {
    loop {
        let pool = db.get_postgres_connection_pool();
        let mut listener = match PgListener::connect_with(pool).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(%err, "cannot listen for activity; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(err) = listener.listen("parley_activity").await {
            tracing::warn!(%err, "cannot listen for activity; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        ready.send_replace(true);
        while let Ok(notification) = listener.recv().await {
            let Ok(id) = notification.payload().parse::<i64>() else {
                continue;
            };
            match activity::Entity::find_by_id(id).one(&db).await {
                Ok(Some(row)) => {
                    let _ = sender.send(Arc::new(row));
                }
                Ok(None) => {}
                Err(err) => tracing::warn!(%err, id, "cannot load an announced activity"),
            }
        }
        tracing::warn!("the activity listener lost its connection; reconnecting");
    }
}

/// SQLite: new rows by id (one writer at a time, so ids follow commit order).
async fn poll(
    db: DatabaseConnection,
    sender: broadcast::Sender<Arc<activity::Model>>,
    ready: watch::Sender<bool>,
) {
    let mut last = loop {
        match activity::Entity::find()
            .select_only()
            .column_as(activity::Column::Id.max(), "max")
            .into_tuple::<Option<i64>>()
            .one(&db)
            .await
        {
            Ok(max) => break max.flatten().unwrap_or(0),
            Err(err) => {
                tracing::warn!(%err, "cannot read the activity log; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    ready.send_replace(true);
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        if sender.receiver_count() == 0 {
            // Nobody listens: skip ahead without reading rows.
            if let Ok(Some(Some(max))) = activity::Entity::find()
                .select_only()
                .column_as(activity::Column::Id.max(), "max")
                .into_tuple::<Option<i64>>()
                .one(&db)
                .await
            {
                last = last.max(max);
            }
            continue;
        }
        match activity::Entity::find()
            .filter(activity::Column::Id.gt(last))
            .order_by_asc(activity::Column::Id)
            .limit(500)
            .all(&db)
            .await
        {
            Ok(rows) => {
                for row in rows {
                    last = row.id;
                    let _ = sender.send(Arc::new(row));
                }
            }
            Err(err) => tracing::warn!(%err, "cannot read new activity"),
        }
    }
}
