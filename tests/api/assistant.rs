//! The assistant's built-in retrieval provider: `suggestReply` answers a ticket with
//! the agent reply that solved the most similar question of the same tenant, lists
//! its sources, and escalates instead of inventing when nothing is similar enough.

use serde_json::{Value, json};

use crate::common::{ALL_SCOPES, TestServer, payload};

const CREATE: &str = "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } userErrors { code } } }";
const ADD: &str = "mutation($input: AddMessageInput!) { addMessage(input: $input) { message { id } userErrors { code } } }";
const CLOSE: &str = "mutation($input: CloseConversationInput!) { closeConversation(input: $input) { conversation { state } userErrors { code } } }";
const TICKET: &str = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { ticket { id } userErrors { code } } }";
const SUGGEST: &str = "query($id: ID!) { suggestReply(ticketId: $id) { text confidence escalationReason provider sources { similarity conversation { id state } question { text } answer { text role } } } }";

pub(crate) const QUESTION: &str = "My flux capacitor overheats when the quantum drive spins up";
pub(crate) const ANSWER: &str =
    "Reset the quantum drive firmware to 4.2, then recalibrate the flux capacitor.";

/// A conversation with a customer's question and an agent's reply, closed (solved)
/// or left open; its id.
pub(crate) async fn conversation(
    server: &TestServer,
    token: &str,
    question: &str,
    reply: &str,
    solved: bool,
) -> String {
    let input = json!({ "subject": "Help", "message": { "text": question, "role": "USER" } });
    let created = server
        .post(Some(token), CREATE, json!({ "input": input }))
        .await;
    let id = payload(&created, "createConversation")["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let input = json!({ "conversationId": id, "text": reply, "role": "AGENT" });
    let added = server
        .post(Some(token), ADD, json!({ "input": input }))
        .await;
    assert!(
        payload(&added, "addMessage")["userErrors"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    if solved {
        let closed = server
            .post(
                Some(token),
                CLOSE,
                json!({ "input": { "conversationId": id } }),
            )
            .await;
        assert_eq!(
            payload(&closed, "closeConversation")["conversation"]["state"],
            "CLOSED"
        );
    }
    id
}

pub(crate) async fn ticket(server: &TestServer, token: &str, text: &str) -> String {
    let reply = server
        .post(
            Some(token),
            TICKET,
            json!({ "input": { "originalText": text } }),
        )
        .await;
    payload(&reply, "createTicket")["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn suggest(server: &TestServer, token: &str, ticket: &str) -> Value {
    let reply = server
        .post(Some(token), SUGGEST, json!({ "id": ticket }))
        .await;
    reply.data()["suggestReply"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn suggest_reply_answers_from_the_most_similar_solved_conversation() {
    let server = TestServer::start(2, 10).await;
    let token = server.token().await;
    let solved = conversation(&server, &token, QUESTION, ANSWER, true).await;
    // Open conversations are not solved: their replies are never offered.
    let open = conversation(&server, &token, QUESTION, "Open, so not an answer.", false).await;
    // A less similar solved one ranks below.
    let other = conversation(
        &server,
        &token,
        "The quantum drive makes a noise on Tuesdays and the manual is missing",
        "Download the manual again.",
        true,
    )
    .await;

    let asked = ticket(
        &server,
        &token,
        "The flux capacitor overheats whenever the quantum drive spins up",
    )
    .await;
    let reply = suggest(&server, &token, &asked).await;
    assert_eq!(reply["text"], ANSWER, "{reply:#}");
    assert_eq!(reply["provider"], "retrieval");
    assert!(reply["escalationReason"].is_null());
    let confidence = reply["confidence"].as_f64().unwrap();
    assert!((0.3..=1.0).contains(&confidence), "{confidence}");
    let sources = reply["sources"].as_array().unwrap();
    assert_eq!(sources[0]["conversation"]["id"], solved.as_str());
    assert_eq!(sources[0]["conversation"]["state"], "CLOSED");
    assert_eq!(sources[0]["question"]["text"], QUESTION);
    assert_eq!(sources[0]["answer"]["text"], ANSWER);
    assert_eq!(sources[0]["answer"]["role"], "AGENT");
    assert_eq!(sources[0]["similarity"].as_f64().unwrap(), confidence);
    let ranked: Vec<&str> = sources
        .iter()
        .map(|s| s["conversation"]["id"].as_str().unwrap())
        .collect();
    if let Some(at) = ranked.iter().position(|id| *id == other) {
        assert!(at > 0);
        assert!(sources[at]["similarity"].as_f64().unwrap() < confidence);
    }
    assert!(!ranked.contains(&open.as_str()));

    // Nothing alike: no text, a reason, never an invented answer.
    let unrelated = ticket(&server, &token, "Where do penguins buy their sunglasses").await;
    let reply = suggest(&server, &token, &unrelated).await;
    assert!(reply["text"].is_null(), "{reply:#}");
    assert!(!reply["escalationReason"].as_str().unwrap().is_empty());
    assert!(reply["confidence"].as_f64().unwrap() < 0.3);

    // Operators of either index's query language and SQL are just words.
    let hostile = ticket(
        &server,
        &token,
        "flux' OR 1=1; -- \"capacitor\" & | ! :* NEAR(quantum drive) ^ * ) DROP TABLE messages",
    )
    .await;
    let reply = suggest(&server, &token, &hostile).await;
    assert!(reply["confidence"].as_f64().unwrap() >= 0.0, "{reply:#}");

    // A question without words to look up.
    let empty = ticket(&server, &token, "?!? ... the and of").await;
    let reply = suggest(&server, &token, &empty).await;
    assert!(reply["text"].is_null());
    assert!(reply["escalationReason"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn suggest_reply_stays_in_the_tenant_and_needs_both_read_scopes() {
    let server = TestServer::start(2, 5).await;
    let token = server.token().await;
    conversation(&server, &token, QUESTION, ANSWER, true).await;
    let mine = ticket(&server, &token, QUESTION).await;

    // Tenant two asks the same: tenant one's history is not its own.
    let other = server.token_for("tenant-2", ALL_SCOPES).await;
    let theirs = ticket(&server, &other, QUESTION).await;
    let reply = suggest(&server, &other, &theirs).await;
    assert_ne!(reply["text"], ANSWER);
    for source in reply["sources"].as_array().unwrap() {
        assert_ne!(source["answer"]["text"], ANSWER);
    }
    // Nor may it name tenant one's ticket.
    let reply = server
        .post(Some(&other), SUGGEST, json!({ "id": mine }))
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");
    // Not an id at all.
    let reply = server
        .post(Some(&token), SUGGEST, json!({ "id": "nope" }))
        .await;
    assert_eq!(reply.code(), "NOT_FOUND");

    for scopes in [
        "ticket:read",
        "conversation:read",
        "ticket:write conversation:write",
    ] {
        let limited = server.token_for("tenant-1", scopes).await;
        let reply = server
            .post(Some(&limited), SUGGEST, json!({ "id": mine }))
            .await;
        assert_eq!(reply.code(), "FORBIDDEN", "{scopes}");
    }
    // The server still answers.
    assert_eq!(suggest(&server, &token, &mine).await["text"], ANSWER);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_in_provider_does_not_translate_and_says_so() {
    let server = TestServer::start(1, 3).await;
    let token = server.token().await;
    let id = conversation(&server, &token, QUESTION, ANSWER, false).await;
    let read = "query($id: ID!) { node(id: $id) { ... on Conversation { messages(first: 1) { nodes { fr: translated(to: \"fr\") { text provider unavailableReason } own: translated(to: \"EN\") { text } } } } } }";
    let reply = server.post(Some(&token), read, json!({ "id": id })).await;
    let message = &reply.data()["node"]["messages"]["nodes"][0];
    assert!(message["fr"]["text"].is_null());
    assert_eq!(message["fr"]["provider"], "retrieval");
    assert!(
        message["fr"]["unavailableReason"]
            .as_str()
            .unwrap()
            .contains("does not translate")
    );
    assert_eq!(message["own"]["text"], QUESTION);
    let bad = "query($id: ID!) { node(id: $id) { ... on Conversation { messages(first: 1) { nodes { translated(to: \"klingon!\") { text } } } } } }";
    let reply = server.post(Some(&token), bad, json!({ "id": id })).await;
    assert_eq!(reply.code(), "BAD_USER_INPUT");
}
