//! `setCustomAttributes`: each value checked against its definition, all or nothing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::enums::{ActivityType, AttributeKind};
use entity::{conversation, conversation_attribute_value as value, custom_attribute_definition};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::activity::{self, Detail};
use super::conversations::touch;
use super::rules::{check_open, check_unchanged, find_conversation};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Error, Result, UserError, UserErrorCode};

/// Longest value of a TEXT attribute, in characters.
pub const MAX_ATTRIBUTE_TEXT: usize = 1000;

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
