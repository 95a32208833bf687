//! Offset pagination shared by list fields: cursor arguments (`first`/`after`) or page
//! arguments (`page`/`pageSize`, as the REST API pages).
use async_graphql::{
    connection::{
        Connection, ConnectionNameType, CursorType, DefaultConnectionName, DefaultEdgeName, Edge, EdgeNameType,
        EmptyFields, OpaqueCursor,
    },
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

/// A count run only when a client selects `totalCount` (the REST facade's lists never do, so a
/// page costs what it did before it became a connection).
pub type CountFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, AppError>> + Send>>;

/// The extra fields of a Mastodon-paged connection: the total, counted when asked.
pub struct LazyTotal {
    count: Box<dyn Fn() -> CountFuture + Send + Sync>,
    page_size: u64,
}

impl LazyTotal {
    /// A total known already (a list read whole).
    pub fn known(total: u64, page_size: u64) -> LazyTotal {
        LazyTotal { count: Box::new(move || Box::pin(async move { Ok(total) })), page_size }
    }

    /// A total counted by `count` when asked.
    pub fn counted(page_size: u64, count: impl Fn() -> CountFuture + Send + Sync + 'static) -> LazyTotal {
        LazyTotal { count: Box::new(count), page_size }
    }
}

#[async_graphql::Object]
impl LazyTotal {
    /// How many items match in all, the paging ignored (one statement, run only when selected).
    async fn total_count(&self) -> async_graphql::Result<u64> {
        Ok((self.count)().await?)
    }

    /// The page size used.
    async fn page_size(&self) -> u64 {
        self.page_size
    }
}

/// A connection paged as Mastodon pages (`maxId`, `sinceId`, `minId`, `offset`, `limit`):
/// each edge's cursor is its node's id, to pass as the next page's `maxId`.
pub type KeysetConnection<N, Name = DefaultConnectionName, EdgeName = DefaultEdgeName> =
    Connection<String, N, LazyTotal, EmptyFields, Name, EdgeName>;

/// Wrap a Mastodon page of nodes (newest first) as a connection: `hasNextPage` when the page
/// is full (older items may follow), `hasPreviousPage` when it was asked for below or above an
/// id.
pub fn keyset_connection<N: OutputType, Name: ConnectionNameType, EdgeName: EdgeNameType>(
    nodes: Vec<N>,
    id: impl Fn(&N) -> String,
    paged_from_an_id: bool,
    total: LazyTotal,
) -> KeysetConnection<N, Name, EdgeName> {
    let full = nodes.len() as u64 >= total.page_size && !nodes.is_empty();
    let mut connection = Connection::with_additional_fields(paged_from_an_id, full, total);
    connection.edges.extend(nodes.into_iter().map(|node| Edge::new(id(&node), node)));
    connection
}

/// A list read whole as a one-page connection (no page before or after; the total is its
/// length).
pub fn whole_connection<N: OutputType, Name: ConnectionNameType, EdgeName: EdgeNameType>(
    nodes: Vec<N>,
    id: impl Fn(&N) -> String,
) -> KeysetConnection<N, Name, EdgeName> {
    let total = nodes.len() as u64;
    let mut connection = Connection::with_additional_fields(false, false, LazyTotal::known(total, total));
    connection.edges.extend(nodes.into_iter().map(|node| Edge::new(id(&node), node)));
    connection
}

/// Whether a Mastodon page was asked for below or above an id (`maxId`, `minId`, `sinceId`):
/// the connection's `hasPreviousPage`.
pub fn from_an_id(page: &crate::domain::statuses::MastodonPage) -> bool {
    page.max_id.is_some() || page.min_id.is_some() || page.since_id.is_some()
}

/// A connection paged by `offset` and `limit`: each edge's cursor is its position in the whole
/// list, the total counted when asked.
pub type OffsetConnection<N, Name = DefaultConnectionName, EdgeName = DefaultEdgeName> =
    Connection<OpaqueCursor<u64>, N, LazyTotal, EmptyFields, Name, EdgeName>;

/// Wrap an offset page of nodes as a connection: `hasPreviousPage` when items were skipped,
/// `hasNextPage` when the page is full (more may follow).
pub fn offset_connection<N: OutputType, Name: ConnectionNameType, EdgeName: EdgeNameType>(
    nodes: Vec<N>,
    offset: u64,
    total: LazyTotal,
) -> OffsetConnection<N, Name, EdgeName> {
    let full = nodes.len() as u64 >= total.page_size && !nodes.is_empty();
    let mut connection = Connection::with_additional_fields(offset > 0, full, total);
    connection
        .edges
        .extend(nodes.into_iter().enumerate().map(|(i, node)| Edge::new(OpaqueCursor(offset + i as u64), node)));
    connection
}
