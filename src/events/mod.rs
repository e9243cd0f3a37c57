//! Live updates: every committed Activity row, in commit order, to the
//! subscribers of this gateway. On PostgreSQL the rows come from LISTEN/NOTIFY, so
//! a change committed through any replica reaches the subscribers of all of them;
//! on SQLite the gateway watches the table for new rows.
//!
//! A notification sent while the listener is disconnected (PostgreSQL restarted,
//! the connection was killed) is gone for good, so after every reconnection the
//! listener reads the table for what was committed meanwhile and sends it on; when
//! that is more than a subscriber could take in, it tells every subscriber that
//! events were missed instead. Events are never lost silently.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use entity::activity;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

/// Events a subscriber may fall behind by before it is told and dropped.
pub const BUFFER: usize = 1024;
/// How often SQLite is asked for new rows.
const POLL: Duration = Duration::from_millis(50);
/// How long the PostgreSQL listener waits before it tries to connect again.
const RECONNECT: Duration = Duration::from_secs(1);
/// The NOTIFY channel the activity trigger announces new rows on.
const CHANNEL: &str = "parley_activity";
/// How many of the latest ids the listener remembers having sent. Ids are taken in
/// insert order but committed in any order; after a reconnection, the rows above
/// the oldest remembered id that were not sent are the ones it missed.
const REMEMBERED: usize = 4 * BUFFER;

/// What the feed carries.
#[derive(Debug, Clone)]
pub enum Event {
    /// A committed Activity row.
    Committed(Arc<activity::Model>),
    /// The feed was interrupted and rows committed meanwhile cannot be sent:
    /// subscribers must refetch.
    Missed,
}

/// The stream of committed activity, for subscriptions.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Event>,
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
    pub fn manual() -> (Events, broadcast::Sender<Event>) {
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
    pub async fn subscribe(&self) -> broadcast::Receiver<Event> {
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

/// PostgreSQL: the ids announced on [`CHANNEL`], loaded in the order they come, and
/// after a reconnection the rows committed while the listener was away.
async fn listen(
    db: DatabaseConnection,
    sender: broadcast::Sender<Event>,
    ready: watch::Sender<bool>,
) {
    let mut sent = Sent::default();
    loop {
        let mut listener = match listener(&db).await {
            Ok(listener) => listener,
            Err(err) => {
                if matches!(err, sea_orm::sqlx::Error::PoolClosed) {
                    return;
                }
                tracing::warn!(%err, "cannot listen for activity; retrying");
                tokio::time::sleep(RECONNECT).await;
                continue;
            }
        };
        // Listening before reading: a row committed in between is both read and
        // announced, and sent once.
        if let Err(err) = sent.catch_up(&db, &sender).await {
            tracing::warn!(%err, "cannot read the activity committed meanwhile; retrying");
            tokio::time::sleep(RECONNECT).await;
            continue;
        }
        ready.send_replace(true);
        if let Err(err) = relay(&db, &mut listener, &sender, &mut sent).await {
            if matches!(err, Lost::Pool(sea_orm::sqlx::Error::PoolClosed)) {
                return;
            }
            tracing::warn!(%err, "the activity listener lost its connection; reconnecting");
        }
    }
}

/// Why relaying stopped.
#[derive(Debug, thiserror::Error)]
enum Lost {
    /// The listener's connection failed and could not be made again.
    #[error("{0}")]
    Pool(sea_orm::sqlx::Error),
    /// An announced row could not be read (it is read again after reconnecting).
    #[error("{0}")]
    Database(DbErr),
}

/// A connection listening on [`CHANNEL`].
async fn listener(db: &DatabaseConnection) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
    // A lost connection is made again before `try_recv` reports it, so that the rows
    // read after the report include everything not announced.
    listener.eager_reconnect(true);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Sends every announced row until the connection fails for good. A connection the
/// listener made again by itself is followed by a catch-up.
async fn relay(
    db: &DatabaseConnection,
    listener: &mut PgListener,
    sender: &broadcast::Sender<Event>,
    sent: &mut Sent,
) -> Result<(), Lost> {
    loop {
        let Some(notification) = listener.try_recv().await.map_err(Lost::Pool)? else {
            tracing::warn!(
                "the activity listener lost its connection and made it again; catching up"
            );
            sent.catch_up(db, sender).await.map_err(Lost::Database)?;
            continue;
        };
        let Ok(id) = notification.payload().parse::<i64>() else {
            continue;
        };
        if sent.has(id) {
            continue;
        }
        if let Some(row) = activity::Entity::find_by_id(id)
            .one(db)
            .await
            .map_err(Lost::Database)?
        {
            sent.mark(id);
            let _ = sender.send(Event::Committed(Arc::new(row)));
        }
    }
}

/// The ids the PostgreSQL listener has sent lately, to tell after a reconnection
/// which committed rows it missed.
#[derive(Debug, Default)]
struct Sent {
    /// Rows at or below this id are settled: sent, or committed before the feed
    /// started. None until the listener first connects.
    floor: Option<i64>,
    /// The ids above the floor that were sent (the latest [`REMEMBERED`]).
    ids: BTreeSet<i64>,
}

impl Sent {
    fn has(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }

    fn mark(&mut self, id: i64) {
        self.ids.insert(id);
        while self.ids.len() > REMEMBERED {
            if let Some(oldest) = self.ids.pop_first() {
                self.floor = Some(self.floor.map_or(oldest, |floor| floor.max(oldest)));
            }
        }
    }

    /// Sends the rows above the floor that were not sent, in id order. The first
    /// time, only notes where the feed starts. Tells subscribers that events were
    /// missed when there are more than they could take in.
    async fn catch_up(
        &mut self,
        db: &DatabaseConnection,
        sender: &broadcast::Sender<Event>,
    ) -> Result<(), DbErr> {
        let Some(floor) = self.floor else {
            self.floor = Some(newest(db).await?);
            return Ok(());
        };
        let most = self.ids.len() + BUFFER;
        let rows = activity::Entity::find()
            .filter(activity::Column::Id.gt(floor))
            .order_by_asc(activity::Column::Id)
            .limit(most as u64 + 1)
            .all(db)
            .await?;
        if rows.len() > most {
            tracing::warn!(
                missed = rows.len() - self.ids.len(),
                "more activity was committed while the listener was away than a subscriber can take in; telling subscribers to refetch"
            );
            self.floor = Some(newest(db).await?);
            self.ids.clear();
            let _ = sender.send(Event::Missed);
            return Ok(());
        }
        let mut caught = 0;
        for row in rows {
            if !self.has(row.id) {
                self.mark(row.id);
                caught += 1;
                let _ = sender.send(Event::Committed(Arc::new(row)));
            }
        }
        if caught > 0 {
            tracing::info!(
                caught,
                "sent the activity committed while the listener was away"
            );
        }
        Ok(())
    }
}

/// The newest activity id (0 for none).
async fn newest(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let max = activity::Entity::find()
        .select_only()
        .column_as(activity::Column::Id.max(), "max")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

/// SQLite: new rows by id (one writer at a time, so ids follow commit order).
async fn poll(
    db: DatabaseConnection,
    sender: broadcast::Sender<Event>,
    ready: watch::Sender<bool>,
) {
    let mut last = loop {
        match newest(&db).await {
            Ok(max) => break max,
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
            if let Ok(max) = newest(&db).await {
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
                    let _ = sender.send(Event::Committed(Arc::new(row)));
                }
            }
            Err(err) => tracing::warn!(%err, "cannot read new activity"),
        }
    }
}
