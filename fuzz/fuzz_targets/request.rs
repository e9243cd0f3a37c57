//! A whole request through the HTTP layer and the schema, against a seeded
//! SQLite database: any body must get an answer, never a panic or a 5xx other
//! than 503.
#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use libfuzzer_sys::fuzz_target;
use parley::auth::{JwtConfig, KeySource};
use parley::config::{DbArgs, HttpOptions};
use parley::http::{AppState, GraphiqlDefaults, router};
use parley::limits::Limits;
use parley::seed::{SeedOptions, seed};
use tower::ServiceExt;

struct Gateway {
    runtime: tokio::runtime::Runtime,
    router: Router,
    authorization: String,
}

fn gateway() -> &'static Gateway {
    static GATEWAY: OnceLock<Gateway> = OnceLock::new();
    GATEWAY.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let (router, authorization) = runtime.block_on(async {
            let db = parley::db::connect(&DbArgs::url("sqlite::memory:", 1))
                .await
                .expect("database");
            parley::db::migrate(&db).await.expect("migrate");
            let options = SeedOptions { tenants: 2, conversations: 5, rng_seed: 1 };
            seed(&db, &options).await.expect("seed");
            let secret = KeySource::Secret { secret: b"fuzzing-secret-0123456789".to_vec(), generated: false };
            let jwt = JwtConfig::new(secret, None, None).expect("jwt");
            let scopes = "conversation:read conversation:write ticket:read ticket:write admin";
            let token = jwt
                .mint("tenant-1", 1, scopes, std::time::Duration::from_secs(3600))
                .expect("token");
            let state = AppState::new(db, jwt, Limits::default(), HttpOptions::default(), GraphiqlDefaults::default())
                .expect("state");
            (router(state), format!("Bearer {token}"))
        });
        Gateway { runtime, router, authorization }
    })
}

fuzz_target!(|body: &[u8]| {
    let gateway = gateway();
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, &gateway.authorization)
        .body(Body::from(body.to_vec()))
        .expect("request");
    let response = gateway
        .runtime
        .block_on(gateway.router.clone().oneshot(request))
        .expect("infallible");
    let status = response.status();
    assert!(
        !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
        "{status} for {:?}",
        String::from_utf8_lossy(body)
    );
});
