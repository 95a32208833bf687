//! Pleroma's default images under `/images/` (`assets/images/`): the avatar and header of
//! accounts without their own, and the default mascot.
use axum::{
    extract::Path,
    http::{header, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::on,
};

use super::Route;
use crate::auth::Access;

const IMAGES: [(&str, &[u8]); 3] = [
    ("avi.png", include_bytes!("../../assets/images/avi.png")),
    ("banner.png", include_bytes!("../../assets/images/banner.png")),
    ("pleroma-fox-tan-smol.png", include_bytes!("../../assets/images/pleroma-fox-tan-smol.png")),
];

/// The rows of this area.
pub fn routes() -> Vec<Route> {
    vec![Route::native(
        Method::GET,
        "/images/{file}",
        "Pleroma's default images (avatar, header, mascot)",
        Access::Public,
        |m| on(m, image),
        &[(200, "A PNG image"), (404, "No such image")],
    )]
}

async fn image(Path(file): Path<String>) -> Response {
    match IMAGES.iter().find(|(name, _)| *name == file) {
        Some((_, bytes)) => {
            ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=86400")], *bytes)
                .into_response()
        }
        None => super::json(StatusCode::NOT_FOUND, &serde_json::json!({"error": "Not found"})),
    }
}
