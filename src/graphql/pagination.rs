//! Offset pagination shared by list fields: cursor arguments (`first`/`after`) or page
//! arguments (`page`/`pageSize`, as the REST API pages).
use async_graphql::{
    connection::{Connection, CursorType, Edge, EmptyFields, OpaqueCursor},
    OutputType, SimpleObject,
};

use crate::error::AppError;

/// Extra fields every connection carries.
#[derive(SimpleObject)]
pub struct ListMeta {
    /// How many items match in all.
    pub total_count: u64,
    /// The page size used.
    pub page_size: u64,
}

/// A list page: `offset` items skipped, at most `limit` returned.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub offset: u64,
    pub limit: u64,
}

/// Largest page size accepted.
pub const MAX_PAGE_SIZE: u64 = 500;

/// The complexity of a list field: its selection counted once per item of the largest page the
/// arguments allow (at least one, at most [`MAX_PAGE_SIZE`]).
pub fn page_complexity(
    child_complexity: usize,
    first: Option<i32>,
    page_size: Option<i32>,
    default_size: u64,
) -> usize {
    let size = first.or(page_size).map_or(default_size, |n| u64::try_from(n).unwrap_or(1));
    let size = usize::try_from(size.clamp(1, MAX_PAGE_SIZE)).unwrap_or(1);
    child_complexity.saturating_mul(size).saturating_add(1)
}

impl Window {
    /// Resolve cursor or page arguments (1-based `page`), with the list's default page size.
    pub fn resolve(
        first: Option<i32>,
        after: Option<String>,
        page: Option<i32>,
        page_size: Option<i32>,
        default_size: u64,
    ) -> Result<Window, AppError> {
        let size = first.or(page_size).map_or(Ok(default_size), |n| {
            u64::try_from(n).map_err(|_| AppError::BadRequest("page size must not be negative".into()))
        })?;
        let limit = size.min(MAX_PAGE_SIZE);
        let offset = match (after, page) {
            (Some(cursor), _) => {
                let OpaqueCursor(position) = OpaqueCursor::<u64>::decode_cursor(&cursor)
                    .map_err(|_| AppError::BadRequest("invalid cursor".into()))?;
                position + 1
            }
            (None, Some(page)) => u64::try_from(page.max(1) - 1).unwrap_or(0) * limit,
            (None, None) => 0,
        };
        Ok(Window { offset, limit })
    }

    /// Wrap one page of nodes as a connection.
    pub fn connection<N: OutputType>(
        self,
        nodes: Vec<N>,
        total: u64,
    ) -> Connection<OpaqueCursor<u64>, N, ListMeta, EmptyFields> {
        let end = self.offset + nodes.len() as u64;
        let mut connection = Connection::with_additional_fields(
            self.offset > 0,
            end < total,
            ListMeta { total_count: total, page_size: self.limit },
        );
        connection.edges.extend(
            nodes.into_iter().enumerate().map(|(i, node)| Edge::new(OpaqueCursor(self.offset + i as u64), node)),
        );
        connection
    }
}
