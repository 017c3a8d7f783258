//! Files devices upload (TR-069 Upload: an HTTP PUT or POST to the URL the ACS gave), kept
//! in the file store. The URL is signed (`app::acs::uploads`): nothing else gets in.

use app::{acs::uploads::UploadKind, services::Services};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};

/// Largest upload accepted: configuration backups and logs, not disk images.
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

pub async fn receive(
    State(services): State<Services>,
    Path((device_id, kind, nonce, signature)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Response {
    let (Ok(device_id), Some(kind)) = (device_id.parse::<i64>(), UploadKind::parse(&kind)) else {
        return (StatusCode::NOT_FOUND, "No such upload location.").into_response();
    };
    if !services.uploads.verify(device_id, kind, &nonce, &signature) {
        tracing::warn!(
            device_id,
            "upload refused: the URL's signature does not match"
        );
        return (
            StatusCode::FORBIDDEN,
            "This upload URL was not issued by this ACS.",
        )
            .into_response();
    }
    let now = chrono::Utc::now();
    let name = format!("{}-{}-{nonce}", kind.as_str(), now.format("%Y%m%dT%H%M%SZ"));
    match services.store.device(device_id).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return (StatusCode::NOT_FOUND, "The device is no longer registered.").into_response();
        }
        Err(error) => {
            tracing::error!(%error, device_id, "upload: reading the device failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again later.").into_response();
        }
    }
    let size = body.len();
    match services
        .store
        .save_file(device_id, kind.as_str(), &name, body.to_vec(), now)
        .await
    {
        Ok(file) => {
            tracing::info!(
                device_id,
                file_id = file.id,
                size,
                kind = kind.as_str(),
                "file uploaded"
            );
            StatusCode::CREATED.into_response()
        }
        Err(error) => {
            tracing::error!(%error, device_id, "storing an upload failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "The file could not be stored; try again later.",
            )
                .into_response()
        }
    }
}
