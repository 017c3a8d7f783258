//! Files devices uploaded: a device's list, and each file's content.

use app::{model::Role, services::Services};
use axum::{
    Json,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    caller::Caller,
    devices::{ensure_device, parse_id},
    error::{ApiError, ApiResult},
};

#[derive(Debug, Serialize)]
pub struct FileView {
    id: i64,
    device_id: Option<i64>,
    /// config, log or other.
    kind: String,
    name: String,
    size: i64,
    sha256: String,
    created_at: DateTime<Utc>,
}

pub async fn list_for_device(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(Role::STAFF)?;
    let device_id = parse_id(&id)?;
    ensure_device(&services, device_id).await?;
    let files: Vec<FileView> = services
        .store
        .device_files(device_id)
        .await?
        .into_iter()
        .map(|file| FileView {
            id: file.id,
            device_id: file.device_id,
            kind: file.file_type,
            name: file.name,
            size: file.size,
            sha256: file.sha256,
            created_at: file.created_at,
        })
        .collect();
    Ok(Json(
        serde_json::json!({ "device_id": device_id, "files": files }),
    ))
}

pub async fn download(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.require(Role::STAFF)?;
    let file_id = parse_id(&id)?;
    let (file, content) = services
        .store
        .file(file_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no file {file_id}.")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.name),
            ),
        ],
        content,
    )
        .into_response())
}
