//! What the ACS needs to reach a device: where (the URL it reported, the address it talks
//! from) and with which credentials. Secrets live in their own table and leave it only here.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, EntityTrait, JoinType, QueryOrder, QuerySelect, RelationTrait,
    sea_query::OnConflict,
};

use super::{
    Store, StoreError,
    entity::{connection_request_default, device, device_presence, device_secret, stun_binding},
};
use crate::http_auth::Credentials;

/// Where and how to send a device its Connection Request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeTarget {
    pub connection_request_url: Option<String>,
    /// The address the device's sessions come from.
    pub seen_from: Option<String>,
    pub last_inform_at: DateTime<Utc>,
    /// The device's own credentials, else its product class's default (the global default
    /// is applied by the caller).
    pub credentials: Option<Credentials>,
    /// The device said it is behind NAT (ManagementServer.NATDetected).
    pub nat_detected: bool,
    /// Where UDP Connection Requests reach it (`host:port`): its STUN binding as our STUN
    /// server saw it, else what it reported (ManagementServer.UDPConnectionRequestAddress).
    pub udp_address: Option<String>,
}

/// The value of the tree's parameter whose name ends in `suffix` (the root differs by model).
fn value_ending<'a>(tree: &'a super::ParameterTree, suffix: &str) -> Option<&'a str> {
    tree.iter()
        .find(|(name, _)| name.ends_with(suffix))
        .and_then(|(_, parameter)| parameter.value.as_deref())
        .filter(|value| !value.is_empty())
}

impl Store {
    /// `None` when there is no such device.
    pub async fn wake_target(&self, device_id: i64) -> Result<Option<WakeTarget>, StoreError> {
        let Some((url, seen_from, last_inform_at, product_class)) =
            device::Entity::find_by_id(device_id)
                .select_only()
                .column(device::Column::ConnectionRequestUrl)
                .column(device::Column::IpAddress)
                .column(device_presence::Column::LastInformAt)
                .column(device::Column::ProductClass)
                .join(JoinType::LeftJoin, device::Relation::Presence.def())
                .into_tuple::<(
                    Option<String>,
                    Option<String>,
                    Option<DateTime<Utc>>,
                    String,
                )>()
                .one(&self.db)
                .await?
        else {
            return Ok(None);
        };
        // Never informed (no presence row): as long ago as can be.
        let last_inform_at = last_inform_at.unwrap_or(DateTime::UNIX_EPOCH);
        let credentials = device_secret::Entity::find_by_id(device_id)
            .one(&self.db)
            .await?
            .map(|secret| Credentials {
                username: secret.connection_request_username,
                password: secret.connection_request_password,
            });
        let credentials = match credentials {
            Some(own) => Some(own),
            None => connection_request_default::Entity::find_by_id(product_class)
                .one(&self.db)
                .await?
                .map(|default| Credentials {
                    username: default.username,
                    password: default.password,
                }),
        };
        let tree = self.device_parameters(device_id).await?;
        let nat_detected = value_ending(&tree, "ManagementServer.NATDetected")
            .is_some_and(|value| value == "true" || value == "1");
        let reported = value_ending(&tree, "ManagementServer.UDPConnectionRequestAddress");
        let bound = match value_ending(&tree, "ManagementServer.STUNUsername") {
            Some(username) => self.stun_binding(username).await?,
            None => None,
        };
        Ok(Some(WakeTarget {
            connection_request_url: url.filter(|url| !url.trim().is_empty()),
            seen_from,
            last_inform_at,
            credentials,
            nat_detected,
            udp_address: bound.or_else(|| reported.map(str::to_owned)),
        }))
    }

    /// When the device last informed: all a wait for its session needs to read (not its tree).
    pub async fn last_inform_at(
        &self,
        device_id: i64,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(device_presence::Entity::find_by_id(device_id)
            .select_only()
            .column(device_presence::Column::LastInformAt)
            .into_tuple::<DateTime<Utc>>()
            .one(&self.db)
            .await?)
    }

    /// Records where a STUN username was seen (`host:port`).
    pub async fn record_stun_binding(
        &self,
        username: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        stun_binding::Entity::insert(stun_binding::ActiveModel {
            username: Set(username.to_owned()),
            address: Set(address.to_owned()),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(stun_binding::Column::Username)
                .update_columns([
                    stun_binding::Column::Address,
                    stun_binding::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    pub async fn stun_binding(&self, username: &str) -> Result<Option<String>, StoreError> {
        Ok(stun_binding::Entity::find_by_id(username.to_owned())
            .one(&self.db)
            .await?
            .map(|row| row.address))
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

impl Store {
    /// Credentials for every device of `product_class` without its own.
    pub async fn set_product_class_credentials(
        &self,
        product_class: &str,
        credentials: &Credentials,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        connection_request_default::Entity::insert(connection_request_default::ActiveModel {
            product_class: Set(product_class.to_owned()),
            username: Set(credentials.username.clone()),
            password: Set(credentials.password.clone()),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(connection_request_default::Column::ProductClass)
                .update_columns([
                    connection_request_default::Column::Username,
                    connection_request_default::Column::Password,
                    connection_request_default::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    pub async fn clear_product_class_credentials(
        &self,
        product_class: &str,
    ) -> Result<bool, StoreError> {
        let result = connection_request_default::Entity::delete_by_id(product_class.to_owned())
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// (product class, username, updated) of every default; passwords stay inside.
    pub async fn list_product_class_credentials(
        &self,
    ) -> Result<Vec<(String, String, DateTime<Utc>)>, StoreError> {
        Ok(connection_request_default::Entity::find()
            .order_by_asc(connection_request_default::Column::ProductClass)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (row.product_class, row.username, row.updated_at))
            .collect())
    }
}
