//! Attachments: files sent with `addMessage` and `addNote` as GraphQL multipart
//! requests (operations, map and files over real HTTP), sniffed, stored, listed and
//! downloaded through signed links; refused past their limits, across tenants and
//! without a writer's credentials; deleted with what anonymization erases.

use std::path::{Path, PathBuf};
use std::time::Duration;

use entity::{attachment, attachment_usage, contact, message};
use parley::attachments::Signer;
use parley::config::{AttachmentOptions, HttpOptions};
use parley::ids::NodeKind;
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Config, Reply, TestServer, gid, payload};

/// The key the test servers sign links with.
const KEY: &[u8] = b"attachment-links-test-key-0123456789";

/// A PNG's signature and the start of its header chunk: what sniffing looks at.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

const ADD_MESSAGE: &str = r#"mutation($input: AddMessageInput!) {
  addMessage(input: $input) {
    message { id attachments { id fileName contentType size sha256 createdAt url urlExpiresAt } }
    userErrors { field message code }
  }
}"#;

const ADD_NOTE: &str = r#"mutation($input: AddNoteInput!) {
  addNote(input: $input) {
    note { id attachments { id fileName contentType size sha256 url urlExpiresAt } }
    userErrors { field message code }
  }
}"#;

/// A gateway with two tenants whose attachments go to a folder of the test's own.
struct Files {
    server: TestServer,
    folder: tempfile::TempDir,
    client: reqwest::Client,
}

/// The attachment options of a test: its folder and key, and `limits` on top.
fn options(folder: &Path, limits: AttachmentOptions) -> HttpOptions {
    HttpOptions {
        attachments: AttachmentOptions {
            store: Some(folder.display().to_string()),
            signing_key: Some(String::from_utf8(KEY.to_vec()).unwrap()),
            ..limits
        },
        ..HttpOptions::default()
    }
}

impl Files {
    async fn start(limits: AttachmentOptions) -> Files {
        let folder = tempfile::tempdir().unwrap();
        let server = TestServer::builder()
            .tenants(2)
            .conversations(2)
            .options(options(folder.path(), limits))
            .start()
            .await;
        Files::with(server, folder)
    }

    fn with(server: TestServer, folder: tempfile::TempDir) -> Files {
        Files {
            server,
            folder,
            client: reqwest::Client::new(),
        }
    }

    /// Every object in the store's folder.
    fn objects(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.folder.path(), &mut out);
        out.sort();
        out
    }

    /// POSTs `query` as a GraphQL multipart request: `variables.input.attachments`
    /// null in `operations`, and each of `files` (name, claimed type, bytes) a part
    /// the `map` points at its place in that list.
    async fn upload(
        &self,
        authorization: Option<&str>,
        query: &str,
        mut input: Value,
        files: &[(&str, &str, Vec<u8>)],
    ) -> Reply {
        input["attachments"] = Value::Array(vec![Value::Null; files.len()]);
        let operations = json!({ "query": query, "variables": { "input": input } });
        let map: serde_json::Map<String, Value> = (0..files.len())
            .map(|i| {
                let path = format!("variables.input.attachments.{i}");
                (i.to_string(), json!([path]))
            })
            .collect();
        let mut form = Form::new()
            .text("operations", operations.to_string())
            .text("map", Value::Object(map).to_string());
        for (i, (name, claimed, bytes)) in files.iter().enumerate() {
            let part = Part::bytes(bytes.clone())
                .file_name(name.to_string())
                .mime_str(claimed)
                .unwrap();
            form = form.part(i.to_string(), part);
        }
        let mut request = self
            .client
            .post(format!("{}/graphql", self.server.url))
            .multipart(form);
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        reply(request.send().await.unwrap()).await
    }

    /// GETs a download link (a path on the server).
    async fn download(&self, url: &str) -> reqwest::Response {
        assert!(url.starts_with("/attachments/"), "{url}");
        self.client
            .get(format!("{}{url}", self.server.url))
            .send()
            .await
            .unwrap()
    }

    /// A new OPEN conversation of `tenant` requested by its first contact.
    async fn conversation(&self, token: &str, tenant: &str) -> String {
        let requester = contact::Entity::find()
            .filter(contact::Column::TenantId.eq(tenant))
            .order_by_asc(contact::Column::Id)
            .one(&self.server.db)
            .await
            .unwrap()
            .unwrap();
        let reply = self
            .server
            .post(
                Some(token),
                "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } } }",
                json!({ "input": { "subject": "Broken blender", "requesterId": gid(NodeKind::Contact, requester.id) } }),
            )
            .await;
        reply.data()["createConversation"]["conversation"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn messages(&self) -> u64 {
        message::Entity::find()
            .count(&self.server.db)
            .await
            .unwrap()
    }

    async fn rows(&self) -> u64 {
        attachment::Entity::find()
            .count(&self.server.db)
            .await
            .unwrap()
    }

    /// The bytes of attachments `tenant` keeps, as its usage row says.
    async fn used(&self, tenant: &str) -> i64 {
        attachment_usage::Entity::find_by_id(tenant.to_owned())
            .one(&self.server.db)
            .await
            .unwrap()
            .map_or(0, |row| row.used_bytes)
    }

    /// The server still answers a plain query.
    async fn assert_alive(&self) {
        let token = self.server.token().await;
        let reply = self
            .server
            .post(Some(&token), "{ conversations { totalCount } }", json!({}))
            .await;
        assert!(reply.data()["conversations"]["totalCount"].is_u64());
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    Reply {
        status,
        headers,
        body,
    }
}

/// Sends `request` as it is over a new connection; what the server answers until
/// it closes the connection (or 10 seconds pass).
async fn raw(files: &Files, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = files.server.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// `n` bytes that start like a PNG.
fn png_of(n: usize) -> Vec<u8> {
    let mut bytes = PNG.to_vec();
    bytes.resize(n, 7);
    bytes
}

fn default_limits() -> AttachmentOptions {
    AttachmentOptions::default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_png_named_html_is_stored_as_png_and_downloads_as_sent() {
    let files = Files::start(default_limits()).await;
    let token = files.server.token().await;
    let auth = bearer(&token);
    let conversation = files.conversation(&token, "tenant-1").await;
    let mut png = PNG.to_vec();
    png.extend_from_slice(b"and then some pixels");

    let reply = files
        .upload(
            Some(&auth),
            ADD_MESSAGE,
            json!({ "conversationId": conversation, "text": "Here is the screenshot." }),
            &[("evil.html", "text/html", png.clone())],
        )
        .await;
    let added = &reply.data()["addMessage"];
    assert_eq!(added["userErrors"], json!([]));
    let attached = &added["message"]["attachments"][0];
    assert_eq!(attached["fileName"], "evil.html");
    assert_eq!(attached["contentType"], "image/png", "sniffed, not claimed");
    assert_eq!(attached["size"], png.len());
    assert_eq!(attached["sha256"], sha256(&png));
    let expires: chrono::DateTime<chrono::Utc> =
        attached["urlExpiresAt"].as_str().unwrap().parse().unwrap();
    let ttl = expires - chrono::Utc::now();
    assert!(
        ttl > chrono::Duration::minutes(14)
            && ttl <= chrono::Duration::minutes(15) + chrono::Duration::seconds(1)
    );
    assert_eq!(files.objects().len(), 1);

    let response = files.download(attached["url"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-security-policy").starts_with("sandbox"));
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"evil.html\"; filename*=UTF-8''evil.html"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), png.as_slice());

    // A note with two files; names lose their folders and control characters.
    let text = b"plain words, no magic number".to_vec();
    let reply = files
        .upload(
            Some(&auth),
            ADD_NOTE,
            json!({ "conversationId": conversation, "body": "Logs attached." }),
            &[
                ("../../etc/\tnotes\u{202E}.txt", "image/png", text.clone()),
                (
                    "C:\\Users\\ada\\shot.png",
                    "application/x-evil",
                    png.clone(),
                ),
            ],
        )
        .await;
    let note = &reply.data()["addNote"]["note"];
    let attached = note["attachments"].as_array().unwrap();
    assert_eq!(attached.len(), 2);
    assert_eq!(attached[0]["fileName"], "notes.txt");
    assert_eq!(attached[0]["contentType"], "application/octet-stream");
    assert_eq!(attached[1]["fileName"], "shot.png");
    assert_eq!(attached[1]["contentType"], "image/png");
    let response = files.download(attached[0]["url"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), text.as_slice());
    assert_eq!(files.objects().len(), 3);
    assert_eq!(
        files.used("tenant-1").await,
        (2 * png.len() + text.len()) as i64
    );

    // Read back through the conversation and as a node.
    let id = attached[1]["id"].as_str().unwrap();
    let reply = files
        .server
        .post(
            Some(&token),
            r#"query($c: ID!, $a: ID!) {
              node(id: $c) { ... on Conversation {
                messages(last: 1) { nodes { attachments { fileName } } }
                notes(last: 1) { nodes { attachments { fileName } } } } }
              attachment: node(id: $a) { __typename ... on Attachment { fileName size } }
            }"#,
            json!({ "c": conversation, "a": id }),
        )
        .await;
    let data = reply.data();
    assert_eq!(
        data["node"]["messages"]["nodes"][0]["attachments"],
        json!([{ "fileName": "evil.html" }])
    );
    assert_eq!(
        data["node"]["notes"]["nodes"][0]["attachments"][1]["fileName"],
        "shot.png"
    );
    assert_eq!(
        data["attachment"],
        json!({ "__typename": "Attachment", "fileName": "shot.png", "size": png.len() })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn links_are_refused_when_tampered_expired_or_for_another_tenant() {
    let files = Files::start(default_limits()).await;
    let mut links = Vec::new();
    for tenant in ["tenant-1", "tenant-2"] {
        let token = files
            .server
            .token_for(tenant, crate::common::ALL_SCOPES)
            .await;
        let conversation = files.conversation(&token, tenant).await;
        let reply = files
            .upload(
                Some(&bearer(&token)),
                ADD_MESSAGE,
                json!({ "conversationId": conversation, "text": "See attached." }),
                &[("photo.png", "image/png", png_of(100))],
            )
            .await;
        let attached = reply.data()["addMessage"]["message"]["attachments"][0].clone();
        links.push((
            attached["id"].as_str().unwrap().to_owned(),
            attached["url"].as_str().unwrap().to_owned(),
        ));
    }
    let (own_id, own_url) = &links[0];
    let (foreign_id, foreign_url) = &links[1];
    assert_eq!(files.download(own_url).await.status(), 200);
    assert_eq!(files.download(foreign_url).await.status(), 200);

    let signature = own_url.rsplit_once("signature=").unwrap().1;
    let mut flipped = signature.to_owned();
    let last = if flipped.ends_with('A') { "B" } else { "A" };
    flipped.replace_range(flipped.len() - 1.., last);
    let key = |id: &str| parley::ids::decode(id).unwrap().1;
    let in_past = chrono::Utc::now().timestamp() - 60;
    let in_future = chrono::Utc::now().timestamp() + 600;
    let cases = [
        // The signature altered.
        (own_url.replace(signature, &flipped), 403, "FORBIDDEN"),
        // Tenant-1's link pointed at tenant-2's file.
        (
            own_url.replace(own_id.as_str(), foreign_id),
            403,
            "FORBIDDEN",
        ),
        // Tenant-1's link claiming to be tenant-2's.
        (
            own_url.replace("tenant=tenant-1", "tenant=tenant-2"),
            403,
            "FORBIDDEN",
        ),
        // Signed with another key.
        (
            Signer::new(b"someone else's key, 16+ bytes").path("tenant-1", key(own_id), in_future),
            403,
            "FORBIDDEN",
        ),
        // No signature at all.
        (format!("/attachments/{own_id}"), 403, "FORBIDDEN"),
        // Genuine but expired.
        (
            Signer::new(KEY).path("tenant-1", key(own_id), in_past),
            410,
            "FORBIDDEN",
        ),
    ];
    for (url, status, code) in cases {
        let refused = reply(files.download(&url).await).await;
        assert_eq!(refused.status, status, "{url}: {:#}", refused.body);
        assert_eq!(refused.code(), code);
    }
    // The key is the test's: a link it signs for the future opens the file.
    let made = Signer::new(KEY).path("tenant-1", key(own_id), in_future);
    assert_eq!(files.download(&made).await.status(), 200);

    // node(id:) does not cross tenants.
    let token = files.server.token().await;
    let reply = files
        .server
        .post(
            Some(&token),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": foreign_id }),
        )
        .await;
    assert_eq!(reply.data()["node"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn multipart_needs_a_writer_s_authorization_and_changes_nothing_without() {
    let files = Files::start(default_limits()).await;
    let token = files.server.token().await;
    let conversation = files.conversation(&token, "tenant-1").await;
    let input = json!({ "conversationId": conversation, "text": "From a form." });
    let file = [("x.png", "image/png", png_of(64))];
    let before = files.messages().await;

    // What a cross-site form can send: no Authorization, hence no preflight.
    let bare = files.upload(None, ADD_MESSAGE, input.clone(), &file).await;
    assert_eq!(bare.status, 400, "{:#}", bare.body);
    assert_eq!(bare.code(), "BAD_USER_INPUT");
    assert!(
        bare.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Authorization")
    );
    let forged = files
        .upload(
            Some("Bearer not-a-token"),
            ADD_MESSAGE,
            input.clone(),
            &file,
        )
        .await;
    assert_eq!(
        (forged.status.as_u16(), forged.code()),
        (401, "UNAUTHENTICATED")
    );
    let reader = files
        .server
        .token_for("tenant-1", "conversation:read ticket:read")
        .await;
    let read_only = files
        .upload(Some(&bearer(&reader)), ADD_MESSAGE, input.clone(), &file)
        .await;
    assert_eq!(
        (read_only.status.as_u16(), read_only.code()),
        (403, "FORBIDDEN")
    );
    assert_eq!(files.messages().await, before);
    assert!(files.objects().is_empty());

    // Other content types are still refused, and JSON works as before.
    let text = files
        .client
        .post(format!("{}/graphql", files.server.url))
        .header("Authorization", bearer(&token))
        .header("Content-Type", "text/plain")
        .body(json!({ "query": "{ conversations { totalCount } }" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
    files.assert_alive().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_requests_cannot_name_files_they_do_not_carry() {
    let files = Files::start(default_limits()).await;
    let token = files.server.token().await;
    let conversation = files.conversation(&token, "tenant-1").await;
    let before = files.messages().await;
    for placeholder in [
        "#__graphql_file__:0",
        "#__graphql_file__:x",
        "#__graphql_file__:99999999999999999999",
        "evil.png",
    ] {
        let input =
            json!({ "conversationId": conversation, "text": "Hi", "attachments": [placeholder] });
        let reply = files
            .server
            .post(Some(&token), ADD_MESSAGE, json!({ "input": input }))
            .await;
        assert_eq!(
            reply.code(),
            "BAD_USER_INPUT",
            "{placeholder}: {:#}",
            reply.body
        );
        // Written into the document rather than a variable.
        let inline = format!(
            r#"mutation {{ addMessage(input: {{ conversationId: "{conversation}", text: "Hi", attachments: ["{placeholder}"] }}) {{ message {{ id }} }} }}"#
        );
        let reply = files.server.post(Some(&token), &inline, json!({})).await;
        assert_eq!(
            reply.code(),
            "BAD_USER_INPUT",
            "{placeholder}: {:#}",
            reply.body
        );
    }
    assert_eq!(files.messages().await, before);
    files.assert_alive().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_limit_is_refused_clearly_and_the_server_still_answers() {
    let files = Files::start(AttachmentOptions {
        max_file_bytes: 1000,
        max_files: 2,
        tenant_quota_bytes: 2500,
        ..default_limits()
    })
    .await;
    let token = files.server.token().await;
    let auth = bearer(&token);
    let conversation = files.conversation(&token, "tenant-1").await;
    let input = json!({ "conversationId": conversation, "text": "Files." });
    let before = files.messages().await;

    // A file over the size limit: the whole request, before anything runs.
    let big = files
        .upload(
            Some(&auth),
            ADD_MESSAGE,
            input.clone(),
            &[("big.png", "image/png", png_of(1001))],
        )
        .await;
    assert_eq!(big.status, 413, "{:#}", big.body);
    assert_eq!(big.code(), "BAD_USER_INPUT");
    assert!(
        big.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1000 bytes")
    );
    files.assert_alive().await;

    // More files than a message may have.
    let three: Vec<_> = (0..3).map(|_| ("a.png", "image/png", png_of(10))).collect();
    let many = files
        .upload(Some(&auth), ADD_MESSAGE, input.clone(), &three)
        .await;
    let errors = &many.data()["addMessage"]["userErrors"];
    assert_eq!(errors[0]["code"], "LIMIT_EXCEEDED", "{errors:#}");
    assert_eq!(errors[0]["field"], json!(["input", "attachments"]));
    files.assert_alive().await;

    // A body declared larger than a request with files may send: refused from its
    // head alone (two files and their parts' room, plus the JSON body's 1 MiB).
    let limit = 2 * (1000 + 1024) + 1024 * 1024;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: parley\r\nAuthorization: {auth}\r\n\
         Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: {}\r\n\r\n",
        limit + 1
    );
    let answer = raw(&files, &head).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains(&format!("at most {limit} bytes")),
        "{answer}"
    );
    assert_eq!(files.messages().await, before);
    assert!(files.objects().is_empty());
    files.assert_alive().await;

    // The tenant's quota: 2,000 of 2,500 bytes fit, 600 more do not.
    let two = [
        ("a.png", "image/png", png_of(1000)),
        ("b.png", "image/png", png_of(1000)),
    ];
    let kept = files
        .upload(Some(&auth), ADD_MESSAGE, input.clone(), &two)
        .await;
    assert_eq!(kept.data()["addMessage"]["userErrors"], json!([]));
    let over = files
        .upload(
            Some(&auth),
            ADD_NOTE,
            json!({ "conversationId": conversation, "body": "More." }),
            &[("c.png", "image/png", png_of(600))],
        )
        .await;
    let refused = &over.data()["addNote"];
    assert_eq!(refused["note"], Value::Null);
    assert_eq!(refused["userErrors"][0]["code"], "LIMIT_EXCEEDED");
    assert!(
        refused["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2500")
    );
    assert_eq!(files.used("tenant-1").await, 2000);
    assert_eq!(files.objects().len(), 2, "the refused file was deleted");
    assert_eq!(files.rows().await, 2);
    // Another tenant has a quota of its own.
    let other = files
        .server
        .token_for("tenant-2", crate::common::ALL_SCOPES)
        .await;
    let elsewhere = files.conversation(&other, "tenant-2").await;
    let theirs = files
        .upload(
            Some(&bearer(&other)),
            ADD_MESSAGE,
            json!({ "conversationId": elsewhere, "text": "Mine." }),
            &[("d.png", "image/png", png_of(600))],
        )
        .await;
    assert_eq!(theirs.data()["addMessage"]["userErrors"], json!([]));
    files.assert_alive().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_uploads_cannot_pass_the_quota_together() {
    let folder = tempfile::tempdir().unwrap();
    let limits = AttachmentOptions {
        max_file_bytes: 1000,
        tenant_quota_bytes: 4000,
        max_concurrent_uploads: 16,
        ..default_limits()
    };
    let config = Config {
        options: HttpOptions {
            max_concurrent_requests: Some(0),
            ..options(folder.path(), limits)
        },
        ..Config::racing(10)
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(1)
        .config(config)
        .start()
        .await;
    let files = Files::with(server, folder);
    let token = files.server.token().await;
    let auth = bearer(&token);
    let mut conversations = Vec::new();
    for _ in 0..4 {
        conversations.push(files.conversation(&token, "tenant-1").await);
    }
    // A first upload, so that the racing ones all find the tenant's usage row.
    let input = json!({ "conversationId": conversations[0], "text": "First." });
    let first = files
        .upload(
            Some(&auth),
            ADD_MESSAGE,
            input,
            &[("first.png", "image/png", png_of(1000))],
        )
        .await;
    assert_eq!(first.data()["addMessage"]["userErrors"], json!([]));
    let uploads = (0..8).map(|i| {
        let input =
            json!({ "conversationId": conversations[i % 4], "text": format!("Upload {i}") });
        let file = [("part.png", "image/png", png_of(1000))];
        let (files, auth) = (&files, &auth);
        async move { files.upload(Some(auth), ADD_MESSAGE, input, &file).await }
    });
    let replies = futures_util::future::join_all(uploads).await;
    let mut kept = 0;
    for reply in &replies {
        let payload = &reply.data()["addMessage"];
        match payload["userErrors"].as_array().unwrap().first() {
            None => kept += 1,
            Some(error) => assert_eq!(error["code"], "LIMIT_EXCEEDED", "{payload:#}"),
        }
    }
    assert_eq!(kept, 3, "exactly the quota's worth was kept");
    assert_eq!(files.used("tenant-1").await, 4000);
    assert_eq!(files.rows().await, 4);
    // The refused uploads' objects are deleted before they are answered.
    assert_eq!(files.objects().len(), 4);
    files.assert_alive().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_write_or_a_replay_leaves_no_object_behind() {
    let files = Files::start(default_limits()).await;
    let token = files.server.token().await;
    let auth = bearer(&token);
    let conversation = files.conversation(&token, "tenant-1").await;
    let file = [("x.png", "image/png", png_of(64))];

    // A message the rules refuse (no text), and one to a closed conversation.
    let empty = files
        .upload(
            Some(&auth),
            ADD_MESSAGE,
            json!({ "conversationId": conversation, "text": " " }),
            &file,
        )
        .await;
    assert_eq!(
        empty.data()["addMessage"]["userErrors"][0]["code"],
        "INVALID_VALUE"
    );
    let closed = files
        .server
        .post(
            Some(&token),
            "mutation($id: ID!) { closeConversation(input: { conversationId: $id }) { userErrors { code } } }",
            json!({ "id": conversation }),
        )
        .await;
    assert_eq!(closed.data()["closeConversation"]["userErrors"], json!([]));
    let late = files
        .upload(
            Some(&auth),
            ADD_MESSAGE,
            json!({ "conversationId": conversation, "text": "Too late" }),
            &file,
        )
        .await;
    assert_eq!(
        late.data()["addMessage"]["userErrors"][0]["code"],
        "CONVERSATION_CLOSED"
    );
    assert!(files.objects().is_empty());
    assert_eq!(files.used("tenant-1").await, 0);

    // The same idempotency key twice: one message, one object.
    let input =
        json!({ "conversationId": conversation, "body": "Once.", "idempotencyKey": "note-1" });
    let first = files
        .upload(Some(&auth), ADD_NOTE, input.clone(), &file)
        .await;
    let again = files
        .upload(Some(&auth), ADD_NOTE, input.clone(), &file)
        .await;
    assert_eq!(
        first.data()["addNote"]["note"]["id"],
        again.data()["addNote"]["note"]["id"]
    );
    assert_eq!(files.objects().len(), 1);
    assert_eq!(files.rows().await, 1);
    // Another file under the same key is another request.
    let other = files
        .upload(
            Some(&auth),
            ADD_NOTE,
            input,
            &[("y.png", "image/png", png_of(65))],
        )
        .await;
    assert_eq!(
        other.data()["addNote"]["userErrors"][0]["code"],
        "IDEMPOTENCY_KEY_REUSED"
    );
    assert_eq!(files.objects().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymization_deletes_the_files_and_frees_the_quota() {
    let files = Files::start(default_limits()).await;
    let token = files.server.token().await;
    let auth = bearer(&token);
    let file = || [("x.png", "image/png", png_of(100))];

    // A conversation with a message's file and a note's.
    let conversation = files.conversation(&token, "tenant-1").await;
    let message = files
        .upload(
            Some(&auth),
            ADD_MESSAGE,
            json!({ "conversationId": conversation, "text": "Mine." }),
            &file(),
        )
        .await;
    let url = message.data()["addMessage"]["message"]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    files
        .upload(
            Some(&auth),
            ADD_NOTE,
            json!({ "conversationId": conversation, "body": "Ours." }),
            &file(),
        )
        .await
        .data();
    // Another conversation, whose one message is anonymized alone.
    let second = files.conversation(&token, "tenant-1").await;
    let alone = files
        .upload(
            Some(&auth),
            ADD_MESSAGE,
            json!({ "conversationId": second, "text": "Erase me." }),
            &file(),
        )
        .await;
    let alone_id = alone.data()["addMessage"]["message"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(files.objects().len(), 3);
    assert_eq!(files.used("tenant-1").await, 300);

    let reply = files
        .server
        .post(
            Some(&token),
            "mutation($id: ID!) { anonymizeConversation(input: { conversationId: $id, force: true }) { userErrors { code } } }",
            json!({ "id": conversation }),
        )
        .await;
    assert_eq!(
        reply.data()["anonymizeConversation"]["userErrors"],
        json!([])
    );
    assert_eq!(
        files.objects().len(),
        1,
        "the conversation's files are gone"
    );
    assert_eq!(files.used("tenant-1").await, 100);
    let response = files.download(&url).await;
    assert_eq!(response.status(), 404, "a genuine link to a deleted file");

    let reply = files
        .server
        .post(
            Some(&token),
            "mutation($id: ID!) { anonymizeMessage(input: { messageId: $id }) { message { attachments { id } } userErrors { code } } }",
            json!({ "id": alone_id }),
        )
        .await;
    assert_eq!(
        reply.data()["anonymizeMessage"]["message"]["attachments"],
        json!([])
    );
    assert!(files.objects().is_empty());
    assert_eq!(files.used("tenant-1").await, 0);
    assert_eq!(files.rows().await, 0);

    // Erasing a person deletes the files of the conversations they requested.
    let third = files.conversation(&token, "tenant-1").await;
    files
        .upload(
            Some(&auth),
            ADD_MESSAGE,
            json!({ "conversationId": third, "text": "Bye." }),
            &file(),
        )
        .await
        .data();
    let requester = contact::Entity::find()
        .filter(contact::Column::TenantId.eq("tenant-1"))
        .order_by_asc(contact::Column::Id)
        .one(&files.server.db)
        .await
        .unwrap()
        .unwrap();
    let reply = files
        .server
        .post(
            Some(&token),
            "mutation($id: ID!) { anonymizeContact(input: { contactId: $id, force: true }) { userErrors { code } } }",
            json!({ "id": gid(NodeKind::Contact, requester.id) }),
        )
        .await;
    assert_eq!(reply.data()["anonymizeContact"]["userErrors"], json!([]));
    assert!(files.objects().is_empty());
    assert_eq!(files.used("tenant-1").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_may_only_write_sees_no_link() {
    let files = Files::start(default_limits()).await;
    let writer = files
        .server
        .token_for("tenant-1", "conversation:write")
        .await;
    let token = files.server.token().await;
    let conversation = files.conversation(&token, "tenant-1").await;
    let query = r#"mutation($input: AddMessageInput!) {
      addMessage(input: $input) {
        message { id }
        leaked: message { attachments { id fileName url urlExpiresAt } }
      }
    }"#;
    let reply = files
        .upload(
            Some(&bearer(&writer)),
            query,
            json!({ "conversationId": conversation, "text": "Blind upload." }),
            &[("x.png", "image/png", png_of(100))],
        )
        .await;
    assert_eq!(reply.code(), "FORBIDDEN");
    let payload = &reply.body["data"]["addMessage"];
    assert!(
        payload["message"]["id"].is_string(),
        "the id stays readable: {:#}",
        reply.body
    );
    assert_eq!(payload["leaked"], Value::Null);
    assert!(!reply.body.to_string().contains("/attachments/"));
    assert_eq!(files.objects().len(), 1, "the write itself was allowed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multipart_body_sent_too_slowly_is_cut_off() {
    let folder = tempfile::tempdir().unwrap();
    let server = TestServer::builder()
        .tenants(1)
        .conversations(1)
        .options(HttpOptions {
            body_read_timeout: Duration::from_secs(1),
            ..options(folder.path(), default_limits())
        })
        .start()
        .await;
    let files = Files::with(server, folder);
    let token = files.server.token().await;
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 100000\r\n\r\n\
         --XYZ\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{{\"query\":"
    );
    let started = std::time::Instant::now();
    let answer = raw(&files, &head).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(files.objects().is_empty());
    files.assert_alive().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn more_uploads_at_once_than_the_process_holds_are_refused_then_taken_again() {
    use tokio::io::AsyncWriteExt;
    let limits = AttachmentOptions {
        max_concurrent_uploads: 3,
        ..default_limits()
    };
    let files = Files::start(limits).await;
    let token = files.server.token().await;
    let conversation = files.conversation(&token, "tenant-1").await;
    // Uploads whose bodies have only begun: each holds a turn.
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 100000\r\n\r\n\
         --XYZ\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{{\"query\":"
    );
    let address = files.server.url.trim_start_matches("http://").to_owned();
    let mut slow = Vec::new();
    for _ in 0..3 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let input = json!({ "conversationId": conversation, "text": "One too many." });
    let file = [("photo.png", "image/png", png_of(100))];
    let refused = files
        .upload(Some(&bearer(&token)), ADD_MESSAGE, input.clone(), &file)
        .await;
    assert_eq!(refused.status, 503, "{:#}", refused.body);
    assert_eq!(refused.code(), "SERVICE_UNAVAILABLE");
    assert_eq!(refused.headers["retry-after"], "1");
    assert!(files.objects().is_empty());
    // JSON requests are not held up meanwhile.
    files.assert_alive().await;

    // The slow uploads give up: their turns come back.
    drop(slow);
    let mut accepted = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let reply = files
            .upload(Some(&bearer(&token)), ADD_MESSAGE, input.clone(), &file)
            .await;
        if reply.status == 200 {
            accepted = Some(reply);
            break;
        }
    }
    let accepted = accepted.expect("an upload is taken once the slow ones are gone");
    assert_eq!(payload(&accepted, "addMessage")["userErrors"], json!([]));
    assert_eq!(files.objects().len(), 1);
}
