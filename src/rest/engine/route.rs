//! A row of the route table: method, path, what runs and what the client receives.
use async_graphql::Value as ConstValue;
use axum::{
    http::{Method, StatusCode, Uri},
    routing::{MethodFilter, MethodRouter},
};
use serde_json::{Map, Value};

use super::{mapper::Mapper, Answer, ErrorStyle};
use crate::{auth::Access, error::AppError, state::AppState};

/// Body limit of ordinary rows (JSON and form parameters).
pub const SMALL_BODY: usize = 1024 * 1024;
/// Body limit of upload and archive rows: Pleroma's default `:instance, :upload_limit`.
pub const UPLOAD_BODY: usize = 16_000_000;

/// One route: both prefixes, its OpenAPI entry and its access rule come from this row.
#[derive(Clone)]
pub struct Route {
    pub method: Method,
    /// Canonical path (`/api/v1/pleroma/...`), axum syntax for parameters (`{nickname}`).
    pub path: &'static str,
    /// Also serve `/api/pleroma/...`.
    pub legacy_alias: bool,
    /// What the route does (the doc's heading).
    pub summary: &'static str,
    pub action: Action,
    /// Largest request body accepted.
    pub body_limit: usize,
    /// Request parameters also offered under another variable name (`("file", "file_url")`:
    /// a `file` sent as text is the `$file_url` variable, a `file` part stays `$file`).
    pub param_aliases: &'static [(&'static str, &'static str)],
    /// Parameters that must be sent, as text or as a file, though every variable they feed is
    /// optional (`Missing field: img.`).
    pub required: &'static [&'static str],
    /// How boolean parameters are read; `None`: as the row's error style says (Admin API
    /// controllers cast with OpenApiSpex's `:boolean`, the others take `BooleanLike`).
    pub booleans: Option<super::params::Booleans>,
    /// Parameters Pleroma's api_spec declares as an `enum` where the operation takes a string:
    /// another value is refused with OpenApiSpex's `Invalid value for enum`.
    pub param_enums: &'static [(&'static str, &'static [&'static str])],
    /// Parameters whose explicit `null` sets another parameter to `true` (`("starts_at",
    /// "clear_starts_at")`): a JSON `null` clears a field where leaving it out keeps it.
    pub nulls_clear: &'static [(&'static str, &'static str)],
    /// Rewrites the merged parameters before they are cast (see [`Route::prepare`]).
    pub prepare: Option<fn(&mut Map<String, Value>)>,
}

/// What a row runs.
#[derive(Clone)]
pub enum Action {
    /// One GraphQL operation: its variables are the route's parameters.
    Operation(Operation),
    /// A handler of its own, for what is not one GraphQL operation (OAuth, HTML forms,
    /// discovery, streaming downloads). The engine checks `access` before the handler runs.
    Native(Native),
}

/// A GraphQL operation and how its result becomes the answer.
#[derive(Clone)]
pub struct Operation {
    /// `area/name`, the file under `rest/operations/`.
    pub name: &'static str,
    pub text: &'static str,
    pub shape: Shape,
    pub errors: ErrorStyle,
    /// A rule the route adds to its fields' rules (Pleroma guards some routes more strictly
    /// than the data they show); checked first.
    pub require: Option<Access>,
    /// Writes the answer's body itself from the same data, once access and parameters are
    /// checked (see [`Route::written`]); the operation stays the row's contract.
    pub writer: Option<Writer>,
}

/// A typed writer of a row's body: the streamed answer for the viewer and the merged parameters.
pub type Writer = fn(
    AppState,
    crate::auth::Viewer,
    Map<String, Value>,
) -> futures_util::future::BoxFuture<'static, Result<axum::body::Body, AppError>>;

/// A native row's handler and what the OpenAPI document says of it.
#[derive(Clone)]
pub struct Native {
    pub access: Access,
    /// Builds the handler for the row's method.
    pub handler: fn(MethodFilter) -> MethodRouter<AppState>,
    /// Every status the handler answers, with a description.
    pub responses: &'static [(u16, &'static str)],
}

/// What a conversion function sees of the request besides the result.
pub struct Call<'a> {
    /// The merged parameters (path, body, query string).
    pub params: &'a Map<String, Value>,
    pub uri: &'a Uri,
    /// The instance's public URL, for absolute links (`Link` headers).
    pub instance_url: &'a str,
}

/// A typed conversion for what aliases cannot express: the root field's value in, the answer out.
pub type Convert = fn(ConstValue, &Call<'_>) -> Result<Answer, AppError>;

/// How a successful result becomes the answer. Keys (`at`) are response keys inside the root
/// field's value, checked at start-up to be selected by the operation.
#[derive(Clone, Copy)]
pub enum Shape {
    /// The root field's value, or the value of one of its keys, as JSON; `null` may mean 404;
    /// `map` reads the value as a typed input and builds the wire value (keys Pleroma derives,
    /// constants it adds); it runs on a sample of the operation's result at start-up.
    Json { at: Option<&'static str>, null_is_404: bool, map: Option<Mapper> },
    /// A fixed JSON body (parsed at start-up).
    Literal(&'static str),
    /// No body, this status, JSON content type (Pleroma's 204 and 201 answers).
    Empty(StatusCode),
    /// A string field sent as the body, with this content type (iCalendar, HTML, CSV).
    Text { at: Option<&'static str>, content_type: &'static str },
    /// A base64 string field sent decoded, with this content type (images, archives).
    Binary { at: Option<&'static str>, content_type: &'static str },
    /// A download: the base64 string at `data` sent decoded with this content type, and
    /// `Content-Disposition: attachment; filename="<the string at filename>"`.
    Attachment { data: &'static str, filename: &'static str, content_type: &'static str },
    /// `302 Found` to the URL in a string field.
    Redirect { at: Option<&'static str> },
    /// A conversion function.
    Convert(Convert),
    /// A whole list read a page at a time and streamed out (chunked), so the server holds one
    /// page whatever the list's length. The operation takes `$after: String` and its root
    /// field is a connection selecting `nodes` and `pageInfo { hasNextPage endCursor }`; the
    /// engine runs it again with `after` set to the last `endCursor` while `hasNextPage`, and
    /// sends `open`, each node through `map`, comma-separated, then `close`. An error on a
    /// later page ends the body early (the status is already sent).
    Pages { open: &'static str, close: &'static str, map: Mapper },
}

impl Shape {
    /// The root field's value.
    pub const FIELD: Shape = Shape::Json { at: None, null_is_404: false, map: None };
    /// The root field's value; `null` is a 404.
    pub const FIELD_OR_404: Shape = Shape::Json { at: None, null_is_404: true, map: None };
    /// `204 No Content`.
    pub const NO_CONTENT: Shape = Shape::Empty(StatusCode::NO_CONTENT);

    /// The value of `key` inside the root field's value (a mutation payload's field).
    pub const fn at(key: &'static str) -> Shape {
        Shape::Json { at: Some(key), null_is_404: false, map: None }
    }

    /// Whether the answer goes out as the operation answered it (at most one key picked), so
    /// plain objects may come back as JSON text (`graphql::plain::RawJson`): nothing looks
    /// inside them on the way.
    pub fn sends_as_answered(&self) -> bool {
        matches!(self, Shape::Json { map: None, .. })
    }

    /// The same JSON shape, its value rewritten by `map`.
    pub const fn mapped(self, map: Mapper) -> Shape {
        match self {
            Shape::Json { at, null_is_404, .. } => Shape::Json { at, null_is_404, map: Some(map) },
            other => other,
        }
    }

    /// The same JSON shape, `null` answered with 404.
    pub const fn or_404(self) -> Shape {
        match self {
            Shape::Json { at, map, .. } => Shape::Json { at, null_is_404: true, map },
            other => other,
        }
    }

    /// The key this shape reads, if any.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            Shape::Json { at, .. } | Shape::Text { at, .. } | Shape::Binary { at, .. } | Shape::Redirect { at } => *at,
            Shape::Attachment { data, .. } => Some(data),
            _ => None,
        }
    }

    /// Every key this shape reads.
    pub fn keys(&self) -> Vec<&'static str> {
        match self {
            Shape::Attachment { data, filename, .. } => vec![data, filename],
            Shape::Pages { .. } => vec!["nodes", "pageInfo"],
            other => other.key().into_iter().collect(),
        }
    }
}

impl Route {
    /// An Admin API row running `operation`, `{"error": …}` errors, both prefixes.
    pub fn admin(
        method: Method,
        path: &'static str,
        summary: &'static str,
        operation: (&'static str, &'static str),
        shape: Shape,
    ) -> Route {
        let (name, text) = operation;
        Route {
            method,
            path,
            legacy_alias: path.starts_with("/api/v1/pleroma/"),
            summary,
            action: Action::Operation(Operation {
                name,
                text,
                shape,
                errors: ErrorStyle::Admin,
                require: None,
                writer: None,
            }),
            body_limit: SMALL_BODY,
            param_aliases: &[],
            required: &[],
            booleans: None,
            param_enums: &[],
            nulls_clear: &[],
            prepare: None,
        }
    }

    /// A native row; `/api/v1/pleroma/...` paths get their `/api/pleroma/...` alias.
    pub fn native(
        method: Method,
        path: &'static str,
        summary: &'static str,
        access: Access,
        handler: fn(MethodFilter) -> MethodRouter<AppState>,
        responses: &'static [(u16, &'static str)],
    ) -> Route {
        Route {
            method,
            path,
            legacy_alias: path.starts_with("/api/v1/pleroma/"),
            summary,
            action: Action::Native(Native { access, handler, responses }),
            body_limit: SMALL_BODY,
            param_aliases: &[],
            required: &[],
            booleans: None,
            param_enums: &[],
            nulls_clear: &[],
            prepare: None,
        }
    }

    /// Errors as bare JSON strings (the older Akkoma 003 doc's routes).
    pub fn legacy_errors(mut self) -> Route {
        if let Action::Operation(op) = &mut self.action {
            op.errors = ErrorStyle::Legacy;
        }
        self
    }

    /// Answer with `writer`'s streamed body instead of the operation's result: for a body too
    /// large for the generic path (`GET /admin/grouped_reports`). The operation still declares
    /// the row (access, parameters, OpenAPI), and a test proves the two bodies equal.
    pub fn written(mut self, writer: Writer) -> Route {
        if let Action::Operation(op) = &mut self.action {
            op.writer = Some(writer);
        }
        self
    }

    /// A refused action answers 400 `""` (Pleroma's report-note routes).
    pub fn empty_string_errors(mut self) -> Route {
        if let Action::Operation(op) = &mut self.action {
            op.errors = ErrorStyle::EmptyString;
        }
        self
    }

    /// Errors as Pleroma's emoji controllers render them (`ErrorStyle::Plain`).
    pub fn plain_errors(mut self) -> Route {
        if let Action::Operation(op) = &mut self.action {
            op.errors = ErrorStyle::Plain;
        }
        self
    }

    /// Parameters that must be sent, as text or as a file (see `required`).
    pub fn required_params(mut self, names: &'static [&'static str]) -> Route {
        self.required = names;
        self
    }

    /// Offer request parameters under other variable names too (see `param_aliases`).
    pub fn param_aliases(mut self, aliases: &'static [(&'static str, &'static str)]) -> Route {
        self.param_aliases = aliases;
        self
    }

    /// Errors as Mastodon API controllers render them (`Record not found`, 422 validation).
    pub fn mastodon_errors(mut self) -> Route {
        if let Action::Operation(op) = &mut self.action {
            op.errors = ErrorStyle::Mastodon;
        }
        self
    }

    /// Refusals as `TwitterAPI.UtilController` renders them: HTTP 200 `{"error": msg}`.
    pub fn refusal_is_ok(mut self) -> Route {
        if let Action::Operation(op) = &mut self.action {
            op.errors = ErrorStyle::RefusalIsOk;
        }
        self
    }

    /// Read boolean parameters as Pleroma's `BooleanLike` (`"1"`, `"yes"` are true; `"0"`,
    /// `"f"`, `"off"` false), for rows whose Pleroma controller does not cast with OpenApiSpex.
    pub fn boolean_like(mut self) -> Route {
        self.booleans = Some(super::params::Booleans::Like);
        self
    }

    /// An explicit `null` for `from` sends `to: true` (see `nulls_clear`).
    pub fn nulls_clear(mut self, pairs: &'static [(&'static str, &'static str)]) -> Route {
        self.nulls_clear = pairs;
        self
    }

    /// Rewrite the merged parameters before they are cast to the operation's variables: for a
    /// Pleroma parameter whose bad values fail one entry rather than the request (the
    /// `Convert` reads what was set aside from [`Call::params`]).
    pub fn prepare(mut self, prepare: fn(&mut Map<String, Value>)) -> Route {
        self.prepare = Some(prepare);
        self
    }

    /// Refuse values outside these lists, as OpenApiSpex refuses a value outside an `enum`.
    pub fn param_enums(mut self, enums: &'static [(&'static str, &'static [&'static str])]) -> Route {
        self.param_enums = enums;
        self
    }

    /// Read boolean parameters as this row's Pleroma controller reads them (see [`Booleans`]).
    ///
    /// [`Booleans`]: super::params::Booleans
    pub fn booleans(mut self, booleans: super::params::Booleans) -> Route {
        self.booleans = Some(booleans);
        self
    }

    /// Check `access` before the operation's own rules.
    pub fn require(mut self, access: Access) -> Route {
        if let Action::Operation(op) = &mut self.action {
            op.require = Some(access);
        }
        self
    }

    /// Serve the canonical path only (Mastodon paths have no `/api/pleroma` alias).
    pub fn without_alias(mut self) -> Route {
        self.legacy_alias = false;
        self
    }

    /// Accept bodies up to `limit` bytes (uploads, archives).
    pub fn body_limit(mut self, limit: usize) -> Route {
        self.body_limit = limit;
        self
    }

    /// The paths this route answers on: the `/api/v1/pleroma` path and its `/api/pleroma` alias.
    pub fn paths(&self) -> Vec<String> {
        let mut paths = vec![self.path.to_string()];
        if self.legacy_alias {
            if let Some(rest) = self.path.strip_prefix("/api/v1/pleroma/") {
                paths.push(format!("/api/pleroma/{rest}"));
            }
        }
        paths
    }

    /// The operation's `area/name`, or `native`.
    pub fn name(&self) -> &'static str {
        match &self.action {
            Action::Operation(op) => op.name,
            Action::Native(_) => "native",
        }
    }
}
