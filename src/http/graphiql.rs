//! GraphiQL at `/`, whole without internet access: the page, and every file it loads,
//! served by the gateway under `/graphiql/`: React, ReactDOM and GraphiQL as their npm
//! packages ship them (vendored in `assets/graphiql/`), and Parley's start-up script
//! and style.

use std::borrow::Cow;
use std::sync::LazyLock;

use axum::extract::{Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{AppState, GraphiqlDefaults};

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";
const NOSNIFF: &str = "nosniff";
/// A name under `/graphiql/` always means the same bytes, so browsers may keep it.
const FOREVER: &str = "public, max-age=31536000, immutable";

/// A file under `/graphiql/`.
struct Asset {
    name: Cow<'static, str>,
    content_type: &'static str,
    body: &'static [u8],
}

impl Asset {
    /// A file of an npm package, its name carrying the package's version.
    fn vendored(name: &'static str, content_type: &'static str, body: &'static [u8]) -> Asset {
        Asset {
            name: Cow::Borrowed(name),
            content_type,
            body,
        }
    }

    /// One of Parley's own files, its name carrying a hash of its content.
    fn own(stem: &str, extension: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
        let hash = format!("{:x}", Sha256::digest(body));
        Asset {
            name: Cow::Owned(format!("{stem}-{}.{extension}", &hash[..16])),
            content_type,
            body,
        }
    }
}

/// The page's stylesheets and scripts in the order it loads them (the scripts run in
/// this order), then the packages' licences.
static ASSETS: LazyLock<[Asset; 9]> = LazyLock::new(|| {
    [
        Asset::vendored(
            "graphiql-3.8.3.min.css",
            CSS,
            include_bytes!("../../assets/graphiql/graphiql/graphiql.min.css"),
        ),
        Asset::own("parley", "css", CSS, include_bytes!("graphiql/parley.css")),
        Asset::vendored(
            "react-18.3.1.production.min.js",
            JS,
            include_bytes!("../../assets/graphiql/react/react.production.min.js"),
        ),
        Asset::vendored(
            "react-dom-18.3.1.production.min.js",
            JS,
            include_bytes!("../../assets/graphiql/react-dom/react-dom.production.min.js"),
        ),
        Asset::vendored(
            "graphiql-3.8.3.min.js",
            JS,
            include_bytes!("../../assets/graphiql/graphiql/graphiql.min.js"),
        ),
        Asset::own("parley", "js", JS, include_bytes!("graphiql/parley.js")),
        Asset::vendored(
            "react-18.3.1.LICENSE.txt",
            TEXT,
            include_bytes!("../../assets/graphiql/react/LICENSE"),
        ),
        Asset::vendored(
            "react-dom-18.3.1.LICENSE.txt",
            TEXT,
            include_bytes!("../../assets/graphiql/react-dom/LICENSE"),
        ),
        Asset::vendored(
            "graphiql-3.8.3.LICENSE.txt",
            TEXT,
            include_bytes!("../../assets/graphiql/graphiql/LICENSE"),
        ),
    ]
});

/// The page with its stylesheets and scripts named; the configuration is added per
/// request.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let tags: String = ASSETS
        .iter()
        .filter_map(|asset| {
            let name = &asset.name;
            match asset.content_type {
                CSS => Some(format!(
                    r#"    <link rel="stylesheet" href="/graphiql/{name}">"#
                )),
                JS => Some(format!(
                    r#"    <script defer src="/graphiql/{name}"></script>"#
                )),
                _ => None,
            }
        })
        .map(|tag| tag + "\n")
        .collect();
    include_str!("graphiql/page.html").replace("__ASSETS__\n", &tags)
});

/// GraphiQL, prefilled in demo mode, allowed to load and connect to nothing but this
/// gateway.
pub(super) async fn page(State(app): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            // In demo mode the page holds a token.
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static(NOSNIFF)),
            (CONTENT_SECURITY_POLICY, content_security_policy(host)),
        ],
        PAGE.replace("__PARLEY_CONFIG__", &config(&app.graphiql)),
    )
        .into_response()
}

/// A file of `/graphiql/`, or not found.
pub(super) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|asset| asset.name == name) {
        Some(asset) => (
            [
                (CONTENT_TYPE, asset.content_type),
                (CACHE_CONTROL, FOREVER),
                (X_CONTENT_TYPE_OPTIONS, NOSNIFF),
            ],
            asset.body,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(X_CONTENT_TYPE_OPTIONS, NOSNIFF)],
            "not found",
        )
            .into_response(),
    }
}

/// What the start-up script reads: the endpoints, and the defaults of demo mode.
fn config(defaults: &GraphiqlDefaults) -> String {
    let mut config = json!({ "endpoint": "/graphql", "subscriptionEndpoint": "/graphql/ws" });
    if let Some(auth) = &defaults.authorization {
        config["headers"] = json!({ "Authorization": auth });
    }
    if let Some(query) = &defaults.query {
        config["query"] = json!(query);
    }
    // `<` escaped so the JSON cannot close the script element it sits in.
    config.to_string().replace('<', "\\u003c")
}

/// The one inline style GraphiQL writes: the scroll lock react-remove-scroll-bar
/// inserts while a dialog or menu is open, byte for byte (`parley.css` keeps its
/// measured offsets at 0), as a CSP hash source.
static SCROLL_LOCK: LazyLock<String> = LazyLock::new(|| {
    let hash = Sha256::digest(include_bytes!("graphiql/scroll-lock.css"));
    format!("'sha256-{}'", STANDARD.encode(hash))
});

/// Scripts, styles and connections only to this gateway (and the scroll lock's inline
/// style); fonts and images also as the data: URLs GraphiQL's stylesheet embeds. The
/// websocket of subscriptions is named with the request's host, since `'self'` covers
/// ws: and wss: only in browsers that implement CSP level 3.
fn content_security_policy(host: Option<&str>) -> HeaderValue {
    let connect = match host.filter(|h| is_plain_host(h)) {
        Some(host) => format!("'self' ws://{host} wss://{host}"),
        None => "'self'".to_owned(),
    };
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self' {scroll_lock}; font-src 'self' data:; \
         img-src 'self' data:; connect-src {connect}; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        scroll_lock = SCROLL_LOCK.as_str(),
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// A host and port with nothing that could end a CSP source or directive.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}
