//! Input objects shared by several mutations.
use async_graphql::InputObject;

/// The input of a mutation that needs no parameters: every mutation takes one `input`, so a
/// client calls them all alike; this one may be left out.
#[derive(InputObject, Default)]
pub struct NoParametersInput {
    /// A label of the client's own for the call (Relay's `clientMutationId`); not stored.
    pub client_mutation_id: Option<String>,
}
