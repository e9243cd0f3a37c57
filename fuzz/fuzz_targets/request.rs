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
            let options = SeedOptions {
                tenants: 2,
                conversations: 5,
                rng_seed: 1,
            };
            seed(&db, &options).await.expect("seed");
            let secret = KeySource::Secret {
                secret: b"fuzzing-secret-0123456789".to_vec(),
                generated: false,
            };
            let jwt = JwtConfig::new(secret, None, None).expect("jwt");
            let scopes = "conversation:read conversation:write ticket:read ticket:write admin";
            let token = jwt
                .mint("tenant-1", 1, scopes, std::time::Duration::from_secs(3600))
                .expect("token");
            let state = AppState::new(
                db,
                jwt,
                Limits::default(),
                HttpOptions::default(),
                GraphiqlDefaults::default(),
            )
            .expect("state");
            (router(state), format!("Bearer {token}"))
        });
        Gateway {
            runtime,
            router,
            authorization,
        }
    })
}

/// What documents are made of: GraphQL's punctuation, keywords, names, values, the
/// starts of strings, block strings and comments, and pieces of Parley's schema.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "{ ",
    " }",
    ": ",
    ", ",
    " ",
    "\n",
    "\r",
    "\t",
    "!",
    "$v",
    "$ids",
    "=",
    "@",
    "|",
    "&",
    "...",
    "... on Query ",
    "...F",
    "fragment F on Query ",
    "query ",
    "query Q",
    "mutation ",
    "subscription ",
    "($v: ",
    "Int",
    "[ID!]",
    "ID!",
    "String",
    "__typename",
    "__schema { types { name } }",
    "__type(name: ",
    "nodes(ids: ",
    "node(id: ",
    "conversations",
    "conversations(first: 2)",
    "(filter: ",
    "{ nodes { id subject } }",
    "tags",
    "tickets",
    "viewer { scopes }",
    "a",
    "a: ",
    "name",
    "@include(if: ",
    "@skip(if: $v)",
    "true",
    "false",
    "null",
    "1",
    "-0.5e3",
    "1e999",
    "99999999999999999999",
    "OPEN",
    "\"",
    "\"x\"",
    "\"\"\"",
    "\\",
    "\\\"",
    "\\u00",
    "#",
    "\u{0}",
    "\u{feff}",
    "é",
    "{a: ",
];

/// Valid documents around a nest: where nesting begins, what opens one more level
/// there, what sits innermost, what closes a level and what ends the document. A
/// run of openers in a document that fails to parse is never fully read, so most
/// documents are completed (the parser's recursive descent and the conversion of
/// its result both go one level deeper per bracket).
const NESTS: &[(&str, &str, &str, &str, &str)] = &[
    ("{ __type(name: ", "[", "\"Query\"", "]", ") { name } }"),
    ("{ nodes(ids: ", "[\"x\", ", "\"x\"", "]", ") { id } }"),
    (
        "{ conversations(filter: ",
        "{a: ",
        "1",
        "}",
        ") { totalCount } }",
    ),
    ("{ a(b: ", "{a: [", "1", "]}", ") }"),
    ("query($v: ", "[", "Int", "]", ") { __typename }"),
    ("{ a @include(if: ", "[", "true", "]", ") }"),
    (
        "fragment F on Query { a(b: ",
        "{b: ",
        "1",
        "}",
        ") } { ...F }",
    ),
    ("", "{ a ", "b", "}", ""),
    ("query Q { ", "... on Query { ", "__typename", "}", " }"),
];

/// A document: a nest up to 3,000 deep, mostly complete, and maybe tokens, runs of
/// one token and raw text after it.
fn document(u: &mut Unstructured) -> Result<String> {
    let (start, opener, inner, closer, end) = *u.choose(NESTS)?;
    let depth = u.int_in_range(0..=3000)?;
    let inner = if u.ratio(3, 4)? {
        inner
    } else {
        u.choose(TOKENS)?
    };
    let mut text = format!("{start}{}{inner}", opener.repeat(depth));
    if u.ratio(3, 4)? {
        text.push_str(&closer.repeat(depth));
        text.push_str(end);
    }
    if u.arbitrary()? {
        for _ in 0..u.int_in_range(1..=12)? {
            match u.int_in_range(0..=9)? {
                0..=5 => text.push_str(u.choose(TOKENS)?),
                6..=8 => text.push_str(&u.choose(TOKENS)?.repeat(u.int_in_range(2..=3000)?)),
                _ => text.push_str(u.arbitrary::<&str>()?),
            }
        }
    }
    Ok(text)
}

/// Variables as JSON text: mostly a scalar or lists and objects nested around one
/// (now and then deeper than JSON decoding accepts), sometimes arbitrary text. A
/// body that is not JSON stops the request early, so the document goes unread.
fn variables(u: &mut Unstructured) -> Result<String> {
    let scalar = *u.choose(&[
        "1",
        "\"x\"",
        "null",
        "true",
        "\"T3BlbjE=\"",
        "1e400",
        "{}",
        "[]",
    ])?;
    let depth = if u.ratio(1, 10)? {
        u.int_in_range(1..=3000)?
    } else {
        u.int_in_range(1..=150)?
    };
    let value = match u.int_in_range(0..=9)? {
        0 => return Ok(u.arbitrary::<&str>()?.to_owned()),
        1..=5 => scalar.to_owned(),
        6..=7 => format!("{}{scalar}{}", "[".repeat(depth), "]".repeat(depth)),
        _ => format!("{}{scalar}{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
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
    let mut fields = vec![
        format!("\"query\": {}", quoted(document)),
        format!("\"variables\": {variables}"),
    ];
    if let Some(name) = name {
        fields.push(format!("\"operationName\": {}", quoted(name)));
    }
    if persisted {
        let hash = parley::persisted::sha256(document);
        fields.push(format!(
            r#""extensions": {{"persistedQuery": {{"version": 1, "sha256Hash": "{hash}"}}}}"#
        ));
    }
    format!("{{{}}}", fields.join(", "))
}

/// `data` continued by 4 KiB from a generator seeded with it: a short input (all an
/// uninstrumented run's mutations make) still builds a long and varied request,
/// while a fuzzer guided by coverage controls the request through the prefix.
fn continued(data: &[u8]) -> Vec<u8> {
    let mut state = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
    }) | 1;
    let mut bytes = data.to_vec();
    for _ in 0..512 {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        bytes.extend(state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    bytes
}

/// A request to the gateway, as any client might send it (None when it makes no
/// valid HTTP request, such as a URI too long for one).
fn request(data: &[u8]) -> Result<Option<Request<Body>>> {
    let authorization = &gateway().authorization;
    let post = |body: String| {
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, authorization)
            .body(Body::from(body))
    };
    let Some((&transport, rest)) = data.split_first() else {
        return Ok(None);
    };
    let transport = transport % 5;
    if transport == 0 {
        return Ok(post(String::from_utf8_lossy(rest).into_owned()).ok());
    }
    let bytes = continued(rest);
    let mut u = Unstructured::new(&bytes);
    let document = document(&mut u)?;
    let variables = variables(&mut u)?;
    let name = if u.arbitrary()? {
        Some(*u.choose(&["Q", "F", "", "nope"])?)
    } else {
        None
    };
    let request = match transport {
        1 => {
            let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
            let mut uri = format!(
                "/graphql?query={}&variables={}",
                encode(&document),
                encode(&variables)
            );
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
    let Ok(Some(request)) = request(data) else {
        return;
    };
    let described = format!("{} {}", request.method(), request.uri());
    // On a worker thread, with the stack a server's requests have (2 MiB).
    let answered = gateway
        .runtime
        .spawn(gateway.router.clone().oneshot(request));
    let response = gateway
        .runtime
        .block_on(answered)
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
