//! Typed configuration from flags and environment.

use std::net::SocketAddr;
use std::path::PathBuf;

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
#[allow(clippy::large_enum_variant)] // parsed once at startup; boxing buys nothing
pub enum Command {
    /// Migrate the database, then serve GraphQL over HTTP.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Mint a JWT for an agent with the configured key.
    Token(TokenArgs),
    /// Load deterministic synthetic tenants (for benchmarks and demos).
    Seed(SeedArgs),
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
    /// How many automatically persisted queries (Apollo APQ) to remember; 0 turns APQ off.
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
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            introspection: true,
            graphiql: true,
            cors_origins: Vec::new(),
            request_timeout: std::time::Duration::from_secs(30),
            max_concurrent_requests: None,
            apq_cache_size: 1000,
            allowed_operations: None,
            header_read_timeout: std::time::Duration::from_secs(10),
            body_read_timeout: std::time::Duration::from_secs(30),
            shutdown_timeout: std::time::Duration::from_secs(30),
            max_operation_labels: 100,
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
