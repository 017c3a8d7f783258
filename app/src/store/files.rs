//! The file store: files devices uploaded (configuration backups, logs).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DerivePartialModel, EntityTrait, QueryFilter,
    QueryOrder,
};
use sha2::{Digest, Sha256};

use super::{Store, StoreError, entity::stored_file};

/// A stored file without its content (read as a partial row: the content stays behind).
#[derive(Debug, Clone, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "stored_file::Entity")]
pub struct StoredFileInfo {
    pub id: i64,
    pub device_id: Option<i64>,
    pub file_type: String,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    pub async fn save_file(
        &self,
        device_id: i64,
        file_type: &str,
        name: &str,
        content: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Result<StoredFileInfo, StoreError> {
        let sha256 = crate::hex::to_hex(&Sha256::digest(&content));
        let row = stored_file::ActiveModel {
            device_id: Set(Some(device_id)),
            task_id: Set(None),
            file_type: Set(file_type.to_owned()),
            name: Set(name.to_owned()),
            size: Set(i64::try_from(content.len()).unwrap_or(i64::MAX)),
            sha256: Set(sha256),
            content: Set(content),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(StoredFileInfo::from(&row))
    }

    /// A device's files, newest first.
    pub async fn device_files(&self, device_id: i64) -> Result<Vec<StoredFileInfo>, StoreError> {
        Ok(stored_file::Entity::find()
            .filter(stored_file::Column::DeviceId.eq(device_id))
            .order_by_desc(stored_file::Column::Id)
            .into_partial_model::<StoredFileInfo>()
            .all(&self.db)
            .await?)
    }

    /// A file with its content.
    pub async fn file(&self, id: i64) -> Result<Option<(StoredFileInfo, Vec<u8>)>, StoreError> {
        Ok(stored_file::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(|row| (StoredFileInfo::from(&row), row.content)))
    }
}

impl From<&stored_file::Model> for StoredFileInfo {
    fn from(row: &stored_file::Model) -> Self {
        StoredFileInfo {
            id: row.id,
            device_id: row.device_id,
            file_type: row.file_type.clone(),
            name: row.name.clone(),
            size: row.size,
            sha256: row.sha256.clone(),
            created_at: row.created_at,
        }
    }
}
