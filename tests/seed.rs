//! The schema migration and the seed generator against real databases: a fresh SQLite
//! file always, and PostgreSQL when `PARLEY_TEST_DATABASE_URL` is set (a throwaway
//! database is created next to the one it names, and dropped afterwards).
//!
//! The timing of a large seed is an ignored test:
//! `cargo test --release --test seed -- --ignored --nocapture`
//! (`PARLEY_SEED_CONVERSATIONS`, default 100000, sets its size).

use std::path::Path;
use std::time::Instant;

use entity::enums::AgentRole;
use entity::{agent, conversation, queue, ticket};
use migration::{Migrator, MigratorTrait};
use parley::seed::{self, SeedOptions};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, Set, Statement,
};

const OPTIONS: SeedOptions = SeedOptions {
    tenants: 2,
    conversations: 200,
    rng_seed: 7,
};

#[tokio::test]
async fn seeds_sqlite() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = sqlite(&dir.path().join("a.db")).await?;
    check_schema_and_seed(&db).await?;

    let sql = query_string(
        &db,
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'conversations'",
    )
    .await?;
    assert!(
        sql.contains(r#""id" integer NOT NULL PRIMARY KEY AUTOINCREMENT"#),
        "ids must be rowid aliases: {sql}"
    );

    let other = sqlite(&dir.path().join("b.db")).await?;
    Migrator::up(&other, None).await?;
    seed::seed(&other, &OPTIONS).await?;
    assert_same_content(&db, &other).await?;

    // down() removes every table it created.
    Migrator::down(&db, None).await?;
    let left = count(
        &db,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'",
    )
    .await?;
    assert_eq!(left, 0);
    Ok(())
}

#[tokio::test]
async fn seeds_postgres() -> anyhow::Result<()> {
    let Ok(url) = std::env::var("PARLEY_TEST_DATABASE_URL") else {
        eprintln!("PARLEY_TEST_DATABASE_URL is not set: skipping the PostgreSQL run");
        return Ok(());
    };
    let admin = Database::connect(quiet(&url)).await?;
    let names = [
        format!("seed_{:016x}", rand::random::<u64>()),
        format!("seed_{:016x}", rand::random::<u64>()),
    ];
    for name in &names {
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
    }
    let result = async {
        let db = Database::connect(quiet(&database_url(&url, &names[0]))).await?;
        let other = Database::connect(quiet(&database_url(&url, &names[1]))).await?;
        check_schema_and_seed(&db).await?;
        Migrator::up(&other, None).await?;
        seed::seed(&other, &OPTIONS).await?;
        assert_same_content(&db, &other).await?;
        Migrator::down(&db, None).await?;
        db.close().await?;
        other.close().await?;
        anyhow::Ok(())
    }
    .await;
    for name in &names {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    result
}

/// Seeds a large tenant into a fresh SQLite file and prints how long it took.
#[tokio::test]
#[ignore = "timing run; use --release"]
async fn seed_timing_sqlite() -> anyhow::Result<()> {
    let conversations = std::env::var("PARLEY_SEED_CONVERSATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let db = sqlite(&dir.path().join("timing.db")).await?;
    Migrator::up(&db, None).await?;
    let started = Instant::now();
    let report = seed::seed(
        &db,
        &SeedOptions {
            tenants: 1,
            conversations,
            rng_seed: 1,
        },
    )
    .await?;
    let elapsed = started.elapsed();
    let rows = count(
        &db,
        "SELECT (SELECT COUNT(*) FROM conversations) + (SELECT COUNT(*) FROM messages) \
         + (SELECT COUNT(*) FROM tickets) + (SELECT COUNT(*) FROM ticket_tags) \
         + (SELECT COUNT(*) FROM conversation_tags) + (SELECT COUNT(*) FROM notes) \
         + (SELECT COUNT(*) FROM ratings) + (SELECT COUNT(*) FROM activities) \
         + (SELECT COUNT(*) FROM conversation_attribute_values) + (SELECT COUNT(*) FROM contacts)",
    )
    .await?;
    println!(
        "seeded {} conversations, {} messages, {} tickets ({rows} rows) in {elapsed:?}",
        report.conversations, report.messages, report.tickets
    );
    Ok(())
}

async fn check_schema_and_seed(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;

    let report = seed::seed(db, &OPTIONS).await?;
    assert_eq!(report.tenants, SEEDED);
    assert!(report.skipped.is_empty());
    assert_eq!(report.conversations, 400);
    assert_eq!(
        report.messages,
        count(db, "SELECT COUNT(*) FROM messages").await? as u64
    );
    assert_eq!(
        report.tickets,
        count(db, "SELECT COUNT(*) FROM tickets").await? as u64
    );
    assert!(report.messages >= 400 && report.tickets > 0);

    // Seeding again leaves existing tenants alone.
    let again = seed::seed(db, &OPTIONS).await?;
    assert!(again.tenants.is_empty());
    assert_eq!(again.skipped, SEEDED);
    assert_eq!(count(db, "SELECT COUNT(*) FROM conversations").await?, 400);

    for tenant in SEEDED {
        let where_tenant = format!("WHERE tenant_id = '{tenant}'");
        let conversations = count(
            db,
            &format!("SELECT COUNT(*) FROM conversations {where_tenant}"),
        )
        .await?;
        assert_eq!(conversations, 200);
        assert_eq!(
            count(db, &format!("SELECT COUNT(*) FROM agents {where_tenant}")).await?,
            12
        );
        assert_eq!(
            count(db, &format!("SELECT COUNT(*) FROM queues {where_tenant}")).await?,
            5
        );
        assert_eq!(
            count(db, &format!("SELECT COUNT(*) FROM flows {where_tenant}")).await?,
            5
        );
        // Every PHONE conversation has its call, and only those.
        assert_eq!(
            count(
                db,
                &format!("SELECT COUNT(*) FROM voice_sessions {where_tenant}")
            )
            .await?,
            count(
                db,
                &format!("SELECT COUNT(*) FROM conversations {where_tenant} AND channel = 'PHONE'")
            )
            .await?
        );
        assert_eq!(
            count(
                db,
                &format!(
                    "SELECT COUNT(*) FROM voice_sessions v JOIN conversations c \
                     ON c.id = v.conversation_id WHERE v.tenant_id = '{tenant}' \
                     AND (c.channel <> 'PHONE' OR c.tenant_id <> v.tenant_id)"
                )
            )
            .await?,
            0
        );
        assert_eq!(
            count(
                db,
                &format!("SELECT COUNT(*) FROM agents {where_tenant} AND role = 'ADMIN'")
            )
            .await?,
            1
        );
        // Counters end at the highest numbers, and numbers are 1..M without gaps.
        for (name, table) in [("conversation", "conversations"), ("ticket", "tickets")] {
            let counter = count(
                db,
                &format!("SELECT value FROM tenant_counters {where_tenant} AND name = '{name}'"),
            )
            .await?;
            let (max, rows) = (
                count(
                    db,
                    &format!("SELECT MAX(number) FROM {table} {where_tenant}"),
                )
                .await?,
                count(db, &format!("SELECT COUNT(*) FROM {table} {where_tenant}")).await?,
            );
            assert_eq!((counter, max), (rows, rows), "{tenant} {name} counter");
        }
    }

    // Tag counters equal the links.
    let wrong_counts = count(
        db,
        "SELECT COUNT(*) FROM tags t WHERE \
         t.tickets_count <> (SELECT COUNT(*) FROM ticket_tags x WHERE x.tag_id = t.id) \
         OR t.conversations_count <> (SELECT COUNT(*) FROM conversation_tags y WHERE y.tag_id = t.id)",
    )
    .await?;
    assert_eq!(wrong_counts, 0);
    assert!(count(db, "SELECT CAST(SUM(tickets_count) AS BIGINT) FROM tags").await? > 0);
    assert!(
        count(
            db,
            "SELECT CAST(SUM(conversations_count) AS BIGINT) FROM tags"
        )
        .await?
            > 0
    );

    // Every row points only at rows of its own tenant.
    for (table, column, parent) in REFERENCES {
        let foreign = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM {table} c JOIN {parent} p ON p.id = c.{column} \
                 WHERE p.tenant_id <> c.tenant_id"
            ),
        )
        .await?;
        assert_eq!(foreign, 0, "{table}.{column} crosses tenants");
        if *table != "conversations" || *column != "parent_id" {
            let linked = count(
                db,
                &format!(
                    "SELECT COUNT(*) FROM {table} WHERE tenant_id = 'tenant-2' \
                     AND {column} IS NOT NULL"
                ),
            )
            .await?;
            assert!(linked > 0, "tenant-2 has no {table} with {column}");
        }
    }

    // Conversations point at their newest message and were updated when it came.
    let stale = count(
        db,
        "SELECT COUNT(*) FROM conversations c WHERE \
         c.last_message_id <> (SELECT MAX(m.id) FROM messages m WHERE m.conversation_id = c.id) \
         OR c.updated_at <> (SELECT MAX(m.created_at) FROM messages m WHERE m.conversation_id = c.id)",
    )
    .await?;
    assert_eq!(stale, 0);
    let unordered = count(
        db,
        "SELECT COUNT(*) FROM conversations a JOIN conversations b \
         ON a.tenant_id = b.tenant_id AND b.number = a.number + 1 WHERE b.created_at < a.created_at",
    )
    .await?;
    assert_eq!(unordered, 0, "numbers follow creation order");
    let closed_without_time = count(
        db,
        "SELECT COUNT(*) FROM conversations WHERE (state = 'CLOSED') <> (closed_at IS NOT NULL)",
    )
    .await?;
    assert_eq!(closed_without_time, 0);

    // The database keeps handing out ids after the seeded ones.
    let max_queue = count(db, "SELECT MAX(id) FROM queues").await?;
    let added = queue::ActiveModel {
        tenant_id: Set("tenant-1".to_owned()),
        name: Set("Added later".to_owned()),
        created_at: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    assert_eq!(added.id, max_queue + 1);

    // The demo tenant loads once, with its admin findable by email.
    let demo = seed::demo(db).await?.expect("demo loads on first call");
    assert_eq!(demo.tenants, [seed::DEMO_TENANT_ID]);
    assert_eq!(demo.conversations, 150);
    assert!(seed::demo(db).await?.is_none());
    let ada = agent::Entity::find()
        .filter(agent::Column::TenantId.eq(seed::DEMO_TENANT_ID))
        .filter(agent::Column::Email.eq(seed::DEMO_ADMIN_EMAIL))
        .one(db)
        .await?
        .expect("the demo admin exists");
    assert_eq!(
        (ada.name.as_str(), ada.role),
        ("Ada Admin", AgentRole::Admin)
    );
    Ok(())
}

/// (table, column, referenced table) for every reference between tenant-owned rows.
const REFERENCES: &[(&str, &str, &str)] = &[
    ("conversations", "requester_id", "contacts"),
    ("conversations", "assignee_id", "agents"),
    ("conversations", "queue_id", "queues"),
    ("conversations", "parent_id", "conversations"),
    ("conversations", "last_message_id", "messages"),
    ("messages", "conversation_id", "conversations"),
    ("messages", "author_agent_id", "agents"),
    ("messages", "author_contact_id", "contacts"),
    ("tickets", "conversation_id", "conversations"),
    ("ticket_tags", "ticket_id", "tickets"),
    ("ticket_tags", "tag_id", "tags"),
    ("conversation_tags", "conversation_id", "conversations"),
    ("conversation_tags", "tag_id", "tags"),
    ("notes", "conversation_id", "conversations"),
    ("notes", "author_id", "agents"),
    ("ratings", "conversation_id", "conversations"),
    ("ratings", "agent_id", "agents"),
    ("ratings", "contact_id", "contacts"),
    ("activities", "conversation_id", "conversations"),
    ("activities", "actor_id", "agents"),
    ("activities", "agent_id", "agents"),
    ("activities", "tag_id", "tags"),
    ("activities", "note_id", "notes"),
    ("activities", "rating_id", "ratings"),
    ("activities", "ticket_id", "tickets"),
    (
        "conversation_attribute_values",
        "conversation_id",
        "conversations",
    ),
    (
        "conversation_attribute_values",
        "definition_id",
        "custom_attribute_definitions",
    ),
];

/// The tenants [`OPTIONS`] creates.
const SEEDED: [&str; 2] = ["tenant-1", "tenant-2"];

/// The same seed gives the same data in two databases.
async fn assert_same_content(a: &DatabaseConnection, b: &DatabaseConnection) -> anyhow::Result<()> {
    async fn subjects(
        db: &DatabaseConnection,
    ) -> anyhow::Result<Vec<(String, i64, Option<String>)>> {
        Ok(conversation::Entity::find()
            .filter(conversation::Column::TenantId.is_in(SEEDED))
            .order_by_asc(conversation::Column::TenantId)
            .order_by_asc(conversation::Column::Number)
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.tenant_id, c.number, c.subject))
            .collect())
    }
    async fn ticket_texts(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
        Ok(ticket::Entity::find()
            .filter(ticket::Column::TenantId.is_in(SEEDED))
            .order_by_asc(ticket::Column::TenantId)
            .order_by_asc(ticket::Column::Number)
            .all(db)
            .await?
            .into_iter()
            .map(|t| t.original_text)
            .collect())
    }
    let subjects_a = subjects(a).await?;
    assert_eq!(subjects_a.len(), 400);
    assert_eq!(subjects_a, subjects(b).await?);
    assert_eq!(ticket_texts(a).await?, ticket_texts(b).await?);
    Ok(())
}

async fn sqlite(path: &Path) -> anyhow::Result<DatabaseConnection> {
    let mut options = quiet(&format!("sqlite://{}?mode=rwc", path.display()));
    options.map_sqlx_sqlite_opts(|o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
    });
    Ok(Database::connect(options).await?)
}

fn quiet(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false);
    options
}

/// `url` with its database name replaced by `name`.
fn database_url(url: &str, name: &str) -> String {
    let (server, _) = url.rsplit_once('/').unwrap_or((url, ""));
    format!("{server}/{name}")
}

async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row: {sql}"))?;
    Ok(row.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0))
}

async fn query_string(db: &DatabaseConnection, sql: &str) -> anyhow::Result<String> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row: {sql}"))?;
    Ok(row.try_get_by_index(0)?)
}
