//! Deterministic synthetic data: tenants full of realistic support conversations, for
//! demos, tests and benchmarks.
//!
//! The same seed always gives the same rows (ids aside, which continue after what the
//! database holds). Timestamps are spread over the 180 days before the start of the current
//! UTC day, so data seeded on the same day is identical.
//!
//! Rows are generated in memory and written with multi-row INSERTs, one transaction per
//! tenant: a tenant is either fully seeded or absent. Seeding assigns ids itself after the
//! largest id of each table, so it must not run while other writers insert rows.

mod generate;
mod insert;
mod text;

use std::time::{Duration, Instant};

use chrono::{NaiveTime, Utc};
use entity::{tag, tenant, tenant_counter};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

use generate::{Batch, Generator, TenantSpec};

/// Id of the demo tenant loaded by [`demo`].
pub const DEMO_TENANT_ID: &str = "demo";
/// Name of the demo tenant.
pub const DEMO_TENANT_NAME: &str = "Demo Support Co";
/// Email of the demo tenant's admin, "Ada Admin": look up the agent by this address
/// (ids are assigned by the database) to sign a token for the demo.
pub const DEMO_ADMIN_EMAIL: &str = "ada@demo.parley.dev";
const DEMO_CONVERSATIONS: u32 = 150;
const DEMO_RNG_SEED: u64 = 20_261_121;

/// Conversations generated and written at a time (with all their rows).
const BATCH_CONVERSATIONS: i64 = 2_000;

/// What [`seed`] generates.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// Number of tenants, named `tenant-1` .. `tenant-N`.
    pub tenants: u32,
    /// Conversations per tenant.
    pub conversations: u32,
    /// Tenant `i` (1-based) draws from a ChaCha8 generator seeded with `rng_seed + i`.
    pub rng_seed: u64,
}

/// What a seeding run wrote.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    /// Tenants created by this run.
    pub tenants: Vec<String>,
    /// Tenants left alone because they already existed.
    pub skipped: Vec<String>,
    pub conversations: u64,
    pub messages: u64,
    pub tickets: u64,
    pub elapsed: Duration,
}

/// Seeds tenants `tenant-1` .. `tenant-N` (names "Tenant 1 Inc" ...), skipping any that
/// already exists. Each gets 12 agents (the first an ADMIN), 5 queues, contacts, 46 tags,
/// 2 custom attribute definitions, 5 flows and `conversations` conversations with their
/// messages, tickets, tags, notes, ratings, activities, attribute values and, for PHONE
/// conversations, their calls.
pub async fn seed(db: &DatabaseConnection, opts: &SeedOptions) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let mut report = SeedReport::default();
    for index in 1..=opts.tenants {
        let spec = TenantSpec {
            id: format!("tenant-{index}"),
            name: format!("Tenant {index} Inc"),
            conversations: opts.conversations,
            rng_seed: opts.rng_seed.wrapping_add(u64::from(index)),
            agents: None,
        };
        seed_tenant(db, spec, &mut report).await?;
    }
    insert::reset_sequences(db).await?;
    if !report.tenants.is_empty() {
        // Bulk loads leave the planner's statistics behind.
        crate::db::analyze(db).await?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Loads the demo tenant "demo" (name "Demo Support Co") unless it already exists; returns
/// Some(report) when it loaded, None when it was there already.
///
/// The demo has 150 conversations and 12 named agents with emails `<first>@demo.parley.dev`;
/// the first, "Ada Admin", is the ADMIN: find her id by [`DEMO_ADMIN_EMAIL`]
/// (`ada@demo.parley.dev`) in tenant [`DEMO_TENANT_ID`].
pub async fn demo(db: &DatabaseConnection) -> anyhow::Result<Option<SeedReport>> {
    let started = Instant::now();
    let mut report = SeedReport::default();
    let spec = TenantSpec {
        id: DEMO_TENANT_ID.to_owned(),
        name: DEMO_TENANT_NAME.to_owned(),
        conversations: DEMO_CONVERSATIONS,
        rng_seed: DEMO_RNG_SEED,
        agents: Some(text::DEMO_AGENTS),
    };
    seed_tenant(db, spec, &mut report).await?;
    if report.tenants.is_empty() {
        return Ok(None);
    }
    insert::reset_sequences(db).await?;
    report.elapsed = started.elapsed();
    Ok(Some(report))
}

/// Seeds one tenant in one transaction, or notes it as skipped when it exists.
async fn seed_tenant(
    db: &DatabaseConnection,
    spec: TenantSpec,
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let txn = db.begin().await?;
    if tenant::Entity::find_by_id(spec.id.clone())
        .one(&txn)
        .await?
        .is_some()
    {
        tracing::info!(tenant = %spec.id, "tenant exists, not seeding it");
        report.skipped.push(spec.id);
        return Ok(());
    }

    let ids = insert::next_ids(&txn).await?;
    let mut generator = Generator::new(&spec, ids, anchor());
    let rows = generator.tenant_rows(&spec);
    insert::rows(&txn, std::slice::from_ref(&rows.tenant)).await?;
    insert::rows(&txn, &rows.agents).await?;
    insert::rows(&txn, &rows.queues).await?;
    insert::rows(&txn, &rows.contacts).await?;
    insert::rows(&txn, &rows.tags).await?;
    insert::rows(&txn, &rows.definitions).await?;
    insert::rows(&txn, &rows.flows).await?;

    let total = i64::from(spec.conversations);
    let (mut messages, mut tickets) = (0, 0);
    let mut first = 1;
    while first <= total {
        let last = (first + BATCH_CONVERSATIONS - 1).min(total);
        let mut batch = Batch::default();
        generator.conversations(first..=last, &mut batch);
        messages += batch.messages.len() as u64;
        tickets += batch.tickets.len() as u64;
        insert::batch(&txn, &batch).await?;
        first = last + 1;
    }

    for (tag_id, (tickets_count, conversations_count)) in generator.tag_links() {
        tag::Entity::update_many()
            .col_expr(tag::Column::TicketsCount, Expr::val(tickets_count))
            .col_expr(
                tag::Column::ConversationsCount,
                Expr::val(conversations_count),
            )
            .filter(tag::Column::Id.eq(tag_id))
            .exec(&txn)
            .await?;
    }
    let counters = [
        (tenant_counter::CONVERSATION, total),
        (tenant_counter::TICKET, generator.last_ticket_number()),
    ]
    .map(|(name, value)| tenant_counter::Model {
        tenant_id: spec.id.clone(),
        name: name.to_owned(),
        value,
    });
    insert::rows(&txn, &counters).await?;
    txn.commit().await?;

    tracing::info!(
        tenant = %spec.id,
        conversations = total,
        messages,
        tickets,
        elapsed = ?started.elapsed(),
        "seeded tenant"
    );
    report.tenants.push(spec.id);
    report.conversations += u64::from(spec.conversations);
    report.messages += messages;
    report.tickets += tickets;
    Ok(())
}

/// The "now" of generated data: the start of the current UTC day, in microseconds.
fn anchor() -> i64 {
    Utc::now()
        .date_naive()
        .and_time(NaiveTime::MIN)
        .and_utc()
        .timestamp_micros()
}
