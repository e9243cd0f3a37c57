//! Tags that label the same tickets and conversations as a tag, most shared first.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{conversation_tag, ticket_tag};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, IntoIden, JoinType, Query, SelectStatement, UnionType,
};
use sea_orm::{EntityTrait, FromQueryResult, IdenStatic, StatementBuilder};

use super::{DbLoader, LoadError, by_tenant};

/// Key: the tags that co-occur with `tag`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SimilarTags {
    pub tenant: Arc<str>,
    pub tag: i64,
}

/// A tag that shares `shared` tickets or conversations with the key's tag.
#[derive(Debug, Clone, FromQueryResult)]
pub struct SharedTag {
    tag: i64,
    pub other: i64,
    pub shared: i64,
}

/// Pairs of tags on the same item of one link table (`item` is the ticket or conversation column).
fn pairs<E: EntityTrait>(
    tenant: &str,
    tags: &[i64],
    item: impl IdenStatic,
    tag: impl IdenStatic,
    tenant_col: impl IdenStatic,
) -> SelectStatement {
    let (a, b) = (Alias::new("a"), Alias::new("b"));
    Query::select()
        .expr_as(Expr::col((a.clone(), tag)), Alias::new("tag"))
        .expr_as(Expr::col((b.clone(), tag)), Alias::new("other"))
        .expr_as(Expr::col((b.clone(), tag)).count(), Alias::new("shared"))
        .from_as(E::default().into_iden(), a.clone())
        .join_as(
            JoinType::InnerJoin,
            E::default().into_iden(),
            b.clone(),
            Expr::col((b.clone(), item))
                .equals((a.clone(), item))
                .and(Expr::col((b.clone(), tag)).ne(Expr::col((a.clone(), tag))))
                .and(Expr::col((b.clone(), tenant_col)).eq(tenant)),
        )
        .and_where(Expr::col((a.clone(), tenant_col)).eq(tenant))
        .and_where(Expr::col((a.clone(), tag)).is_in(tags.iter().copied()))
        .add_group_by([Expr::col((a.clone(), tag)), Expr::col((b, tag))])
        .to_owned()
}

impl Loader<SimilarTags> for DbLoader {
    type Value = Vec<SharedTag>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SimilarTags],
    ) -> Result<HashMap<SimilarTags, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, tags) in by_tenant(keys, |k| &k.tenant, |k| k.tag) {
            let query = pairs::<ticket_tag::Entity>(
                &tenant,
                &tags,
                ticket_tag::Column::TicketId,
                ticket_tag::Column::TagId,
                ticket_tag::Column::TenantId,
            )
            .union(
                UnionType::All,
                pairs::<conversation_tag::Entity>(
                    &tenant,
                    &tags,
                    conversation_tag::Column::ConversationId,
                    conversation_tag::Column::TagId,
                    conversation_tag::Column::TenantId,
                ),
            )
            .to_owned();
            let statement = StatementBuilder::build(&query, &self.db.get_database_backend());
            let rows = SharedTag::find_by_statement(statement)
                .all(&self.db)
                .await
                .map_err(|e| Arc::new(e.into()))?;
            let mut totals: HashMap<(i64, i64), i64> = HashMap::new();
            for row in rows {
                *totals.entry((row.tag, row.other)).or_default() += row.shared;
            }
            let mut grouped: HashMap<i64, Vec<SharedTag>> = HashMap::new();
            for ((tag, other), shared) in totals {
                grouped
                    .entry(tag)
                    .or_default()
                    .push(SharedTag { tag, other, shared });
            }
            for tag in tags {
                let mut similar = grouped.remove(&tag).unwrap_or_default();
                similar.sort_by(|x, y| y.shared.cmp(&x.shared).then(x.other.cmp(&y.other)));
                out.insert(
                    SimilarTags {
                        tenant: tenant.clone(),
                        tag,
                    },
                    similar,
                );
            }
        }
        Ok(out)
    }
}
