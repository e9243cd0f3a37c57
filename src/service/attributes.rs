//! Custom attributes: the tenant's definitions (`defineCustomAttribute`,
//! `updateCustomAttributeDefinition`) and `setCustomAttributes`, each value checked
//! against its definition, all or nothing.
//!
//! A definition's identifier and kind never change (values are stored under them);
//! its name does, and a SELECT's options may be added to, renamed only by adding
//! and removing, and an option still chosen on a conversation is not removed. The
//! definition's row lock (taken by an update, shared by `setCustomAttributes`)
//! keeps a concurrent write from choosing an option as it is removed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::enums::{ActivityType, AttributeKind};
use entity::{conversation, conversation_attribute_value as value, custom_attribute_definition};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, NotSet, QueryFilter,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::activity::{self, Detail};
use super::conversations::touch;
use super::idempotency::{self, Key};
use super::rules::{MAX_NAME, check_open, check_unchanged, find_conversation, find_in, invalid};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Error, Result, UserError, UserErrorCode};

/// Longest value of a TEXT attribute, in characters.
pub const MAX_ATTRIBUTE_TEXT: usize = 1000;
/// Longest identifier of a definition.
pub const MAX_IDENTIFIER: usize = 64;
/// Most options of a SELECT definition.
pub const MAX_OPTIONS: usize = 100;

/// What `define` is asked to make.
#[derive(Debug, Serialize)]
pub struct NewDefinition {
    pub identifier: String,
    pub name: String,
    pub kind: AttributeKind,
    pub options: Vec<String>,
}

/// What `redefine` is asked to change; `None` leaves it alone.
pub struct DefinitionChanges {
    pub definition_id: i64,
    pub name: Option<String>,
    /// The SELECT's options from now on.
    pub options: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize)]
struct Defined {
    definition: i64,
}

/// A machine name: a lowercase letter, then lowercase letters, digits and `_`.
fn valid_identifier(identifier: &str) -> Result<String> {
    let mut chars = identifier.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && identifier.len() <= MAX_IDENTIFIER;
    if !well_formed {
        return Err(invalid(
            &["identifier"],
            format!(
                "an identifier is a lowercase letter, then lowercase letters, digits and `_` \
                 (at most {MAX_IDENTIFIER} characters), e.g. `order_id`"
            ),
        ));
    }
    Ok(identifier.to_owned())
}

fn valid_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(invalid(
            &["name"],
            format!("a name is 1 to {MAX_NAME} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// A SELECT's options as stored (a JSON list): 1 to [`MAX_OPTIONS`] distinct,
/// trimmed, non-empty texts; a TEXT attribute has none.
fn valid_options(kind: AttributeKind, options: &[String]) -> Result<String> {
    let mut kept: Vec<String> = Vec::new();
    for option in options {
        let option = option.trim();
        if option.is_empty() || option.chars().count() > MAX_NAME {
            return Err(invalid(
                &["options"],
                format!("an option is 1 to {MAX_NAME} characters"),
            ));
        }
        if kept.iter().any(|k| k == option) {
            return Err(invalid(&["options"], format!("`{option}` is listed twice")));
        }
        kept.push(option.to_owned());
    }
    match kind {
        AttributeKind::Text if !kept.is_empty() => {
            Err(invalid(&["options"], "a TEXT attribute has no options"))
        }
        AttributeKind::Select if kept.is_empty() || kept.len() > MAX_OPTIONS => Err(invalid(
            &["options"],
            format!("a SELECT attribute has 1 to {MAX_OPTIONS} options"),
        )),
        _ => Ok(serde_json::to_string(&kept).map_err(|e| Error::Internal(e.to_string()))?),
    }
}

/// Defines a custom attribute for the tenant's conversations (idempotently when
/// the client sends a key). An identifier the tenant uses already is DUPLICATE_NAME
/// (the unique index decides, also between concurrent requests).
pub async fn define(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewDefinition,
    idempotency_key: Option<&str>,
) -> Result<custom_attribute_definition::Model> {
    let key = Key::new(idempotency_key, "createCustomAttributeDefinition", &input)?;
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    if let Some(key) = &key
        && let Some(Defined { definition }) = idempotency::reserve(&tx, viewer, key).await?
    {
        return find_definition(&tx, tenant, definition).await;
    }
    let identifier = valid_identifier(&input.identifier)?;
    let name = valid_name(&input.name)?;
    let options = valid_options(input.kind, &input.options)?;
    let defined = custom_attribute_definition::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.to_owned()),
        identifier: Set(identifier),
        name: Set(name),
        kind: Set(input.kind),
        options: Set(options),
        created_at: Set(now()),
    }
    .insert(&tx)
    .await?;
    if let Some(key) = &key {
        let done = Defined {
            definition: defined.id,
        };
        idempotency::remember(&tx, viewer, key, &done).await?;
    }
    tx.commit().await?;
    Ok(defined)
}

/// Renames a definition or changes a SELECT's options. An option still chosen on a
/// conversation cannot be removed (INVALID_VALUE naming it and how often).
pub async fn redefine(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: DefinitionChanges,
) -> Result<custom_attribute_definition::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let current = scoped::<custom_attribute_definition::Entity>(tenant)
        .filter(custom_attribute_definition::Column::Id.eq(input.definition_id))
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or_else(|| Error::NotFound("custom attribute definition".into()))?;
    let mut row = <custom_attribute_definition::ActiveModel as Default>::default();
    if let Some(name) = input.name {
        let name = valid_name(&name)?;
        if name != current.name {
            row.name = Set(name);
        }
    }
    if let Some(options) = input.options {
        let stored = valid_options(current.kind, &options)?;
        let kept: Vec<String> = serde_json::from_str(&stored).unwrap_or_default();
        let removed: Vec<String> = serde_json::from_str::<Vec<String>>(&current.options)
            .unwrap_or_default()
            .into_iter()
            .filter(|o| !kept.contains(o))
            .collect();
        check_unchosen(&tx, tenant, current.id, &removed).await?;
        if stored != current.options {
            row.options = Set(stored);
        }
    }
    if !row.is_changed() {
        return Ok(current);
    }
    custom_attribute_definition::Entity::update_many()
        .set(row)
        .filter(custom_attribute_definition::Column::TenantId.eq(tenant))
        .filter(custom_attribute_definition::Column::Id.eq(current.id))
        .exec(&tx)
        .await?;
    let updated = find_definition(&tx, tenant, current.id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Refuses to remove options that conversations still have chosen.
async fn check_unchosen(
    tx: &sea_orm::DatabaseTransaction,
    tenant: &str,
    definition_id: i64,
    removed: &[String],
) -> Result<()> {
    if removed.is_empty() {
        return Ok(());
    }
    let chosen: Vec<String> = scoped::<value::Entity>(tenant)
        .filter(value::Column::DefinitionId.eq(definition_id))
        .select_only()
        .column(value::Column::Values)
        .into_tuple()
        .all(tx)
        .await?;
    for option in removed {
        let uses = chosen
            .iter()
            .filter(|values| {
                serde_json::from_str::<Vec<String>>(values).is_ok_and(|v| v.contains(option))
            })
            .count();
        if uses > 0 {
            return Err(invalid(
                &["options"],
                format!("`{option}` is chosen on {uses} conversation(s); change them first"),
            ));
        }
    }
    Ok(())
}

/// The definition `id` of the tenant, or NOT_FOUND.
async fn find_definition(
    tx: &sea_orm::DatabaseTransaction,
    tenant: &str,
    id: i64,
) -> Result<custom_attribute_definition::Model> {
    find_in::<custom_attribute_definition::Entity>(tx, tenant, id, "custom attribute definition")
        .await
}

/// One attribute's new value; no text and no values removes it.
pub struct AttributeValue {
    pub definition_id: i64,
    /// The value of a TEXT attribute.
    pub text: Option<String>,
    /// The chosen options of a SELECT attribute.
    pub values: Option<Vec<String>>,
}

/// What `set` is asked to do.
pub struct SetAttributes {
    pub conversation_id: i64,
    pub values: Vec<AttributeValue>,
    pub expected_updated_at: Option<DateTime<Utc>>,
}

/// The conversation after the change, or every item that refused it (then nothing
/// was written).
pub type Outcome = std::result::Result<conversation::Model, Vec<UserError>>;

/// A checked value: `None` removes the attribute, else (text, JSON list of values).
type Planned = Option<(Option<String>, String)>;

/// Sets (or removes) custom attribute values of a conversation. Every item is
/// checked against its definition first: TEXT takes `text` (at most 1000
/// characters), SELECT takes `values` among the definition's options. One bad item
/// and nothing is written.
pub async fn set(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: SetAttributes,
) -> Result<Outcome> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = find_conversation(&tx, tenant, input.conversation_id).await?;
    let ids: Vec<i64> = input.values.iter().map(|v| v.definition_id).collect();
    let definitions: HashMap<i64, custom_attribute_definition::Model> =
        scoped::<custom_attribute_definition::Entity>(tenant)
            .filter(custom_attribute_definition::Column::Id.is_in(ids.clone()))
            .lock_shared()
            .all(&tx)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
    if ids.iter().any(|id| !definitions.contains_key(id)) {
        return Err(Error::NotFound("custom attribute definition".into()));
    }
    check_unchanged(conv.updated_at, input.expected_updated_at)?;
    check_open(&conv)?;

    let mut problems = Vec::new();
    let mut plan: Vec<(i64, Planned)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, item) in input.values.into_iter().enumerate() {
        let index = i.to_string();
        let refuse = |field: &str, message: String| {
            UserError::new(
                UserErrorCode::InvalidValue,
                &["values", &index, field],
                message,
            )
        };
        if !seen.insert(item.definition_id) {
            problems.push(refuse(
                "definitionId",
                "this attribute is given twice".into(),
            ));
            continue;
        }
        let Some(definition) = definitions.get(&item.definition_id) else {
            continue;
        };
        match check(definition, item) {
            Ok(planned) => plan.push((definition.id, planned)),
            Err((field, message)) => problems.push(refuse(field, message)),
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }

    let current: HashMap<i64, value::Model> = scoped::<value::Entity>(tenant)
        .filter(value::Column::ConversationId.eq(conv.id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|v| (v.definition_id, v))
        .collect();
    let at = now();
    let mut changed = false;
    for (definition_id, planned) in plan {
        let old = current.get(&definition_id);
        match planned {
            None if old.is_none() => {}
            None => {
                value::Entity::delete_many()
                    .filter(value::Column::TenantId.eq(tenant))
                    .filter(value::Column::ConversationId.eq(conv.id))
                    .filter(value::Column::DefinitionId.eq(definition_id))
                    .exec(&tx)
                    .await?;
                changed = true;
            }
            Some((text, values)) if old.is_some_and(|o| o.text == text && o.values == values) => {}
            Some((text, values)) => {
                let row = value::ActiveModel {
                    tenant_id: Set(tenant.to_owned()),
                    conversation_id: Set(conv.id),
                    definition_id: Set(definition_id),
                    text: Set(text),
                    values: Set(values),
                    updated_at: Set(at),
                };
                value::Entity::insert(row)
                    .on_conflict(
                        OnConflict::columns([
                            value::Column::ConversationId,
                            value::Column::DefinitionId,
                        ])
                        .update_columns([
                            value::Column::Text,
                            value::Column::Values,
                            value::Column::UpdatedAt,
                        ])
                        .to_owned(),
                    )
                    .exec_without_returning(&tx)
                    .await?;
                changed = true;
            }
        }
    }
    if !changed {
        return Ok(Ok(conv));
    }
    touch(&tx, tenant, conv.id, at, true).await?;
    activity::record(
        &tx,
        viewer,
        Some(conv.id),
        ActivityType::AttributesChanged,
        Detail::default(),
    )
    .await?;
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    Ok(Ok(conv))
}

/// One item against its definition: what to store, or (field, why not).
fn check(
    definition: &custom_attribute_definition::Model,
    item: AttributeValue,
) -> std::result::Result<Planned, (&'static str, String)> {
    let text = item
        .text
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    let values = item.values.unwrap_or_default();
    match definition.kind {
        AttributeKind::Text => {
            if !values.is_empty() {
                return Err((
                    "values",
                    "a TEXT attribute takes `text`, not `values`".into(),
                ));
            }
            if let Some(text) = &text
                && text.chars().count() > MAX_ATTRIBUTE_TEXT
            {
                return Err(("text", format!("at most {MAX_ATTRIBUTE_TEXT} characters")));
            }
            Ok(text.map(|t| (Some(t), "[]".to_owned())))
        }
        AttributeKind::Select => {
            if text.is_some() {
                return Err((
                    "text",
                    "a SELECT attribute takes `values`, not `text`".into(),
                ));
            }
            let options: Vec<String> =
                serde_json::from_str(&definition.options).unwrap_or_default();
            let mut chosen: Vec<String> = Vec::new();
            for v in values {
                if !options.contains(&v) {
                    return Err((
                        "values",
                        format!("`{v}` is not one of the options {options:?}"),
                    ));
                }
                if !chosen.contains(&v) {
                    chosen.push(v);
                }
            }
            if chosen.is_empty() {
                return Ok(None);
            }
            let json = serde_json::to_string(&chosen).map_err(|e| ("values", e.to_string()))?;
            Ok(Some((None, json)))
        }
    }
}
