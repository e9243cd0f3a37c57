//! The HTTP surface: GET runs queries only; content negotiation between
//! application/graphql-response+json and application/json.

use serde_json::{Value, json};

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

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// POSTs `body` as JSON with `accept` (none when None): status, content type and body.
async fn post(
    server: &TestServer,
    token: Option<&str>,
    accept: Option<&str>,
    body: Value,
) -> (u16, String, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    answer(request.send().await.unwrap()).await
}

async fn answer(reply: reqwest::Response) -> (u16, String, Value) {
    let status = reply.status().as_u16();
    let content_type = reply
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = reply.json().await.unwrap();
    (status, content_type, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn graphql_response_json_uses_the_status_codes_of_graphql_over_http() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let accept = Some(GRAPHQL_RESPONSE);

    let ok = json!({ "query": "{ conversations(first: 1) { totalCount } }" });
    let (status, content_type, body) = post(&server, Some(&token), accept, ok).await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with(GRAPHQL_RESPONSE), "{content_type}");
    assert_eq!(body["data"]["conversations"]["totalCount"], 3);

    let requests = [
        ("unparsable", json!({ "query": "{" })),
        ("invalid", json!({ "query": "{ noSuchField }" })),
        (
            "bad variables",
            json!({ "query": "query($n: Int!) { conversationByNumber(number: $n) { id } }", "variables": { "n": "three" } }),
        ),
    ];
    for (case, request) in requests {
        let (status, content_type, body) =
            post(&server, Some(&token), accept, request.clone()).await;
        assert_eq!(status, 400, "{case}: {body}");
        assert!(
            content_type.starts_with(GRAPHQL_RESPONSE),
            "{case}: {content_type}"
        );
        assert!(body.get("data").is_none(), "{case}: no data entry: {body}");
        assert!(body["errors"][0]["message"].is_string(), "{case}: {body}");

        // The same request as application/json keeps the legacy 200 with `data: null`.
        let (status, content_type, body) =
            post(&server, Some(&token), Some("application/json"), request).await;
        assert_eq!(status, 200, "{case} as application/json: {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert!(
            body["data"].is_null() && body["errors"].is_array(),
            "{body}"
        );
    }

    // Fields come in the order the query asks for them, in either media type.
    for accept in [GRAPHQL_RESPONSE, "application/json"] {
        let text = reqwest::Client::new()
            .post(format!("{}/graphql", server.url))
            .header("Accept", accept)
            .json(&json!({ "query": "{ zeta: __typename alpha: __typename }" }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            text, r#"{"data":{"zeta":"Query","alpha":"Query"}}"#,
            "{accept}"
        );
    }

    // An error while executing is a GraphQL result with a `data` entry: 200.
    let anonymous = json!({ "query": "{ conversations(first: 1) { totalCount } }" });
    let (status, _, body) = post(&server, None, accept, anonymous).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("data").is_some(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    // A batch keeps its 200; only its failed item loses `data`.
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{" }]);
    let (status, _, body) = post(&server, Some(&token), accept, batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["data"]["__typename"], "Query");
    assert!(
        body[1].get("data").is_none() && body[1]["errors"].is_array(),
        "{body}"
    );

    // GET negotiates the same way, and refuses mutations in the negotiated type.
    let get = |query: &str| {
        reqwest::Client::new()
            .get(format!("{}/graphql", server.url))
            .header("Accept", GRAPHQL_RESPONSE)
            .bearer_auth(&token)
            .query(&[("query", query)])
            .send()
    };
    let (status, content_type, body) = answer(get("{ nope }").await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert!(content_type.starts_with(GRAPHQL_RESPONSE), "{content_type}");
    assert!(body.get("data").is_none(), "{body}");
    let (status, content_type, body) = answer(get("mutation { __typename }").await.unwrap()).await;
    assert_eq!(status, 405, "{body}");
    assert!(content_type.starts_with(GRAPHQL_RESPONSE), "{content_type}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test(flavor = "multi_thread")]
async fn accept_header_picks_the_media_type_or_is_refused() {
    let server = TestServer::start(1, 1).await;
    let query = json!({ "query": "{ __typename }" });
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (Some("application/json, text/plain"), "application/json"),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (
            Some("application/graphql-response+json, application/json"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/json, application/graphql-response+json"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/graphql-response+json;q=0.5, application/json"),
            "application/json",
        ),
        (Some("application/json;q=0, */*"), GRAPHQL_RESPONSE),
    ] {
        let (status, content_type, body) = post(&server, None, accept, query.clone()).await;
        assert_eq!(status, 200, "{accept:?}: {body}");
        assert!(
            content_type.starts_with(expected),
            "{accept:?} -> {content_type}, expected {expected}"
        );
        assert_eq!(body["data"]["__typename"], "Query");
    }

    for accept in [
        "text/html",
        "application/xml, text/*",
        "application/json;q=0",
    ] {
        let (status, content_type, body) = post(&server, None, Some(accept), query.clone()).await;
        assert_eq!(status, 406, "{accept}: {body}");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_posts_answer_with_graphql_errors() {
    let server = TestServer::start(1, 1).await;
    let client = reqwest::Client::new();
    let send = |content_type: &'static str, body: &'static str| {
        client
            .post(format!("{}/graphql", server.url))
            .header("Content-Type", content_type)
            .header("Accept", GRAPHQL_RESPONSE)
            .body(body)
            .send()
    };
    for (content_type, body, expected) in [
        // Forms and text are what a cross-site page can post unasked.
        ("text/plain", r#"{"query": "{ __typename }"}"#, 415),
        (
            "application/x-www-form-urlencoded",
            "query=%7B__typename%7D",
            415,
        ),
        ("application/json", r#"{"query": "{ __typename }""#, 400),
        ("application/json", "", 400),
        ("application/json", r#"{"query": {"not": "a string"}}"#, 400),
        (
            "application/json",
            r#"{"query": "{ __typename }", "variables": "x"}"#,
            400,
        ),
    ] {
        let (status, reply_type, reply) = answer(send(content_type, body).await.unwrap()).await;
        assert_eq!(status, expected, "{content_type} {body}: {reply}");
        assert!(reply_type.starts_with(GRAPHQL_RESPONSE), "{reply_type}");
        assert_eq!(
            reply["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{content_type} {body}: {reply}"
        );
    }
}
