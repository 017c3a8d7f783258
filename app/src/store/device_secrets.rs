//! What the ACS needs to reach a device: where (the URL it reported, the address it talks
//! from) and with which credentials. Secrets live in their own table and leave it only here.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait, QuerySelect, sea_query::OnConflict};

use super::{
    Store, StoreError,
    entity::{device, device_secret},
};
use crate::http_auth::Credentials;

/// Where and how to send a device its Connection Request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeTarget {
    pub connection_request_url: Option<String>,
    /// The address the device's sessions come from.
    pub seen_from: Option<String>,
    pub last_inform_at: DateTime<Utc>,
    /// The credentials stored for this device, if any (defaults are applied by the caller).
    pub credentials: Option<Credentials>,
}

impl Store {
    /// `None` when there is no such device.
    pub async fn wake_target(&self, device_id: i64) -> Result<Option<WakeTarget>, StoreError> {
        let Some((url, seen_from, last_inform_at)) = device::Entity::find_by_id(device_id)
            .select_only()
            .column(device::Column::ConnectionRequestUrl)
            .column(device::Column::IpAddress)
            .column(device::Column::LastInformAt)
            .into_tuple::<(Option<String>, Option<String>, DateTime<Utc>)>()
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let credentials = device_secret::Entity::find_by_id(device_id)
            .one(&self.db)
            .await?
            .map(|secret| Credentials {
                username: secret.connection_request_username,
                password: secret.connection_request_password,
            });
        Ok(Some(WakeTarget {
            connection_request_url: url.filter(|url| !url.trim().is_empty()),
            seen_from,
            last_inform_at,
            credentials,
        }))
    }

    /// Records the credentials the device now expects (set by an operator, or confirmed by
    /// the device after the ACS set them).
    pub async fn set_connection_request_credentials(
        &self,
        device_id: i64,
        credentials: &Credentials,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        device_secret::Entity::insert(device_secret::ActiveModel {
            device_id: Set(device_id),
            connection_request_username: Set(credentials.username.clone()),
            connection_request_password: Set(credentials.password.clone()),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(device_secret::Column::DeviceId)
                .update_columns([
                    device_secret::Column::ConnectionRequestUsername,
                    device_secret::Column::ConnectionRequestPassword,
                    device_secret::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Forgets a device's own credentials: the defaults apply again.
    pub async fn clear_connection_request_credentials(
        &self,
        device_id: i64,
    ) -> Result<bool, StoreError> {
        let result = device_secret::Entity::delete_by_id(device_id)
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected > 0)
    }
}
