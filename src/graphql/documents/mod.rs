//! Instance documents: the terms of service and the instance panel (ROUTES.md §18).
use async_graphql::{Context, InputObject, Object, SimpleObject, Upload};

use super::{ContextExt, FieldRule};
use crate::{auth::Access, domain::documents, error::AppError};

/// Access rules of this area's fields (admin-only in Pleroma).
pub const ACCESS: &[FieldRule] = &[
    ("Query", "instanceDocument", Access::Admin(&["admin:read"])),
    ("Mutation", "updateInstanceDocument", Access::Admin(&["admin:write"])),
    ("Mutation", "deleteInstanceDocument", Access::Admin(&["admin:write"])),
];

/// An instance document as the public sees it.
#[derive(SimpleObject)]
pub struct InstanceDocument {
    /// `terms-of-service` or `instance-panel`.
    pub name: String,
    /// Its public URL (`<instance>/static/terms-of-service.html`, `<instance>/instance/panel.html`).
    pub url: String,
    /// The HTML served: the uploaded file, or the built-in default.
    pub content: String,
    /// Whether an admin uploaded it (false: the default is served).
    pub custom: bool,
}

impl From<documents::Document> for InstanceDocument {
    fn from(d: documents::Document) -> Self {
        InstanceDocument { name: d.name.into(), url: d.url, content: d.content, custom: d.custom }
    }
}

/// A document to replace.
#[derive(InputObject)]
pub struct UpdateInstanceDocumentInput {
    /// `terms-of-service` or `instance-panel`.
    pub name: String,
    /// The HTML file.
    pub file: Upload,
}

/// A document to reset to its default.
#[derive(InputObject)]
pub struct DeleteInstanceDocumentInput {
    /// `terms-of-service` or `instance-panel`.
    pub name: String,
}

/// The document after the change.
#[derive(SimpleObject)]
pub struct InstanceDocumentPayload {
    /// The document now served.
    pub document: InstanceDocument,
}

/// Instance-document queries.
#[derive(Default)]
pub struct DocumentsQuery;

#[Object]
impl DocumentsQuery {
    /// One instance document; an unknown name is `NOT_FOUND`.
    async fn instance_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's name (`terms-of-service`, `instance-panel`).")] name: String,
    ) -> async_graphql::Result<InstanceDocument> {
        Ok(documents::get(ctx.settings(), &name).await?.into())
    }
}

/// Instance-document mutations.
#[derive(Default)]
pub struct DocumentsMutation;

#[Object]
impl DocumentsMutation {
    /// Replace a document with an uploaded HTML file (Pleroma's `InstanceDocument.put`); an
    /// unknown name is `NOT_FOUND`.
    async fn update_instance_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateInstanceDocumentInput,
    ) -> async_graphql::Result<InstanceDocumentPayload> {
        documents::public_path(&input.name).ok_or_else(|| AppError::NotFound("Not found".into()))?;
        let upload = input.file.value(ctx).map_err(|e| AppError::BadRequest(format!("Unreadable upload: {e}")))?;
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut upload.into_read(), &mut content)
            .map_err(|e| AppError::BadRequest(format!("Unreadable upload: {e}")))?;
        let document = documents::put(ctx.settings(), &input.name, &content).await?;
        Ok(InstanceDocumentPayload { document: document.into() })
    }

    /// Remove the uploaded document so that the default is served again; `NOT_FOUND` for an
    /// unknown name or when none was uploaded.
    async fn delete_instance_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DeleteInstanceDocumentInput,
    ) -> async_graphql::Result<InstanceDocumentPayload> {
        let document = documents::delete(ctx.settings(), &input.name).await?;
        Ok(InstanceDocumentPayload { document: document.into() })
    }
}
