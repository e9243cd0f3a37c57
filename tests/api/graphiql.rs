//! GraphiQL without the internet: the page names nothing outside the gateway, every
//! file it names is served from the binary with its content type and for good, the
//! vendored files are those of the npm packages `ecosystem/package.json` pins, and the
//! Content-Security-Policy lets the page load and connect to this gateway only.

use regex::Regex;
use serde_json::Value;

use crate::common::TestServer;

/// The pinned version of an npm package of `ecosystem/package.json`.
fn pinned(package: &str) -> String {
    let manifest: Value =
        serde_json::from_str(include_str!("../../ecosystem/package.json")).unwrap();
    manifest["devDependencies"][package]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The `src` and `href` attributes of a page.
fn named(page: &str) -> Vec<String> {
    Regex::new(r#"\b(?:src|href)="([^"]*)""#)
        .unwrap()
        .captures_iter(page)
        .map(|c| c[1].to_owned())
        .collect()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_names_only_files_the_gateway_serves() {
    let server = TestServer::start(0, 0).await;
    let response = server.get("/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    let page = response.text().await.unwrap();

    let urls = Regex::new(r"(?i)\b(?:https?|wss?)://[^\s\x22'<>)]*").unwrap();
    let outside: Vec<&str> = urls
        .find_iter(&page)
        .map(|m| m.as_str())
        .filter(|u| !u.starts_with(&server.url))
        .collect();
    assert!(outside.is_empty(), "URLs outside the gateway: {outside:?}");

    let names = named(&page);
    let assets: Vec<&String> = names.iter().filter(|n| !n.starts_with("data:")).collect();
    assert!(
        assets.len() >= 6,
        "the page's stylesheets and scripts: {names:?}"
    );
    for name in assets {
        assert!(
            name.starts_with("/graphiql/"),
            "{name} is a path of the gateway"
        );
        let response = server.get(name).await;
        assert_eq!(response.status(), 200, "{name}");
        let expected = if name.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else if name.ends_with(".css") {
            "text/css; charset=utf-8"
        } else {
            panic!("{name}: neither a script nor a stylesheet")
        };
        assert_eq!(header(&response, "content-type"), expected, "{name}");
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{name}"
        );
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert!(!response.bytes().await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vendored_files_are_the_pinned_packages() {
    let server = TestServer::start(0, 0).await;
    let page = server.get("/").await.text().await.unwrap();
    let names = named(&page);
    let react = pinned("react");
    let react_dom = pinned("react-dom");
    let graphiql = pinned("graphiql");
    let vendored: [(String, &[u8]); 4] = [
        (
            format!("/graphiql/react-{react}.production.min.js"),
            include_bytes!("../../assets/graphiql/react/react.production.min.js"),
        ),
        (
            format!("/graphiql/react-dom-{react_dom}.production.min.js"),
            include_bytes!("../../assets/graphiql/react-dom/react-dom.production.min.js"),
        ),
        (
            format!("/graphiql/graphiql-{graphiql}.min.js"),
            include_bytes!("../../assets/graphiql/graphiql/graphiql.min.js"),
        ),
        (
            format!("/graphiql/graphiql-{graphiql}.min.css"),
            include_bytes!("../../assets/graphiql/graphiql/graphiql.min.css"),
        ),
    ];
    for (name, body) in vendored {
        assert!(names.contains(&name), "the page names {name}: {names:?}");
        let served = server.get(&name).await.bytes().await.unwrap();
        assert!(served == body, "{name} is assets/graphiql's file");
    }

    let licences: [(String, &[u8]); 3] = [
        (
            format!("/graphiql/react-{react}.LICENSE.txt"),
            include_bytes!("../../assets/graphiql/react/LICENSE"),
        ),
        (
            format!("/graphiql/react-dom-{react_dom}.LICENSE.txt"),
            include_bytes!("../../assets/graphiql/react-dom/LICENSE"),
        ),
        (
            format!("/graphiql/graphiql-{graphiql}.LICENSE.txt"),
            include_bytes!("../../assets/graphiql/graphiql/LICENSE"),
        ),
    ];
    for (name, body) in licences {
        let response = server.get(&name).await;
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(
            header(&response, "content-type"),
            "text/plain; charset=utf-8"
        );
        let served = response.bytes().await.unwrap();
        assert!(served == body, "{name} is the package's licence");
        assert!(String::from_utf8_lossy(&served).starts_with("MIT License"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_files_are_not_found() {
    let server = TestServer::start(0, 0).await;
    let page = server.get("/").await.text().await.unwrap();
    let script = named(&page)
        .into_iter()
        .find(|n| n.starts_with("/graphiql/parley-") && n.ends_with(".js"))
        .expect("the page names Parley's start-up script");
    for path in [
        "/graphiql/graphiql-0.0.1.min.js".to_owned(),
        "/graphiql/graphiql.min.js".to_owned(),
        "/graphiql/parley.js".to_owned(),
        format!("{script}.map"),
        "/graphiql/graphiql/graphiql.min.js".to_owned(),
        "/graphiql/%2e%2e%2fCargo.toml".to_owned(),
        "/graphiql/".to_owned(),
        "/graphiql".to_owned(),
    ] {
        let response = server.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    assert_eq!(server.get(&script).await.status(), 200, "still served");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_allows_this_gateway_only() {
    let server = TestServer::start(0, 0).await;
    let response = server.get("/").await;
    assert_eq!(header(&response, "cache-control"), "no-store");
    let policy = header(&response, "content-security-policy").to_owned();
    let directive = |name: &str| {
        policy
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{name} in {policy}"))
            .to_owned()
    };
    assert_eq!(directive("default-src"), "'none'");
    assert_eq!(directive("script-src"), "'self'");
    let style = directive("style-src");
    assert!(
        Regex::new(r"^'self' 'sha256-[A-Za-z0-9+/]{43}='$")
            .unwrap()
            .is_match(&style),
        "style-src: 'self' and the scroll lock's hash, no 'unsafe-inline': {style}"
    );
    assert_eq!(directive("font-src"), "'self' data:");
    assert_eq!(directive("img-src"), "'self' data:");
    assert_eq!(directive("frame-ancestors"), "'none'");
    let host = server.url.trim_start_matches("http://");
    assert_eq!(
        directive("connect-src"),
        format!("'self' ws://{host} wss://{host}")
    );

    // A Host that could add sources or directives is left out.
    let response = reqwest::Client::new()
        .get(format!("{}/", server.url))
        .header("host", "evil.example; script-src *")
        .send()
        .await
        .unwrap();
    let policy = header(&response, "content-security-policy");
    assert!(policy.contains("connect-src 'self'; "), "{policy}");
    assert!(!policy.contains("evil"), "{policy}");
}
