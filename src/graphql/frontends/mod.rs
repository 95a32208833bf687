//! Frontends: the known and installed ones, and installing a build (ROUTES.md §19).
use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::{ContextExt, FieldRule};
use crate::{auth::Access, domain::frontends, error::AppError};

/// Access rules of this area's fields (admin-only in Pleroma).
pub const ACCESS: &[FieldRule] = &[
    ("Query", "frontends", Access::Admin(&["admin:read"])),
    ("Mutation", "installFrontend", Access::Admin(&["admin:write"])),
];

/// How long an install request waits for its job before answering.
const INSTALL_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// A frontend: known from the configuration, installed under the static directory, or both.
#[derive(SimpleObject)]
pub struct Frontend {
    /// Its name, also its directory under `frontends/`.
    pub name: String,
    /// Its source repository (null for installed frontends the configuration does not know).
    pub git: Option<String>,
    /// Where its build is downloaded from; `${ref}` stands for the ref.
    pub build_url: Option<String>,
    /// The configured ref (branch or tag).
    #[graphql(name = "ref")]
    pub git_ref: Option<String>,
    /// Whether any ref of it is installed.
    pub installed: bool,
    /// The installed refs (directories under `frontends/<name>/`).
    pub installed_refs: Vec<String>,
}

impl From<frontends::Frontend> for Frontend {
    fn from(f: frontends::Frontend) -> Self {
        Frontend {
            name: f.name,
            git: f.git,
            build_url: f.build_url,
            git_ref: f.git_ref,
            installed: f.installed,
            installed_refs: f.installed_refs,
        }
    }
}

/// What to install; values not given come from the frontend's configuration.
#[derive(InputObject)]
pub struct InstallFrontendInput {
    /// The frontend's name.
    pub name: String,
    /// The ref to install (required when the configuration has none).
    #[graphql(name = "ref")]
    pub git_ref: Option<String>,
    /// A zip archive on the server to install instead of downloading the build: a file inside
    /// the frontend archive directory (`[frontends] archive_dir`), never the database's files.
    pub file: Option<String>,
    /// Where to download the build zip from (`${ref}` is replaced).
    pub build_url: Option<String>,
    /// The directory inside the archive to install (default `dist`).
    pub build_dir: Option<String>,
}

/// The frontends after the install.
#[derive(SimpleObject)]
pub struct InstallFrontendPayload {
    /// Every frontend, as `frontends` lists them.
    pub frontends: Vec<Frontend>,
    /// The install job's id.
    pub job_id: i64,
    /// False when the job was still running when the request stopped waiting for it.
    pub finished: bool,
}

async fn list(ctx: &Context<'_>) -> Result<Vec<Frontend>, crate::error::AppError> {
    Ok(frontends::list(ctx.settings()).await?.into_iter().map(Frontend::from).collect())
}

/// Frontend queries.
#[derive(Default)]
pub struct FrontendsQuery;

#[Object]
impl FrontendsQuery {
    /// The configured frontends first (Pleroma's defaults without a configuration), then the
    /// installed ones the configuration does not know.
    async fn frontends(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Frontend>> {
        Ok(list(ctx).await?)
    }
}

/// Frontend mutations.
#[derive(Default)]
pub struct FrontendsMutation;

#[Object]
impl FrontendsMutation {
    /// Install a frontend build (Pleroma's `Pleroma.Frontend.install`) through a durable job,
    /// waiting up to two minutes for it: the archive is downloaded (or read from `file`),
    /// checked whole (no `..`, absolute, symlink or repeated entries, size and ratio caps) and
    /// its build directory moved to `frontends/<name>/<ref>`. A failed install is
    /// `BAD_REQUEST` with Pleroma's text `Could not download or unzip the frontend`, then `: `
    /// and the reason; no ref given or configured is `BAD_REQUEST`.
    async fn install_frontend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: InstallFrontendInput,
    ) -> async_graphql::Result<InstallFrontendPayload> {
        let request = frontends::InstallRequest {
            name: input.name,
            git_ref: input.git_ref,
            file: input.file,
            build_url: input.build_url,
            build_dir: input.build_dir,
        };
        let job_id = frontends::enqueue_install(&ctx.db().write, ctx.settings(), request).await?;
        let finished = match frontends::wait_for(ctx.db(), job_id, INSTALL_WAIT).await? {
            Some(Ok(())) => true,
            Some(Err(why)) => return Err(AppError::BadRequest(why).into()),
            None => false,
        };
        Ok(InstallFrontendPayload { frontends: list(ctx).await?, job_id, finished })
    }
}
