//! The `parley` binary as a newcomer uses it: `serve --demo`, `token` and `schema`.

use serde_json::json;

use crate::common::{parley, serve_demo};

#[tokio::test(flavor = "multi_thread")]
async fn serve_demo_prints_a_working_header_and_graphiql_is_prefilled() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url, authorization) = serve_demo(
        parley()
            .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
            .current_dir(dir.path()),
    );
    assert!(url.starts_with("http://127.0.0.1:"), "printed the address");
    assert!(authorization.starts_with("Bearer "), "printed the header");
    assert!(
        dir.path().join("parley.db").exists(),
        "the default database is ./parley.db"
    );

    let client = reqwest::Client::new();
    let page = client
        .get(format!("{url}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&authorization),
        "GraphiQL is prefilled with the header"
    );
    assert!(
        page.contains("query Inbox"),
        "GraphiQL is prefilled with the example query"
    );

    let query = include_str!("../../src/demo_query.graphql");
    let body = crate::common::post_json(&url, &authorization, &json!({ "query": query })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["viewer"]["tenant"]["name"], "Demo Support Co");
    assert_eq!(
        body["data"]["viewer"]["agent"]["email"],
        "ada@demo.parley.dev"
    );
    let open = &body["data"]["conversations"];
    assert!(open["totalCount"].as_i64().unwrap() > 10);
    assert!(
        open["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "OPEN")
    );
}

#[test]
fn token_mints_what_the_configured_key_verifies() {
    let secret = "cli-test-secret-0123456789";
    let output = parley()
        .args([
            "token",
            "--tenant",
            "acme",
            "--agent",
            "7",
            "--scope",
            "ticket:read",
            "--ttl",
            "5m",
        ])
        .env("PARLEY_JWT_SECRET", secret)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap();
    let source = parley::auth::KeySource::Secret {
        secret: secret.as_bytes().to_vec(),
        generated: false,
    };
    let viewer = parley::auth::JwtConfig::new(source, None, None)
        .unwrap()
        .verify(token.trim())
        .unwrap();
    assert_eq!(&*viewer.tenant, "acme");
    assert_eq!(viewer.agent_id, 7);
    assert_eq!(viewer.scopes.names(), vec!["ticket:read"]);

    let refused = parley()
        .args(["token", "--tenant", "acme", "--agent", "7"])
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "no key configured: no token that no server would accept"
    );
}

#[test]
fn schema_prints_the_sdl() {
    let output = parley().arg("schema").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        parley::graphql::sdl()
    );
}
