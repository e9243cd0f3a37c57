//! The `parley` command line: parse, configure, call into the library.

use anyhow::Context;
use clap::Parser;
use entity::agent;
use parley::config::{Cli, Command, LogFormat, ServeArgs};
use parley::http::{AppState, GraphiqlDefaults};
use parley::{Server, db, seed, telemetry};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// glibc's allocator costs a quarter of the CPU of a large query (profiled with the
/// benchmark); mimalloc takes a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The query GraphiQL shows in demo mode.
const DEMO_QUERY: &str = include_str!("demo_query.graphql");

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let telemetry = match &cli.command {
        Command::Serve(args) => telemetry::init(args.log_format, args.otlp_endpoint.as_deref())?,
        _ => telemetry::init(LogFormat::Text, None)?,
    };
    match cli.command {
        Command::Serve(args) => {
            let served = serve(*args).await;
            telemetry.shutdown();
            served
        }
        Command::Migrate(args) => {
            let db = db::connect(&args).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Schema(args) => {
            if args.federation {
                print!("{}", parley::graphql::subgraph_sdl());
            } else {
                print!("{}", parley::graphql::sdl());
            }
            Ok(())
        }
        Command::Token(args) => {
            let agent =
                parley::auth::parse_agent(&args.agent).context("--agent must be an agent id")?;
            anyhow::ensure!(
                !args.jwt.is_generated(),
                "set PARLEY_JWT_SECRET (or a key file) so the server accepts the token"
            );
            println!(
                "{}",
                args.jwt
                    .build()?
                    .mint(&args.tenant, agent, &args.scope, args.ttl)?
            );
            Ok(())
        }
        Command::Seed(args) => {
            let db = db::connect(&args.db).await?;
            db::migrate(&db).await?;
            let options = seed::SeedOptions {
                tenants: args.tenants,
                conversations: args.conversations,
                rng_seed: args.rng_seed,
            };
            let report = seed::seed(&db, &options).await?;
            println!(
                "seeded {} tenant(s) [{}]: {} conversations, {} messages, {} tickets in {:.1?}",
                report.tenants.len(),
                report.tenants.join(", "),
                report.conversations,
                report.messages,
                report.tickets,
                report.elapsed
            );
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let db = db::connect(&args.db)
        .await
        .with_context(|| format!("cannot open {}", args.db.database_url))?;
    db::migrate(&db).await?;
    let jwt = args.jwt.build()?;
    if args.jwt.is_generated() {
        tracing::warn!(
            "no PARLEY_JWT_SECRET or PARLEY_JWT_PUBLIC_KEY_FILE: using a random secret for this process"
        );
    }
    let mut graphiql = GraphiqlDefaults::default();
    if args.demo {
        if let Some(report) = seed::demo(&db).await? {
            tracing::info!(
                conversations = report.conversations,
                "loaded the demo tenant"
            );
        }
        let admin = agent::Entity::find()
            .filter(agent::Column::TenantId.eq(seed::DEMO_TENANT_ID))
            .filter(agent::Column::Email.eq(seed::DEMO_ADMIN_EMAIL))
            .one(&db)
            .await?
            .context("the demo admin agent is missing")?;
        let scopes = parley::auth::Scope::ALL.map(|s| s.as_str()).join(" ");
        let token = jwt.mint(
            seed::DEMO_TENANT_ID,
            admin.id,
            &scopes,
            std::time::Duration::from_secs(24 * 3600),
        )?;
        graphiql = GraphiqlDefaults {
            authorization: Some(format!("Bearer {token}")),
            query: Some(DEMO_QUERY.into()),
        };
    }
    let state = AppState::new(
        db,
        jwt,
        args.limits.clone(),
        args.http.clone(),
        graphiql.clone(),
    )?;
    let server = Server::bind(args.bind, state)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = server.local_addr()?;
    println!("Parley is listening on http://{addr}/graphql");
    println!("GraphiQL: http://{addr}/");
    if let Some(auth) = &graphiql.authorization {
        println!(
            "Demo tenant `{}`, signed in as {}:",
            seed::DEMO_TENANT_ID,
            seed::DEMO_ADMIN_EMAIL
        );
        println!("Authorization: {auth}");
    }
    server.run(shutdown_signal()).await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
