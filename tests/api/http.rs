//! The HTTP surface: GET runs queries only.

use serde_json::Value;

use crate::common::TestServer;

#[tokio::test(flavor = "multi_thread")]
async fn get_runs_queries_and_refuses_mutations() {
    let server = TestServer::start(1, 5).await;
    let token = server.token().await;
    let client = reqwest::Client::new();
    let get = |query: &str| {
        client
            .get(format!("{}/graphql", server.url))
            .bearer_auth(&token)
            .query(&[("query", query)])
            .send()
    };
    let reply = get("{ conversations(first: 2) { totalCount } }")
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert!(reply.headers().contains_key("x-sql-statements"));
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["data"]["conversations"]["totalCount"], 5);

    let with_variables = client
        .get(format!("{}/graphql", server.url))
        .bearer_auth(&token)
        .query(&[
            (
                "query",
                "query($n: Int!) { conversationByNumber(number: $n) { number } }",
            ),
            ("variables", r#"{"n": 3}"#),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(with_variables["data"]["conversationByNumber"]["number"], 3);

    let mutation = r#"mutation { createTag(input: { name: "via-get" }) { tag { id } } }"#;
    let reply = get(mutation).await.unwrap();
    assert_eq!(reply.status(), 405);
    assert_eq!(reply.headers()["allow"], "GET, POST");
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let named = client
        .get(format!("{}/graphql", server.url))
        .bearer_auth(&token)
        .query(&[
            (
                "query",
                format!("query Q {{ __typename }} {mutation}")
                    .replace("mutation {", "mutation M {"),
            ),
            ("operationName", "M".into()),
        ])
        .send()
        .await
        .unwrap();
    let status = named.status();
    assert_eq!(
        status,
        405,
        "the selected operation decides: {}",
        named.text().await.unwrap()
    );
    let tags = server
        .post(
            Some(&token),
            r#"{ tagByName(name: "via-get") { id } }"#,
            serde_json::json!({}),
        )
        .await;
    assert!(tags.data()["tagByName"].is_null(), "nothing was written");
}
