//! When things go wrong around the gateway: the pool runs dry, PostgreSQL goes
//! away and comes back, the process is told to stop under load.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use sea_orm::{EntityTrait, TransactionTrait};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{Config, TestDb, TestServer, parley, serve_demo};

const COUNT: &str = "{ conversations(first: 1) { totalCount } }";

#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_pool_queues_briefly_then_fails_clearly() {
    let config = Config {
        pool_size: 2,
        acquire_timeout: Duration::from_secs(1),
        ..Config::default()
    };
    let server = TestServer::builder()
        .tenants(1)
        .conversations(3)
        .config(config)
        .start()
        .await;
    let token = server.token().await;
    server.post(Some(&token), COUNT, json!({})).await.data();

    // The test takes every connection the pool will give (on PostgreSQL the
    // subscriptions' listener holds one).
    let mut held = Vec::new();
    while let Ok(transaction) = server.db.begin().await {
        held.push(transaction);
    }
    assert!(!held.is_empty());
    let started = Instant::now();
    let reply = server.post(Some(&token), COUNT, json!({})).await;
    assert_eq!(reply.code(), "SERVICE_UNAVAILABLE", "{}", reply.body);
    let message = reply.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("unavailable"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it did not hang"
    );

    for transaction in held {
        transaction.rollback().await.unwrap();
    }
    server.post(Some(&token), COUNT, json!({})).await.data();
}

/// A PostgreSQL cluster of the test's own, which it can stop and start.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    fn new() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries in /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster { dir, bin, port };
        // PostgreSQL refuses to run as root.
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(cluster.dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let data = cluster.data();
        cluster.run("initdb", &["-A", "trust", "-U", "postgres", "-D", &data]);
        cluster.start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let output = command.args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        let data = self.data();
        self.run(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        );
    }

    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

fn is_root() -> bool {
    Path::new("/proc/self").metadata().is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn postgresql_going_away_fails_fast_and_service_recovers_by_itself() {
    let cluster = Cluster::new();
    let config = Config {
        acquire_timeout: Duration::from_secs(1),
        ..Config::default()
    };
    let server = TestServer::builder()
        .database(TestDb::at(cluster.url()))
        .tenants(1)
        .conversations(3)
        .config(config)
        .start()
        .await;
    let token = server.token().await;
    server.post(Some(&token), COUNT, json!({})).await.data();
    assert_eq!(server.get("/readyz").await.status(), 200);

    cluster.stop();
    for _ in 0..3 {
        let started = Instant::now();
        let reply = server.post(Some(&token), COUNT, json!({})).await;
        assert_eq!(reply.code(), "SERVICE_UNAVAILABLE", "{}", reply.body);
        assert!(started.elapsed() < Duration::from_secs(5), "it failed fast");
    }
    assert_eq!(server.get("/readyz").await.status(), 503);

    cluster.start();
    let back = Instant::now();
    loop {
        let reply = server.post(Some(&token), COUNT, json!({})).await;
        if reply.body["errors"].is_null() {
            break;
        }
        assert_eq!(reply.code(), "SERVICE_UNAVAILABLE", "{}", reply.body);
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "service came back within seconds"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(server.get("/readyz").await.status(), 200);
}

const ADD_NOTE: &str = "mutation($input: AddNoteInput!) { addNote(input: $input) { note { id body } userErrors { code } } }";
const NOTES_ADDED: &str =
    "subscription { conversationEvents(types: [NOTE_ADDED]) { note { body } } }";

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_under_load_loses_no_acknowledged_write_or_its_event() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("parley.db");
    let (running, url, authorization) = serve_demo(
        parley()
            .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
            .env(
                "DATABASE_URL",
                format!("sqlite://{}?mode=rwc", db_path.display()),
            ),
    );
    let client = reqwest::Client::new();
    let post = |body: Value| {
        client
            .post(format!("{url}/graphql"))
            .header("Authorization", &authorization)
            .json(&body)
            .send()
    };
    let conversations: Value =
        post(json!({ "query": "{ conversations(first: 8) { nodes { id } } }" }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let ids: Vec<String> = conversations["data"]["conversations"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();

    // A subscriber to every note.
    let token = authorization.strip_prefix("Bearer ").unwrap();
    let (mut socket, ack) = crate::subscriptions::connect(&url, token).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": NOTES_ADDED } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    let received = tokio::spawn(async move {
        let (mut bodies, mut completed, mut close) = (HashSet::new(), false, None);
        while let Ok(Some(Ok(message))) =
            tokio::time::timeout(Duration::from_secs(30), socket.next()).await
        {
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    match value["type"].as_str() {
                        Some("next") => {
                            let body =
                                &value["payload"]["data"]["conversationEvents"]["note"]["body"];
                            bodies.insert(body.as_str().unwrap().to_owned());
                        }
                        Some("complete") => completed = true,
                        _ => {}
                    }
                }
                Message::Close(frame) => {
                    close = frame.map(|f| u16::from(f.code));
                    break;
                }
                _ => {}
            }
        }
        (bodies, completed, close)
    });
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Eight writers add notes until the server stops answering.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(w, id)| {
            let (client, url, authorization) = (client.clone(), url.clone(), authorization.clone());
            let (id, acknowledged) = (id.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    let body = format!("writer {w}, note {n}");
                    let input = json!({ "conversationId": id, "body": body });
                    let sent = client
                        .post(format!("{url}/graphql"))
                        .header("Authorization", &authorization)
                        .json(&json!({ "query": ADD_NOTE, "variables": { "input": input } }))
                        .send()
                        .await;
                    let Ok(response) = sent else { break };
                    let Ok(reply) = response.json::<Value>().await else {
                        break;
                    };
                    let note = &reply["data"]["addNote"]["note"];
                    assert_eq!(note["body"], body.as_str(), "{reply}");
                    acknowledged.lock().unwrap().push(body);
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let status = running.terminate().await;
    assert!(status.success(), "the server exits cleanly: {status}");
    for writer in writers {
        writer.await.unwrap();
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 8,
        "the writers got going: {}",
        acknowledged.len()
    );
    let db = sea_orm::Database::connect(format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    let stored: HashSet<String> = entity::note::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.body)
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|b| !stored.contains(*b))
        .collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");

    let (bodies, completed, close) = received.await.unwrap();
    let missed: Vec<_> = acknowledged
        .iter()
        .filter(|b| !bodies.contains(*b))
        .collect();
    assert!(
        missed.is_empty(),
        "events not delivered before closing: {missed:?}"
    );
    assert!(completed, "the subscription completed");
    assert_eq!(close, Some(1001), "the socket closed as going away");
}
