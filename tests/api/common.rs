//! The test harness: a fresh database, a seeded gateway and a GraphQL client.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};

use parley::auth::{JwtConfig, KeySource};
use parley::config::DbArgs;
use parley::http::{AppState, GraphiqlDefaults};
use parley::limits::Limits;
use parley::seed::{SeedOptions, seed};
use parley::{Server, db};
use reqwest::header::HeaderMap;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::{Value, json};

pub const SECRET: &str = "integration-test-secret-0123456789";
pub const ALL_SCOPES: &str = "conversation:read conversation:write ticket:read ticket:write admin";

/// A fresh database that is dropped (PostgreSQL) or deleted (SQLite) afterwards.
pub struct TestDb {
    pub url: String,
    admin: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let name = format!("parley_test_{}", rand::random::<u64>());
        match std::env::var("PARLEY_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(base) => {
                let admin = Database::connect(&base)
                    .await
                    .expect("connect to PARLEY_TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create database");
                admin.close().await.ok();
                let (prefix, _) = base
                    .rsplit_once('/')
                    .expect("database URL with a database name");
                TestDb {
                    url: format!("{prefix}/{name}"),
                    admin: Some((base, name)),
                    _dir: None,
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("parley.db").display()
                );
                TestDb {
                    url,
                    admin: None,
                    _dir: Some(dir),
                }
            }
        }
    }
}

impl TestDb {
    /// A database someone else owns and cleans up.
    pub fn at(url: impl Into<String>) -> TestDb {
        TestDb {
            url: url.into(),
            admin: None,
            _dir: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, name)) = self.admin.take() {
            // Drop runs outside async; use a private runtime on a plain thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let admin = Database::connect(&base).await.ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

/// How a test gateway is set up, beyond its data.
pub struct Config {
    pub limits: Limits,
    pub options: parley::config::HttpOptions,
    pub pool_size: u32,
    pub acquire_timeout: std::time::Duration,
}

impl Config {
    /// For requests fired at once: no queue in front of the schema, so that they
    /// really run concurrently, and a pool of `pool_size` connections for them.
    pub fn racing(pool_size: u32) -> Config {
        Config {
            pool_size,
            options: parley::config::HttpOptions {
                max_concurrent_requests: Some(0),
                ..Default::default()
            },
            ..Config::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            options: parley::config::HttpOptions::default(),
            pool_size: 8,
            acquire_timeout: std::time::Duration::from_secs(3),
        }
    }
}

/// A running gateway with two seeded tenants.
pub struct TestServer {
    pub url: String,
    pub db: DatabaseConnection,
    pub jwt: JwtConfig,
    client: reqwest::Client,
    _db: TestDb,
}

/// A GraphQL response: HTTP status, headers and JSON body.
pub struct Reply {
    pub status: reqwest::StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// `data`, asserting that there were no errors.
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {:#}",
            self.body
        );
        assert_eq!(self.status, 200);
        &self.body["data"]
    }

    /// The `extensions.code` of the first error.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {:#}", self.body))
    }

    /// The SQL statements the server counted for this request.
    pub fn statements(&self) -> u64 {
        self.headers["x-sql-statements"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// A connection to the database of `args`, migrated and seeded with `tenants` x
/// `conversations` (none when `tenants` is 0).
pub async fn seeded(args: &DbArgs, tenants: u32, conversations: u32) -> DatabaseConnection {
    let db = db::connect(args).await.expect("connect");
    db::migrate(&db).await.expect("migrate");
    if tenants > 0 {
        let options = SeedOptions {
            tenants,
            conversations,
            rng_seed: 7,
        };
        seed(&db, &options).await.expect("seed");
    }
    db
}

impl TestServer {
    /// A gateway over a fresh database seeded with `tenants` x `conversations`: the
    /// shorthand for the builder's most common use.
    pub async fn start(tenants: u32, conversations: u32) -> TestServer {
        Self::builder()
            .tenants(tenants)
            .conversations(conversations)
            .start()
            .await
    }

    /// A gateway to configure before it starts: its seed, its configuration, its
    /// token checks and its database.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Another gateway, configured by `config`, over this one's database (as a second
    /// replica of one deployment is).
    pub async fn replica(&self, config: Config) -> TestServer {
        Self::builder()
            .config(config)
            .database(TestDb::at(self._db.url.clone()))
            .start()
            .await
    }

    async fn launch(
        test_db: TestDb,
        tenants: u32,
        conversations: u32,
        jwt: JwtConfig,
        config: Config,
    ) -> TestServer {
        let db_args = DbArgs {
            acquire_timeout: config.acquire_timeout,
            ..DbArgs::url(test_db.url.clone(), config.pool_size)
        };
        let db = seeded(&db_args, tenants, conversations).await;
        let state = AppState::new(
            db.clone(),
            jwt.clone(),
            config.limits,
            config.options,
            GraphiqlDefaults::default(),
        )
        .expect("app state");
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), state)
            .await
            .expect("bind");
        let url = format!("http://{}", server.local_addr().unwrap());
        tokio::spawn(server.run(std::future::pending()));
        TestServer {
            url,
            db,
            jwt,
            client: reqwest::Client::new(),
            _db: test_db,
        }
    }

    /// A token for the first agent of `tenant` with `scopes`.
    pub async fn token_for(&self, tenant: &str, scopes: &str) -> String {
        let agent = entity::agent::Entity::find()
            .filter(entity::agent::Column::TenantId.eq(tenant))
            .order_by_asc(entity::agent::Column::Id)
            .one(&self.db)
            .await
            .unwrap()
            .expect("the tenant has agents");
        self.jwt
            .mint(
                tenant,
                agent.id,
                scopes,
                std::time::Duration::from_secs(600),
            )
            .unwrap()
    }

    /// A token with every scope for tenant-1's first agent.
    pub async fn token(&self) -> String {
        self.token_for("tenant-1", ALL_SCOPES).await
    }

    /// POSTs a query with an optional bearer token.
    pub async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> Reply {
        let body = json!({ "query": query, "variables": variables });
        self.post_body(token, &body).await
    }

    /// POSTs any JSON body (extensions, batches) with an optional bearer token.
    pub async fn post_body(&self, token: Option<&str>, body: &Value) -> Reply {
        let mut request = self.client.post(format!("{}/graphql", self.url)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.json().await.expect("JSON body");
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A raw GET of a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("request")
    }
}

/// What a [`TestServer`] starts with; every part has a default: no tenants, the
/// default configuration, HS256 tokens with the test secret, a fresh database.
#[derive(Default)]
pub struct Builder {
    tenants: u32,
    conversations: u32,
    config: Config,
    jwt: Option<JwtConfig>,
    issuer: Option<String>,
    audience: Option<String>,
    database: Option<TestDb>,
}

impl Builder {
    /// Seeds `tenant-1..=n`.
    pub fn tenants(mut self, n: u32) -> Self {
        self.tenants = n;
        self
    }

    /// Seeds this many conversations per tenant.
    pub fn conversations(mut self, n: u32) -> Self {
        self.conversations = n;
        self
    }

    /// The whole configuration (limits, HTTP options, pool).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Only the HTTP options (CORS, timeouts, introspection, GraphiQL...).
    pub fn options(mut self, options: parley::config::HttpOptions) -> Self {
        self.config.options = options;
        self
    }

    /// Verifies tokens with `jwt` instead of the test secret.
    pub fn jwt(mut self, jwt: JwtConfig) -> Self {
        self.jwt = Some(jwt);
        self
    }

    /// Requires these `iss` and `aud` claims (with the test secret).
    pub fn issuer_and_audience(mut self, issuer: &str, audience: &str) -> Self {
        self.issuer = Some(issuer.into());
        self.audience = Some(audience.into());
        self
    }

    /// Runs over `database` instead of a fresh one.
    pub fn database(mut self, database: TestDb) -> Self {
        self.database = Some(database);
        self
    }

    pub async fn start(self) -> TestServer {
        let jwt = match self.jwt {
            Some(jwt) => jwt,
            None => {
                let source = KeySource::Secret {
                    secret: SECRET.as_bytes().to_vec(),
                    generated: false,
                };
                JwtConfig::new(source, self.issuer, self.audience).expect("jwt")
            }
        };
        let database = match self.database {
            Some(database) => database,
            None => TestDb::new().await,
        };
        TestServer::launch(database, self.tenants, self.conversations, jwt, self.config).await
    }
}

/// POSTs a GraphQL `body` to the gateway at `url` (a server of its own process) with
/// the `Authorization` header value `authorization`; the JSON reply.
pub async fn post_json(url: &str, authorization: &str, body: &Value) -> Value {
    reqwest::Client::new()
        .post(format!("{url}/graphql"))
        .header("Authorization", authorization)
        .json(body)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON body")
}

/// The tenant that owns the object behind a global ID, read straight from the database.
pub async fn tenant_of(db: &DatabaseConnection, id: &str) -> Option<String> {
    use entity::*;
    use parley::ids::NodeKind;
    let (kind, key) = parley::ids::decode(id)?;
    macro_rules! owner {
        ($table:ident) => {
            $table::Entity::find_by_id(key)
                .one(db)
                .await
                .unwrap()
                .map(|row| row.tenant_id)
        };
    }
    match kind {
        NodeKind::Activity => owner!(activity),
        NodeKind::AssistantQueuedMessage => owner!(assistant_queue),
        NodeKind::AssistantRun => owner!(assistant_run),
        NodeKind::Agent => owner!(agent),
        NodeKind::Attachment => owner!(attachment),
        NodeKind::Contact => owner!(contact),
        NodeKind::Conversation => owner!(conversation),
        NodeKind::CustomAttributeDefinition => owner!(custom_attribute_definition),
        NodeKind::Flow => owner!(flow),
        NodeKind::Message => owner!(message),
        NodeKind::Note => owner!(note),
        NodeKind::Queue => owner!(queue),
        NodeKind::Rating => owner!(rating),
        NodeKind::Tag => owner!(tag),
        NodeKind::Ticket => owner!(ticket),
        NodeKind::WebhookDelivery => owner!(webhook_delivery),
        NodeKind::WebhookEndpoint => owner!(webhook_endpoint),
    }
}

/// Every `id` string anywhere in a JSON value.
pub fn ids_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    // A tenant's id is its slug, not a global ID.
                    ("tenant", _) => {}
                    ("id", Value::String(id)) => out.push(id.clone()),
                    _ => ids_in(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| ids_in(v, out)),
        _ => {}
    }
}

/// The global ID of row `key` of `kind`.
pub fn gid(kind: parley::ids::NodeKind, key: i64) -> String {
    kind.id(key).to_string()
}

/// Kills a spawned server when the test ends, however it ends.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Sends SIGTERM, as an orchestrator stopping the server would, and waits for it to exit.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.0.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.expect("kill runs").success(), "SIGTERM sent");
        tokio::task::spawn_blocking(move || self.0.wait().expect("the server exits"))
            .await
            .expect("waiting for the server")
    }
}

/// The `parley` binary, with none of the configuration of the test's environment.
pub fn parley() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parley"));
    for var in [
        "DATABASE_URL",
        "PARLEY_BIND",
        "PARLEY_JWT_SECRET",
        "PARLEY_JWT_PUBLIC_KEY_FILE",
        "PARLEY_JWT_ISSUER",
        "PARLEY_JWT_AUDIENCE",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ] {
        command.env_remove(var);
    }
    command
}

/// Starts `parley serve` as `command` describes; returns the process, its base URL
/// and the rest of what it prints.
pub fn serve(command: &mut Command) -> (Running, String, Lines<BufReader<ChildStdout>>) {
    let mut running = Running(
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("parley starts"),
    );
    let mut lines = BufReader::new(running.0.stdout.take().expect("stdout")).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("Parley is listening on ")
                .map(|u| u.trim_end_matches("/graphql").to_owned())
        })
        .expect("the server prints its address");
    (running, url, lines)
}

/// Starts `parley serve --demo` as `command` describes; returns the process, its base
/// URL and the `Authorization` header value it printed (empty if it printed none).
pub fn serve_demo(command: &mut Command) -> (Running, String, String) {
    let (running, url, lines) = serve(command);
    let authorization = lines
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("Authorization: ").map(String::from))
        .unwrap_or_default();
    (running, url, authorization)
}

/// The payload of mutation `name` in a reply.
pub fn payload<'a>(reply: &'a Reply, name: &str) -> &'a Value {
    &reply.data()[name]
}

/// The codes of a payload's userErrors.
pub fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

/// An outage of one test database on PostgreSQL, as a restart looks to the gateway:
/// new connections refused and every backend of the database terminated, until
/// [`Outage::end`].
pub struct Outage {
    admin: DatabaseConnection,
    name: String,
}

impl Outage {
    /// Cuts `db`'s database through `admin_url` (`PARLEY_TEST_DATABASE_URL`).
    pub async fn start(admin_url: &str, db: &DatabaseConnection) -> Outage {
        let name = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT current_database()",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        let admin = Database::connect(admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
            .await
            .unwrap();
        admin
            .execute_unprepared(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            ))
            .await
            .unwrap();
        Outage { admin, name }
    }

    /// Lets connections in again.
    pub async fn end(self) {
        self.admin
            .execute_unprepared(&format!(
                "ALTER DATABASE {} ALLOW_CONNECTIONS true",
                self.name
            ))
            .await
            .unwrap();
        self.admin.close().await.ok();
    }
}
