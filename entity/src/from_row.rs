//! Rows decoded by position. sea-orm's derived `FromQueryResult` looks every column up
//! by name (a hash of the name per column and row, and for each NULL the quoted name
//! formatted into an error it then discards); the read paths that load many rows decode
//! them by position instead.

use sea_orm::{DbErr, FromQueryResult, QueryResult, TryGetable};

/// A model that can be read from a row whose first columns are the table's columns in
/// their declared order, as `Entity::find()` selects them (columns after them, such as
/// a rank, a row number or the columns of a joined table, are left alone).
pub trait FromRow: Sized {
    /// How many columns the table has.
    const COLUMNS: usize;

    /// Decodes the model from the table's columns in `row`, starting at `offset`.
    fn from_row_at(row: &QueryResult, offset: usize) -> Result<Self, DbErr>;

    /// Decodes the model from the leading columns of `row`.
    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Self::from_row_at(row, 0)
    }

    /// The model of a LEFT JOIN whose columns start at `offset`: none when its first
    /// column (the key) is NULL, that is when nothing was joined.
    fn from_joined_at(row: &QueryResult, offset: usize) -> Result<Option<Self>, DbErr> {
        let key: Option<i64> = row.try_get_by_index(offset)?;
        key.map(|_| Self::from_row_at(row, offset)).transpose()
    }
}

/// A model read by position, for `Select::into_model` and `SelectorRaw::into_model`.
pub struct ByPosition<M>(pub M);

impl<M: FromRow> FromQueryResult for ByPosition<M> {
    fn from_query_result(row: &QueryResult, _prefix: &str) -> Result<Self, DbErr> {
        M::from_row(row).map(ByPosition)
    }
}

/// The columns of a row, taken one after the other.
pub struct Columns<'a> {
    row: &'a QueryResult,
    next: usize,
}

impl<'a> Columns<'a> {
    /// The columns of `row`, from the one at `offset`.
    pub fn at(row: &'a QueryResult, offset: usize) -> Self {
        Columns { row, next: offset }
    }

    /// Decodes the next column.
    pub fn take<T: TryGetable>(&mut self) -> Result<T, DbErr> {
        let value = self.row.try_get_by_index(self.next);
        self.next += 1;
        value
    }
}

/// Implements [`FromRow`] for the `Model` of the module it is invoked in; the fields are
/// listed in the order of the columns, which a generated test checks against `Column`.
macro_rules! from_row {
    ($($field:ident),+ $(,)?) => {
        impl $crate::FromRow for Model {
            const COLUMNS: usize = [$(stringify!($field)),+].len();

            fn from_row_at(
                row: &sea_orm::QueryResult,
                offset: usize,
            ) -> Result<Self, sea_orm::DbErr> {
                let mut columns = $crate::from_row::Columns::at(row, offset);
                Ok(Model { $($field: columns.take()?),+ })
            }
        }

        #[cfg(test)]
        #[test]
        fn fields_are_listed_in_column_order() {
            use sea_orm::{IdenStatic, Iterable};
            let columns: Vec<&str> = Column::iter().map(|column| column.as_str()).collect();
            assert_eq!(columns, [$(stringify!($field)),+]);
        }
    };
}

pub(crate) use from_row;
