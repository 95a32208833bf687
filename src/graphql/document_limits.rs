//! Limits on what one document may ask for: aliases (they multiply work without adding depth
//! or much complexity), bracket nesting (checked before the recursive parser runs) and NUL
//! characters in literals and variables.
use std::sync::Arc;

use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::{Directive, ExecutableDocument, Selection, SelectionSet},
    Positioned, ServerError, ServerResult, ValidationResult, Value as ConstValue, Variables,
};

/// At most this many aliased fields in one document.
pub struct AliasLimit(pub usize);

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension(self.0))
    }
}

struct AliasLimitExtension(usize);

/// Aliased fields in the document's operations and fragments.
fn aliases(document: &ExecutableDocument) -> usize {
    let operations: usize = document.operations.iter().map(|(_, op)| count_aliases(&op.node.selection_set.node)).sum();
    operations + document.fragments.values().map(|f| count_aliases(&f.node.selection_set.node)).sum::<usize>()
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[async_graphql::async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if aliases(&document) > self.0 {
            return Err(bad_request(format!("Query has too many aliases (limit {}).", self.0)));
        }
        Ok(document)
    }
}

/// Deepest bracket nesting (`[`, `{`, `(` together) a document may have. The parser recurses
/// once per level, so a few thousand levels overflow the stack; legitimate documents stay far
/// below this (selection depth is capped at 16 after parsing anyway).
pub const MAX_NESTING: usize = 64;

/// Whether `query` nests brackets deeper than `max`, scanned without recursion. Brackets inside
/// strings, block strings and comments do not count.
pub fn nesting_exceeds(query: &str, max: usize) -> bool {
    let bytes = query.as_bytes();
    let (mut i, mut depth) = (0, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped delimiter inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' | b'(' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// A `BAD_REQUEST` GraphQL error.
pub fn bad_request(message: impl Into<String>) -> ServerError {
    let mut err = ServerError::new(message, None);
    err.extensions = Some({
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", crate::error::code::BAD_REQUEST);
        ext
    });
    err
}

/// The message for a document nested too deeply.
pub fn too_deep() -> String {
    format!("Query is nested too deeply (limit {MAX_NESTING}).")
}

/// The message for input carrying a NUL character.
pub const NUL_MESSAGE: &str = "Parameters must not contain NUL characters.";

/// Refuses documents nested too deeply before the recursive parser sees them, and NUL
/// characters in literals and variables (PostgreSQL rejects them in text, SQLite's FTS5 fails).
pub struct InputGuard;

impl ExtensionFactory for InputGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputGuard)
    }
}

fn const_has_nul(value: &ConstValue) -> bool {
    match value {
        ConstValue::String(s) => s.contains('\0'),
        ConstValue::List(items) => items.iter().any(const_has_nul),
        ConstValue::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || const_has_nul(v)),
        _ => false,
    }
}

/// Whether an argument list's literals hold a NUL (variables read as null: their values are
/// checked apart). A macro because the parser's non-constant value type is not re-exported.
macro_rules! arguments_have_nul {
    ($arguments:expr) => {
        $arguments.iter().any(|(_, v)| {
            let literal = v.node.clone().into_const_with(|_| Ok::<_, std::convert::Infallible>(ConstValue::Null));
            const_has_nul(&literal.unwrap_or_default())
        })
    };
}

fn directives_have_nul(directives: &[Positioned<Directive>]) -> bool {
    directives.iter().any(|d| arguments_have_nul!(d.node.arguments))
}

fn selection_has_nul(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => {
            arguments_have_nul!(field.node.arguments)
                || directives_have_nul(&field.node.directives)
                || selection_has_nul(&field.node.selection_set.node)
        }
        Selection::InlineFragment(f) => {
            directives_have_nul(&f.node.directives) || selection_has_nul(&f.node.selection_set.node)
        }
        Selection::FragmentSpread(f) => directives_have_nul(&f.node.directives),
    })
}

fn variables_have_nul(variables: &Variables) -> bool {
    variables.iter().any(|(k, v)| k.contains('\0') || const_has_nul(v))
}

/// Whether a parsed request passes what [`InputGuard`] and [`AliasLimit`] check after parsing
/// ([`nesting_exceeds`] comes first, on the text).
pub fn within_limits(variables: &Variables, document: &ExecutableDocument) -> bool {
    !variables_have_nul(variables) && !document_has_nul(document) && aliases(document) <= super::MAX_ALIASES
}

/// Whether any literal of the document holds a NUL character.
fn document_has_nul(document: &ExecutableDocument) -> bool {
    document.operations.iter().any(|(_, op)| {
        op.node
            .variable_definitions
            .iter()
            .any(|v| v.node.default_value.as_ref().is_some_and(|d| const_has_nul(&d.node)))
            || directives_have_nul(&op.node.directives)
            || selection_has_nul(&op.node.selection_set.node)
    }) || document
        .fragments
        .values()
        .any(|f| directives_have_nul(&f.node.directives) || selection_has_nul(&f.node.selection_set.node))
}

#[async_graphql::async_trait::async_trait]
impl Extension for InputGuard {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if nesting_exceeds(query, MAX_NESTING) {
            return Err(bad_request(too_deep()));
        }
        if variables_have_nul(variables) {
            return Err(bad_request(NUL_MESSAGE));
        }
        let document = next.run(ctx, query, variables).await?;
        if document_has_nul(&document) {
            return Err(bad_request(NUL_MESSAGE));
        }
        Ok(document)
    }
}

/// The complexity left to one HTTP request: shared by every operation of a batch, so a batch
/// cannot multiply the per-document limit.
#[derive(Clone)]
pub struct WorkBudget(pub Arc<std::sync::atomic::AtomicUsize>);

impl WorkBudget {
    /// A budget of `total` complexity points.
    pub fn new(total: usize) -> Self {
        WorkBudget(Arc::new(std::sync::atomic::AtomicUsize::new(total)))
    }

    /// Take `cost` points; `false` (and nothing taken) when not enough are left.
    fn take(&self, cost: usize) -> bool {
        use std::sync::atomic::Ordering;
        self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(cost)).is_ok()
    }
}

/// Charges each operation's complexity to the request's [`WorkBudget`].
pub struct BatchBudget;

impl ExtensionFactory for BatchBudget {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(BatchBudget)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for BatchBudget {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(budget) = ctx.data_opt::<WorkBudget>() {
            if !budget.take(result.complexity) {
                return Err(vec![bad_request(format!(
                    "The request asks for too much work (complexity limit {} per request, batch included).",
                    super::MAX_COMPLEXITY
                ))]);
            }
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_outside_strings_and_comments() {
        assert!(!nesting_exceeds("{ a(x: [[1]]) { b } }", 4));
        assert!(nesting_exceeds("{ a(x: [[[1]]]) { b } }", 4));
        let deep = format!("{{ a(x: {}) }}", "[".repeat(5000));
        assert!(nesting_exceeds(&deep, MAX_NESTING));
        // Brackets in strings, block strings and comments are text.
        let quoted = format!("{{ a(x: \"{}\\\"\") }}", "[".repeat(100));
        assert!(!nesting_exceeds(&quoted, 8));
        let block = format!("{{ a(x: \"\"\"{} \\\"\"\" \"\"\") }}", "{".repeat(100));
        assert!(!nesting_exceeds(&block, 8));
        let comment = format!("# {}\n{{ a }}", "(".repeat(100));
        assert!(!nesting_exceeds(&comment, 8));
        // A megabyte of brackets is scanned without recursion.
        assert!(nesting_exceeds(&"[".repeat(1 << 20), MAX_NESTING));
    }

    #[test]
    fn budget_is_shared() {
        let budget = WorkBudget::new(10);
        assert!(budget.clone().take(6));
        assert!(!budget.take(6));
        assert!(budget.take(4));
    }
}
