//! A whole request through the HTTP layer and the schema, against a seeded
//! SQLite database: any body, and any document with any variables sent over GET,
//! POST, in a batch or as a persisted query, must get an answer: never a panic, a
//! stack overflow or a 5xx other than 503.
//!
//! Documents are built from GraphQL's tokens, each possibly repeated thousands of
//! times, so that even uninstrumented runs (CI's smoke run) reach deep nesting,
//! unterminated strings and comments; variables likewise nest lists and objects.
#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use parley::auth::{JwtConfig, KeySource};
use parley::config::{DbArgs, HttpOptions};
use parley::http::{AppState, GraphiqlDefaults, router};
use parley::limits::Limits;
use parley::seed::{SeedOptions, seed};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
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

/// What documents are made of: GraphQL's punctuation, keywords, names, values, the
/// starts of strings, block strings and comments, and pieces of Parley's schema.
const TOKENS: &[&str] = &[
    "{", "}", "[", "]", "(", ")", "{ ", " }", ": ", ", ", " ", "\n", "\r", "\t", "!", "$v", "$ids",
    "=", "@", "|", "&", "...", "... on Query ", "...F", "fragment F on Query ", "query ",
    "query Q", "mutation ", "subscription ", "($v: ", "Int", "[ID!]", "ID!", "String",
    "__typename", "__schema { types { name } }", "__type(name: ", "nodes(ids: ", "node(id: ",
    "conversations", "conversations(first: 2)", "(filter: ", "{ nodes { id subject } }",
    "tags", "tickets", "viewer { scopes }", "a", "a: ", "name", "@include(if: ", "@skip(if: $v)",
    "true", "false", "null", "1", "-0.5e3", "1e999", "99999999999999999999", "OPEN", "\"",
    "\"x\"", "\"\"\"", "\\", "\\\"", "\\u00", "#", "\u{0}", "\u{feff}", "é", "{a: ",
];

/// A document: tokens, runs of one token and raw text.
fn document(u: &mut Unstructured) -> Result<String> {
    let mut text = String::new();
    for _ in 0..u.int_in_range(0..=24)? {
        match u.int_in_range(0..=9)? {
            0..=5 => text.push_str(u.choose(TOKENS)?),
            6..=8 => text.push_str(&u.choose(TOKENS)?.repeat(u.int_in_range(2..=5000)?)),
            _ => text.push_str(u.arbitrary::<&str>()?),
        }
    }
    Ok(text)
}

/// Variables as JSON text: nested lists and objects (possibly deeper than JSON
/// decoding accepts) around a scalar, or arbitrary text.
fn variables(u: &mut Unstructured) -> Result<String> {
    let scalar = *u.choose(&["1", "\"x\"", "null", "true", "\"T3BlbjE=\"", "1e400", "{}", "[]"])?;
    let value = match u.int_in_range(0..=3)? {
        0 => return Ok(u.arbitrary::<&str>()?.to_owned()),
        1 => scalar.to_owned(),
        2 => {
            let depth = u.int_in_range(1..=3000)?;
            format!("{}{scalar}{}", "[".repeat(depth), "]".repeat(depth))
        }
        _ => {
            let depth = u.int_in_range(1..=3000)?;
            format!("{}{scalar}{}", "{\"a\":".repeat(depth), "}".repeat(depth))
        }
    };
    let name = *u.choose(&["v", "ids", "input", "first"])?;
    Ok(format!("{{\"{name}\": {value}}}"))
}

/// A JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// One GraphQL request as JSON, possibly naming its document's hash (a persisted
/// query's registration).
fn operation(document: &str, variables: &str, name: Option<&str>, persisted: bool) -> String {
    let mut fields = vec![format!("\"query\": {}", quoted(document)), format!("\"variables\": {variables}")];
    if let Some(name) = name {
        fields.push(format!("\"operationName\": {}", quoted(name)));
    }
    if persisted {
        let hash = parley::persisted::sha256(document);
        fields.push(format!(r#""extensions": {{"persistedQuery": {{"version": 1, "sha256Hash": "{hash}"}}}}"#));
    }
    format!("{{{}}}", fields.join(", "))
}

/// A request to the gateway, as any client might send it (None when the bytes run
/// out early or make no valid HTTP request, such as a URI too long for one).
fn request(data: &[u8]) -> Result<Option<Request<Body>>> {
    let authorization = &gateway().authorization;
    let mut u = Unstructured::new(data);
    let post = |body: String| {
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, authorization)
            .body(Body::from(body))
    };
    let transport = u.int_in_range(0..=4)?;
    if transport == 0 {
        return Ok(post(String::from_utf8_lossy(u.take_rest()).into_owned()).ok());
    }
    let document = document(&mut u)?;
    let variables = variables(&mut u)?;
    let name = if u.arbitrary()? { Some(*u.choose(&["Q", "F", "", "nope"])?) } else { None };
    let request = match transport {
        1 => {
            let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
            let mut uri = format!("/graphql?query={}&variables={}", encode(&document), encode(&variables));
            if let Some(name) = name {
                uri.push_str(&format!("&operationName={}", encode(name)));
            }
            Request::get(uri)
                .header(header::AUTHORIZATION, authorization)
                .body(Body::empty())
        }
        2 => post(operation(&document, &variables, name, false)),
        3 => {
            let single = operation(&document, &variables, name, false);
            let plain = operation("{ __typename }", "{}", None, false);
            post(format!("[{plain}, {single}, {single}]"))
        }
        _ => post(operation(&document, &variables, name, true)),
    };
    Ok(request.ok())
}

fuzz_target!(|data: &[u8]| {
    let gateway = gateway();
    let Ok(Some(request)) = request(data) else { return };
    let described = format!("{} {}", request.method(), request.uri());
    // On a worker thread, with the stack a server's requests have (2 MiB).
    let answered = gateway.router.clone().oneshot(request);
    let response = gateway
        .runtime
        .block_on(tokio::spawn(answered))
        .expect("the request's task panicked")
        .expect("infallible");
    let status = response.status();
    assert!(
        !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
        "{status} for {:.2000} {:?}",
        described,
        String::from_utf8_lossy(data)
    );
});
