//! Batched loading. One `DataLoader<DbLoader>` per request serves every key type
//! below; each key carries the tenant, so a batch can never cross tenants.

mod attachments;
mod attribute_values;
mod children;
mod joined;
mod relations;
mod row;
mod similar_tags;
mod tag_vocabulary;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use sea_orm::DatabaseConnection;

pub use attachments::AttachmentsOf;
pub use attribute_values::AttributeValuesByConversation;
pub use children::{ChildCount, ChildPage, Relation, TagLinkRelation, TaggedPage};
pub use joined::ConversationJoins;
pub use relations::*;
pub use row::{HasId, RowById};
pub use similar_tags::{SharedTag, SimilarTags};
pub use tag_vocabulary::{TagVocabulary, Topics};

use crate::error::Error;

/// The per-request loader. Its cache hashes keys with foldhash (seeded per process):
/// a request holds few keys, bounded by the cost limit, so SipHash's defence against
/// chosen collisions would only cost time on every field.
pub type Loaders = DataLoader<DbLoader, Cache>;
type Cache = HashMapCache<foldhash::fast::RandomState>;

/// Loads rows for the keys of one batch; an error is shared by the whole batch.
pub struct DbLoader {
    db: DatabaseConnection,
}

/// A fresh loader for one request, and the batches it will spawn.
pub fn loaders(db: DatabaseConnection) -> (Loaders, Batches) {
    let batches = Batches::default();
    let queue = batches.queue.clone();
    let spawner = move |load| lock(&queue).push(load);
    let loaders =
        DataLoader::with_cache(DbLoader { db }, spawner, Cache::new()).delay(Duration::ZERO);
    (loaders, batches)
}

/// A loader for a subscription connection: batches run as tasks of their own and
/// nothing is cached, so every event is resolved against current rows.
pub fn connection_loaders(db: DatabaseConnection) -> Loaders {
    let loaders = DataLoader::with_cache(DbLoader { db }, tokio::spawn, Cache::new());
    loaders.enable_all_cache(false);
    loaders
}

/// The batch loads of one request, run on the request's own task, in waves.
///
/// When the resolvers all wait for data, the batches they asked for start together
/// as a wave; keys asked for meanwhile wait for the next wave, which starts once the
/// resolvers have used the whole of this one. So a batch holds every key of one pass
/// of the resolvers, however long that pass took, and the number of statements
/// depends on the shape of the query, never on timing or page size.
#[derive(Default)]
pub struct Batches {
    queue: Arc<Mutex<Vec<BoxFuture<'static, ()>>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A waker that notes whether the request woke itself while being polled (a list
/// resolver yielding, or the runtime's budget running out).
struct NotingWaker {
    woken: AtomicBool,
    inner: Waker,
}

impl Wake for NotingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.inner.wake_by_ref();
    }
}

impl Batches {
    /// Drives `request` and the batches it spawns until the request is done.
    pub async fn run<F: Future>(self, request: F) -> F::Output {
        let mut request = std::pin::pin!(request);
        let mut wave = FuturesUnordered::new();
        std::future::poll_fn(move |cx| {
            loop {
                // The resolvers always run, so their own queries progress (and give
                // their connections back) while a wave is out.
                let noting = Arc::new(NotingWaker {
                    woken: AtomicBool::new(false),
                    inner: cx.waker().clone(),
                });
                let waker = Waker::from(noting.clone());
                if let Poll::Ready(out) = request.as_mut().poll(&mut Context::from_waker(&waker)) {
                    return Poll::Ready(out);
                }
                if noting.woken.load(Ordering::Acquire) {
                    // The resolvers are not done with this pass: let them finish first.
                    return Poll::Pending;
                }
                if wave.is_empty() {
                    // Everything the last wave brought has been used: start the next.
                    wave.extend(std::mem::take(&mut *lock(&self.queue)));
                    if wave.is_empty() {
                        return Poll::Pending;
                    }
                }
                while let Poll::Ready(Some(())) = wave.poll_next_unpin(cx) {}
                if !wave.is_empty() {
                    return Poll::Pending;
                }
                // The whole wave is in: let the resolvers use it before the next starts.
            }
        })
        .await
    }
}

/// Errors a batch can share.
pub type LoadError = Arc<Error>;

impl From<LoadError> for Error {
    fn from(err: LoadError) -> Self {
        Arc::unwrap_or_clone(err)
    }
}

/// Splits a batch by tenant (in practice a request has one).
fn by_tenant<K, V>(
    keys: &[K],
    tenant: impl Fn(&K) -> &Arc<str>,
    value: impl Fn(&K) -> V,
) -> Vec<(Arc<str>, Vec<V>)> {
    let mut groups: Vec<(Arc<str>, Vec<V>)> = Vec::new();
    for key in keys {
        let t = tenant(key);
        match groups.iter_mut().find(|(g, _)| g == t) {
            Some((_, values)) => values.push(value(key)),
            None => groups.push((t.clone(), vec![value(key)])),
        }
    }
    groups
}
