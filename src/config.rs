//! Typed configuration from flags and environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

use crate::auth::{JwtConfig, KeySource};

/// Parley: one GraphQL API over conversations, tickets, tags, notes and ratings.
#[derive(Debug, Parser)]
#[command(name = "parley", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve GraphQL over HTTP.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Print the GraphQL schema (SDL).
    Schema(SchemaArgs),
    /// Mint a JWT for an agent with the configured key.
    Token(TokenArgs),
    /// Load deterministic synthetic tenants (for benchmarks and demos).
    Seed(SeedArgs),
}

/// `parley schema`.
#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    /// Print the Apollo Federation v2 subgraph SDL instead (what `_service { sdl }`
    /// answers with `serve --federation`), for composing a supergraph.
    #[arg(long)]
    pub federation: bool,
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: `sqlite://file.db?mode=rwc` or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://parley.db?mode=rwc"
    )]
    pub database_url: String,
    /// Maximum connections in the pool [default: 16 on PostgreSQL; on SQLite, which
    /// runs in the server's process, 4 for reading beside the one it writes through].
    #[arg(long, env = "PARLEY_DB_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// Longest one SQL statement may run (PostgreSQL), e.g. `10s`.
    #[arg(long, env = "PARLEY_DB_STATEMENT_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub statement_timeout: std::time::Duration,
    /// Longest a request waits for a free connection before SERVICE_UNAVAILABLE.
    #[arg(long, env = "PARLEY_DB_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = humantime::parse_duration)]
    pub acquire_timeout: std::time::Duration,
    /// PostgreSQL's `plan_cache_mode` for Parley's sessions. Parley's statements are
    /// prepared once per connection; a generic plan is planned once, where `auto`
    /// plans each execution anew while the plan's estimate depends on the values
    /// (the inbox page's joins cost more to plan than to run).
    #[arg(long, env = "PARLEY_DB_PLAN_CACHE_MODE", value_enum, default_value_t = PlanCacheMode::ForceGenericPlan)]
    pub plan_cache_mode: PlanCacheMode,
}

/// PostgreSQL's `plan_cache_mode` (ignored on SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanCacheMode {
    /// PostgreSQL's default: custom plans until a generic one looks as good.
    Auto,
    /// One plan per prepared statement, made once.
    ForceGenericPlan,
    /// A fresh plan for every execution.
    ForceCustomPlan,
}

impl PlanCacheMode {
    /// The setting's value as PostgreSQL spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanCacheMode::Auto => "auto",
            PlanCacheMode::ForceGenericPlan => "force_generic_plan",
            PlanCacheMode::ForceCustomPlan => "force_custom_plan",
        }
    }
}

impl DbArgs {
    /// The pool's size: the one asked for, or the default for the database.
    pub fn pool_size(&self) -> u32 {
        let sqlite = self.database_url.starts_with("sqlite:");
        self.pool_size.unwrap_or(if sqlite { 4 } else { 16 })
    }

    /// A database URL with the other settings at their defaults.
    pub fn url(database_url: impl Into<String>, pool_size: u32) -> DbArgs {
        DbArgs {
            database_url: database_url.into(),
            pool_size: Some(pool_size),
            statement_timeout: std::time::Duration::from_secs(10),
            acquire_timeout: std::time::Duration::from_secs(3),
            plan_cache_mode: PlanCacheMode::ForceGenericPlan,
        }
    }
}

/// How tokens are verified.
#[derive(Debug, Clone, Args)]
pub struct JwtArgs {
    /// HS256 shared secret (at least 16 bytes).
    #[arg(long, env = "PARLEY_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM public key for RS256, ES256 or EdDSA tokens.
    #[arg(
        long,
        env = "PARLEY_JWT_PUBLIC_KEY_FILE",
        conflicts_with = "jwt_secret"
    )]
    pub jwt_public_key_file: Option<PathBuf>,
    /// PEM private key matching the public key (only `parley token` uses it).
    #[arg(long, env = "PARLEY_JWT_PRIVATE_KEY_FILE")]
    pub jwt_private_key_file: Option<PathBuf>,
    /// Required `iss` claim.
    #[arg(long, env = "PARLEY_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required `aud` claim.
    #[arg(long, env = "PARLEY_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
}

impl JwtArgs {
    /// The verifier; with no key configured, a random secret for this process.
    pub fn build(&self) -> anyhow::Result<JwtConfig> {
        let source = if let Some(path) = &self.jwt_public_key_file {
            let public_pem = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            let private_pem = self
                .jwt_private_key_file
                .as_ref()
                .map(|p| {
                    std::fs::read(p)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))
                })
                .transpose()?;
            KeySource::PublicKey {
                public_pem,
                private_pem,
            }
        } else if let Some(secret) = &self.jwt_secret {
            KeySource::Secret {
                secret: secret.as_bytes().to_vec(),
                generated: false,
            }
        } else {
            let secret: [u8; 32] = rand::random();
            KeySource::Secret {
                secret: secret.to_vec(),
                generated: true,
            }
        };
        JwtConfig::new(source, self.jwt_issuer.clone(), self.jwt_audience.clone())
    }

    /// Whether no key was configured (so a random one is used).
    pub fn is_generated(&self) -> bool {
        self.jwt_public_key_file.is_none() && self.jwt_secret.is_none()
    }
}

/// `parley serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PARLEY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load the demo tenant and print a ready Authorization header.
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
    #[command(flatten)]
    pub limits: crate::limits::Limits,
    #[command(flatten)]
    pub http: HttpOptions,
    /// Log format.
    #[arg(long, env = "PARLEY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Export traces over OTLP/HTTP to this collector (e.g. `http://127.0.0.1:4318`).
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
}

/// How the HTTP surface behaves.
#[derive(Debug, Clone, Args)]
pub struct HttpOptions {
    /// Answer introspection queries (turn off in production if the schema is private).
    #[arg(long, env = "PARLEY_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub introspection: bool,
    /// Serve GraphiQL at `/`.
    #[arg(long, env = "PARLEY_GRAPHIQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphiql: bool,
    /// Be an Apollo Federation v2 subgraph: `@key(fields: "id")` on Conversation,
    /// Ticket, Contact and Agent, `_service { sdl }` and `_entities(representations:)`
    /// (in the viewer's tenant, with the read scopes `node` needs). Off, the schema
    /// has none of them.
    #[arg(long, env = "PARLEY_FEDERATION")]
    pub federation: bool,
    /// Origins allowed to call the API from a browser (comma-separated, or `*`); none by default.
    #[arg(long, env = "PARLEY_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Longest a request may run before it is answered with SERVICE_UNAVAILABLE and rolled back.
    #[arg(long, env = "PARLEY_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: std::time::Duration,
    /// How many GraphQL requests execute at once (default: three per CPU core; 0: no
    /// limit). The rest wait their turn, first come first served, within the request
    /// timeout: the server is CPU-bound, and a few requests at a time keep their data in
    /// the cores' caches, so the queue as a whole is served sooner.
    #[arg(long, env = "PARLEY_MAX_CONCURRENT_REQUESTS")]
    pub max_concurrent_requests: Option<usize>,
    /// Automatically persisted queries (Apollo APQ): 0 turns them off; otherwise about how
    /// many this process keeps (the bytes they hold are bounded by `--apq-cache-bytes`).
    #[arg(long, env = "PARLEY_APQ_CACHE_SIZE", default_value_t = 1000)]
    pub apq_cache_size: usize,
    /// Run only the operations in this JSON file of SHA-256 → query text (as GraphQL
    /// Code Generator's `persistedDocuments` writes it); clients may send the hash alone.
    #[arg(long, env = "PARLEY_ALLOWED_OPERATIONS")]
    pub allowed_operations: Option<PathBuf>,
    /// Longest a client may take to send a request's head (line and headers), from
    /// when the server starts waiting for it: also how long an idle keep-alive
    /// connection stays open. A connection that takes longer is closed.
    #[arg(long, env = "PARLEY_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_read_timeout: std::time::Duration,
    /// Longest a client may take to send a request's body, from when its head
    /// arrived; a body that takes longer is answered 408 and the connection closed.
    #[arg(long, env = "PARLEY_BODY_READ_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub body_read_timeout: std::time::Duration,
    /// Longest shutdown (SIGTERM, Ctrl-C) waits for requests in flight and open
    /// connections and subscriptions; whatever is still open then is dropped and the
    /// process exits.
    #[arg(long, env = "PARLEY_SHUTDOWN_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub shutdown_timeout: std::time::Duration,
    /// How many distinct operation names `/metrics` labels requests with, the first
    /// ones seen; other names are counted as `other`. With an allow-list, exactly the
    /// names of its operations are labels.
    #[arg(long, env = "PARLEY_MAX_OPERATION_LABELS", default_value_t = 100)]
    pub max_operation_labels: usize,
    /// How long the answer to "does this token's tenant exist, and is its agent one of
    /// the tenant's agents?" is remembered (a deleted agent's tokens work this long).
    #[arg(long, env = "PARLEY_AUTH_CACHE_TTL", default_value = "30s", value_parser = humantime::parse_duration)]
    pub auth_cache_ttl: std::time::Duration,
    /// How many (tenant, agent) answers are remembered; 0 checks every request.
    #[arg(long, env = "PARLEY_AUTH_CACHE_SIZE", default_value_t = 10_000)]
    pub auth_cache_size: usize,
    /// How often snoozed conversations whose time has come are opened again. Every
    /// replica looks; on PostgreSQL each due conversation is woken by exactly one
    /// (`FOR UPDATE SKIP LOCKED`). `0s` leaves waking to other replicas.
    #[arg(long, env = "PARLEY_SNOOZE_CHECK_INTERVAL", default_value = "5s", value_parser = humantime::parse_duration)]
    pub snooze_check_interval: std::time::Duration,
    #[command(flatten)]
    pub sockets: SocketOptions,
    #[command(flatten)]
    pub caches: CacheOptions,
    #[command(flatten)]
    pub redis: RedisOptions,
    #[command(flatten)]
    pub assistant: AssistantOptions,
    #[command(flatten)]
    pub webhooks: WebhookOptions,
    #[command(flatten)]
    pub attachments: AttachmentOptions,
}

/// The assistant's provider: the built-in retrieval one, or an OpenAI-compatible
/// chat completions API.
#[derive(Debug, Clone, Args)]
pub struct AssistantOptions {
    /// Base URL of an OpenAI-compatible API (e.g. `https://api.openai.com/v1`); runs
    /// then stream that model's answers, with the tenant's similar solved
    /// conversations as context. Without it, the built-in provider answers offline.
    #[arg(long = "assistant-url", env = "PARLEY_ASSISTANT_URL")]
    pub url: Option<String>,
    /// The model asked.
    #[arg(
        long = "assistant-model",
        env = "PARLEY_ASSISTANT_MODEL",
        default_value = "gpt-4o-mini"
    )]
    pub model: String,
    /// The API key, sent as a bearer token (set it in the environment).
    #[arg(
        long = "assistant-api-key",
        env = "PARLEY_ASSISTANT_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,
    /// Longest wait for the provider's first byte, per attempt (429 and 5xx answers,
    /// and no answer, are retried twice with backoff).
    #[arg(long = "assistant-timeout", env = "PARLEY_ASSISTANT_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
    /// Most tokens one answer may take.
    #[arg(
        long = "assistant-max-tokens",
        env = "PARLEY_ASSISTANT_MAX_TOKENS",
        default_value_t = 1024
    )]
    pub max_tokens: u32,
    /// Tokens a tenant's runs may use per UTC day (LIMIT_EXCEEDED beyond); 0 is no limit.
    #[arg(
        long = "assistant-daily-tokens",
        env = "PARLEY_ASSISTANT_DAILY_TOKENS",
        default_value_t = 1_000_000
    )]
    pub daily_tokens: u64,
}

impl Default for AssistantOptions {
    fn default() -> Self {
        AssistantOptions {
            url: None,
            model: "gpt-4o-mini".into(),
            api_key: None,
            timeout: std::time::Duration::from_secs(30),
            max_tokens: 1024,
            daily_tokens: 1_000_000,
        }
    }
}

/// How webhooks are delivered.
#[derive(Debug, Clone, Args)]
pub struct WebhookOptions {
    /// Post webhooks from this process (every replica may; each delivery goes to
    /// one). `false` leaves them to other replicas.
    #[arg(id = "webhook_worker", long = "webhook-worker", env = "PARLEY_WEBHOOK_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub worker: bool,
    /// Allow endpoints on private, loopback and link-local addresses (refused by
    /// default: an endpoint must not reach into the gateway's own network).
    #[arg(
        id = "webhook_allow_private_addresses",
        long = "webhook-allow-private-addresses",
        env = "PARLEY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"
    )]
    pub allow_private_addresses: bool,
    /// Waits between a failed attempt and the next, comma-separated; after the last
    /// the delivery FAILED (each wait varies by up to a fifth, at random).
    #[arg(id = "webhook_retry_delays", long = "webhook-retry-delays", env = "PARLEY_WEBHOOK_RETRY_DELAYS", default_value = "5s,5m,30m,2h,5h,10h,10h", value_parser = parse_delays)]
    pub retry_delays: Delays,
    /// Longest an endpoint may take to answer one attempt.
    #[arg(id = "webhook_timeout", long = "webhook-timeout", env = "PARLEY_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            worker: true,
            allow_private_addresses: false,
            retry_delays: parse_delays("5s,5m,30m,2h,5h,10h,10h").unwrap_or_default(),
            timeout: std::time::Duration::from_secs(10),
        }
    }
}

/// Files attached to messages and notes: where they are kept, how large they may be,
/// and how long their download links work.
#[derive(Debug, Clone, Args)]
pub struct AttachmentOptions {
    /// Where attachments are kept: a folder, or an object store URL, `s3://bucket/prefix`
    /// for S3 or any S3-compatible store (credentials, region and endpoint from the usual
    /// `AWS_*` variables). Default: a folder beside the SQLite file
    /// (`<file>.attachments`), or `./parley-attachments` on PostgreSQL.
    #[arg(long = "attachments-store", env = "PARLEY_ATTACHMENTS_STORE")]
    pub store: Option<String>,
    /// Key that signs download links (at least 16 bytes). Default: one derived from
    /// the JWT secret; with a public key and no signing key, a random key per process
    /// (links then work only on the replica that made them, until it restarts).
    #[arg(
        long = "attachments-signing-key",
        env = "PARLEY_ATTACHMENTS_SIGNING_KEY",
        hide_env_values = true
    )]
    pub signing_key: Option<String>,
    /// Largest file, in bytes; a larger one fails its whole request with 413.
    #[arg(long = "attachments-max-file-bytes", env = "PARLEY_ATTACHMENTS_MAX_FILE_BYTES",
          default_value_t = 10 << 20,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(i32::MAX)).map(|n| n as usize))]
    pub max_file_bytes: usize,
    /// Most files one message or note may have (LIMIT_EXCEEDED beyond).
    #[arg(long = "attachments-max-files", env = "PARLEY_ATTACHMENTS_MAX_FILES",
          default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=100).map(usize::from))]
    pub max_files: usize,
    /// Requests with files this process reads at once: their files are held in
    /// memory until the write is done, so this times the largest such request bounds
    /// that memory. More are refused with 503 and `Retry-After`.
    #[arg(long = "attachments-max-concurrent-uploads", env = "PARLEY_ATTACHMENTS_MAX_CONCURRENT_UPLOADS",
          default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=1000).map(usize::from))]
    pub max_concurrent_uploads: usize,
    /// Bytes of attachments each tenant may keep (LIMIT_EXCEEDED beyond); 0 is no limit.
    #[arg(
        long = "attachments-tenant-quota-bytes",
        env = "PARLEY_ATTACHMENTS_TENANT_QUOTA_BYTES",
        default_value_t = 1 << 30
    )]
    pub tenant_quota_bytes: u64,
    /// How long a download link (`Attachment.url`) works.
    #[arg(long = "attachments-url-ttl", env = "PARLEY_ATTACHMENTS_URL_TTL", default_value = "15m", value_parser = humantime::parse_duration)]
    pub url_ttl: std::time::Duration,
    /// The origin download links start with, e.g. `https://api.example.com`; without
    /// it a link is a path (`/attachments/...`) on the API's own origin.
    #[arg(long = "attachments-base-url", env = "PARLEY_ATTACHMENTS_BASE_URL")]
    pub base_url: Option<String>,
}

impl Default for AttachmentOptions {
    fn default() -> Self {
        AttachmentOptions {
            store: None,
            signing_key: None,
            max_file_bytes: 10 << 20,
            max_files: 10,
            max_concurrent_uploads: 4,
            tenant_quota_bytes: 1 << 30,
            url_ttl: std::time::Duration::from_secs(15 * 60),
            base_url: None,
        }
    }
}

/// A list of waits, e.g. `5s,5m,30m`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delays(pub Vec<std::time::Duration>);

fn parse_delays(text: &str) -> Result<Delays, String> {
    let delays = text
        .split(',')
        .map(|d| humantime::parse_duration(d.trim()).map_err(|e| format!("`{d}`: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Delays(delays))
}

/// How much memory the caches of parsed documents and persisted queries may hold.
#[derive(Debug, Clone, Args)]
pub struct CacheOptions {
    /// Bytes of parsed documents kept for reuse, as estimated from their text (up to
    /// 256 bytes of heap per token); 0 keeps none.
    #[arg(long, env = "PARLEY_PARSED_CACHE_BYTES", default_value_t = 32 << 20)]
    pub parsed_cache_bytes: u64,
    /// Bytes of automatically persisted queries' text this process keeps; 0 keeps none
    /// (with Redis, they are still shared there).
    #[arg(long, env = "PARLEY_APQ_CACHE_BYTES", default_value_t = 16 << 20)]
    pub apq_cache_bytes: u64,
    /// Longest query text that is kept parsed or registered as a persisted query;
    /// longer queries still run, parsed each time, and are sent in full each time.
    #[arg(long, env = "PARLEY_MAX_CACHED_QUERY_BYTES", default_value_t = 16 * 1024)]
    pub max_cached_query_bytes: usize,
    /// Answer queries whose every field is a column or a relation with one SQL
    /// statement per root field (a compiled plan, kept per query); `false` resolves
    /// every field with async-graphql.
    #[arg(long, env = "PARLEY_COMPILED_PLANS", default_value_t = true, action = clap::ArgAction::Set)]
    pub compiled_plans: bool,
    /// Bytes of compiled plans kept, as estimated from their queries' text.
    #[arg(long, env = "PARLEY_PLAN_CACHE_BYTES", default_value_t = 8 << 20)]
    pub plan_cache_bytes: u64,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            parsed_cache_bytes: 32 << 20,
            apq_cache_bytes: 16 << 20,
            max_cached_query_bytes: 16 * 1024,
            compiled_plans: true,
            plan_cache_bytes: 8 << 20,
        }
    }
}

/// Redis, through which replicas share rate-limit buckets and persisted queries.
#[derive(Debug, Clone, Args)]
pub struct RedisOptions {
    /// Share rate-limit buckets and persisted queries with the other replicas through
    /// this Redis (e.g. `redis://127.0.0.1:6379`); without it each process has its own.
    #[arg(long, env = "PARLEY_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Prefix of every key written to Redis: the replicas of one deployment share it.
    #[arg(long, env = "PARLEY_REDIS_PREFIX", default_value = "parley:")]
    pub redis_prefix: String,
    /// Longest a Redis command may take; past it (or when Redis is unreachable) the
    /// request goes on without Redis, and Redis is left alone for a second.
    #[arg(long, env = "PARLEY_REDIS_TIMEOUT", default_value = "250ms", value_parser = humantime::parse_duration)]
    pub redis_timeout: std::time::Duration,
    /// How long a persisted query stays in Redis after it was last registered.
    #[arg(long, env = "PARLEY_APQ_TTL", default_value = "24h", value_parser = humantime::parse_duration)]
    pub apq_ttl: std::time::Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            redis_url: None,
            redis_prefix: "parley:".into(),
            redis_timeout: std::time::Duration::from_millis(250),
            apq_ttl: std::time::Duration::from_secs(24 * 3600),
        }
    }
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            introspection: true,
            graphiql: true,
            federation: false,
            cors_origins: Vec::new(),
            request_timeout: std::time::Duration::from_secs(30),
            max_concurrent_requests: None,
            apq_cache_size: 1000,
            allowed_operations: None,
            header_read_timeout: std::time::Duration::from_secs(10),
            body_read_timeout: std::time::Duration::from_secs(30),
            shutdown_timeout: std::time::Duration::from_secs(30),
            max_operation_labels: 100,
            auth_cache_ttl: std::time::Duration::from_secs(30),
            auth_cache_size: 10_000,
            snooze_check_interval: std::time::Duration::from_secs(5),
            sockets: SocketOptions::default(),
            caches: CacheOptions::default(),
            redis: RedisOptions::default(),
            assistant: AssistantOptions::default(),
            webhooks: WebhookOptions::default(),
            attachments: AttachmentOptions::default(),
        }
    }
}

impl HttpOptions {
    /// How many GraphQL requests may execute at once, if any limit applies.
    pub fn concurrent_requests(&self) -> Option<usize> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        match self.max_concurrent_requests {
            None => Some(3 * cores),
            Some(0) => None,
            Some(n) => Some(n),
        }
    }
}

/// What one client may hold open on `/graphql/ws`: sockets cost a task and memory for
/// as long as they stay open, so each is bounded, and none outlives its token.
#[derive(Debug, Clone, Args)]
pub struct SocketOptions {
    /// How long a new websocket may take to send `connection_init`; then it is closed
    /// with 4408 (graphql-transport-ws: "Connection initialisation timeout").
    #[arg(long, env = "PARLEY_SOCKET_INIT_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub socket_init_timeout: std::time::Duration,
    /// Open websockets per agent (a token's `sub` in its tenant); the next is closed
    /// with 4429 (0: no limit).
    #[arg(long, env = "PARLEY_MAX_SOCKETS_PER_AGENT", default_value_t = 16)]
    pub max_sockets_per_agent: usize,
    /// Open websockets per tenant, all its agents together; the next is closed with
    /// 4429 (0: no limit).
    #[arg(long, env = "PARLEY_MAX_SOCKETS_PER_TENANT", default_value_t = 256)]
    pub max_sockets_per_tenant: usize,
    /// Operations (subscriptions) running at once on one websocket; the next is
    /// answered with a RATE_LIMITED error (0: no limit).
    #[arg(
        long,
        env = "PARLEY_MAX_SUBSCRIPTIONS_PER_SOCKET",
        default_value_t = 32
    )]
    pub max_subscriptions_per_socket: usize,
    /// How long past its token's `exp` a subscription keeps running before it ends with
    /// UNAUTHENTICATED (the same grace the token check itself allows for clock skew).
    #[arg(long, env = "PARLEY_SUBSCRIPTION_EXPIRY_LEEWAY", default_value = "30s", value_parser = humantime::parse_duration)]
    pub subscription_expiry_leeway: std::time::Duration,
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            socket_init_timeout: std::time::Duration::from_secs(10),
            max_sockets_per_agent: 16,
            max_sockets_per_tenant: 256,
            max_subscriptions_per_socket: 32,
            subscription_expiry_leeway: std::time::Duration::from_secs(30),
        }
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `parley token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Tenant id (e.g. `demo`).
    #[arg(long)]
    pub tenant: String,
    /// Agent id (numeric database id or global ID).
    #[arg(long)]
    pub agent: String,
    /// Space-separated scopes.
    #[arg(
        long,
        default_value = "conversation:read conversation:write ticket:read ticket:write admin"
    )]
    pub scope: String,
    /// Lifetime, e.g. `1h`, `30m`, `7d`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub ttl: std::time::Duration,
    #[command(flatten)]
    pub jwt: JwtArgs,
}

/// `parley seed`.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Number of tenants (`tenant-1` ... `tenant-N`).
    #[arg(long, default_value_t = 1)]
    pub tenants: u32,
    /// Conversations per tenant.
    #[arg(long, default_value_t = 1000)]
    pub conversations: u32,
    /// Random seed; the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub rng_seed: u64,
    #[command(flatten)]
    pub db: DbArgs,
}
