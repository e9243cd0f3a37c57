//! schema.graphql is the code's SDL, and every part of it is described.

use async_graphql_parser::parse_schema;
use async_graphql_parser::types::{TypeKind, TypeSystemDefinition};

use crate::common::TestServer;

#[test]
fn schema_file_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let file = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        file == parley::graphql::sdl(),
        "schema.graphql is out of date; regenerate it with: cargo run -- schema > schema.graphql"
    );
}

#[test]
fn every_type_field_argument_and_enum_value_is_described() {
    let doc = parse_schema(parley::graphql::sdl()).expect("the SDL parses");
    let mut missing = Vec::new();
    for definition in doc.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = ty.node;
        let name = ty.name.node.to_string();
        if ty.description.is_none() {
            missing.push(name.clone());
        }
        let fields = match &ty.kind {
            TypeKind::Object(o) => o.fields.iter().map(|f| &f.node).collect(),
            TypeKind::Interface(i) => i.fields.iter().map(|f| &f.node).collect(),
            _ => Vec::new(),
        };
        for field in fields {
            if field.description.is_none() {
                missing.push(format!("{name}.{}", field.name.node));
            }
            for arg in &field.arguments {
                if arg.node.description.is_none() {
                    missing.push(format!(
                        "{name}.{}({})",
                        field.name.node, arg.node.name.node
                    ));
                }
            }
        }
        match &ty.kind {
            TypeKind::Enum(e) => missing.extend(
                e.values
                    .iter()
                    .filter(|v| v.node.description.is_none())
                    .map(|v| format!("{name}.{}", v.node.value.node)),
            ),
            TypeKind::InputObject(i) => missing.extend(
                i.fields
                    .iter()
                    .filter(|f| f.node.description.is_none())
                    .map(|f| format!("{name}.{}", f.node.name.node)),
            ),
            _ => {}
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_serves_its_sdl_and_health() {
    let server = TestServer::start(0, 0).await;
    let sdl = server.get("/schema.graphql").await.text().await.unwrap();
    assert_eq!(sdl, parley::graphql::sdl());
    assert_eq!(server.get("/healthz").await.status(), 200);
    assert_eq!(server.get("/readyz").await.status(), 200);
    let page = server.get("/").await.text().await.unwrap();
    assert!(page.contains("graphiql"), "GraphiQL page");
}
