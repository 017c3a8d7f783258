//! Which customer accounts may see which devices, and the one-time claim codes with which a
//! customer links a device to their own account.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait, sea_query::OnConflict,
};

use super::{
    Store, StoreError,
    entity::{app_user, customer_device, device, device_claim_code},
};

/// The outcome of a customer's claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    Linked {
        device_id: i64,
    },
    /// No device with that serial number has that (unexpired) code.
    NoMatch,
}

impl Store {
    /// Links a customer to a device; linking twice changes nothing.
    pub async fn link_customer(
        &self,
        user_id: i64,
        device_id: i64,
        linked_by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        customer_device::Entity::insert(customer_device::ActiveModel {
            user_id: Set(user_id),
            device_id: Set(device_id),
            linked_by: Set(linked_by.to_owned()),
            linked_at: Set(now),
        })
        .on_conflict_do_nothing_on([
            customer_device::Column::UserId,
            customer_device::Column::DeviceId,
        ])
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// False when they were not linked.
    pub async fn unlink_customer(&self, user_id: i64, device_id: i64) -> Result<bool, StoreError> {
        let result = customer_device::Entity::delete_many()
            .filter(customer_device::Column::UserId.eq(user_id))
            .filter(customer_device::Column::DeviceId.eq(device_id))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// The usernames of the customers linked to a device, by name.
    pub async fn customers_of(&self, device_id: i64) -> Result<Vec<String>, StoreError> {
        let user_ids: Vec<i64> = customer_device::Entity::find()
            .select_only()
            .column(customer_device::Column::UserId)
            .filter(customer_device::Column::DeviceId.eq(device_id))
            .into_tuple()
            .all(&self.db)
            .await?;
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(app_user::Entity::find()
            .select_only()
            .column(app_user::Column::Username)
            .filter(app_user::Column::Id.is_in(user_ids))
            .order_by_asc(app_user::Column::Username)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The devices a customer may see, oldest link first.
    pub async fn customer_device_ids(&self, user_id: i64) -> Result<Vec<i64>, StoreError> {
        Ok(customer_device::Entity::find()
            .select_only()
            .column(customer_device::Column::DeviceId)
            .filter(customer_device::Column::UserId.eq(user_id))
            .order_by_asc(customer_device::Column::LinkedAt)
            .order_by_asc(customer_device::Column::DeviceId)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// Whether the customer may see the device.
    pub async fn customer_has_device(
        &self,
        user_id: i64,
        device_id: i64,
    ) -> Result<bool, StoreError> {
        Ok(customer_device::Entity::find()
            .filter(customer_device::Column::UserId.eq(user_id))
            .filter(customer_device::Column::DeviceId.eq(device_id))
            .count(&self.db)
            .await?
            > 0)
    }

    /// Replaces the device's claim code (only its hash is kept).
    pub async fn set_claim_code(
        &self,
        device_id: i64,
        code_hash: &str,
        created_by: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        device_claim_code::Entity::insert(device_claim_code::ActiveModel {
            device_id: Set(device_id),
            code_hash: Set(code_hash.to_owned()),
            created_by: Set(created_by.to_owned()),
            created_at: Set(now),
            expires_at: Set(expires_at),
        })
        .on_conflict(
            OnConflict::column(device_claim_code::Column::DeviceId)
                .update_columns([
                    device_claim_code::Column::CodeHash,
                    device_claim_code::Column::CreatedBy,
                    device_claim_code::Column::CreatedAt,
                    device_claim_code::Column::ExpiresAt,
                ])
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// When the device's claim code expires, if it has one that has not.
    pub async fn claim_code_expiry(
        &self,
        device_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(device_claim_code::Entity::find_by_id(device_id)
            .one(&self.db)
            .await?
            .map(|row| row.expires_at)
            .filter(|expires_at| *expires_at > now))
    }

    /// Links the customer to the device with `serial_number` whose unexpired claim code
    /// hashes to `code_hash`, and uses the code up: in one transaction, so a code links
    /// one account once.
    pub async fn claim_device(
        &self,
        user_id: i64,
        serial_number: &str,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        let transaction = self.db.begin().await?;
        let candidates: Vec<i64> = device::Entity::find()
            .select_only()
            .column(device::Column::Id)
            .filter(device::Column::SerialNumber.eq(serial_number))
            .into_tuple()
            .all(&transaction)
            .await?;
        if candidates.is_empty() {
            return Ok(ClaimOutcome::NoMatch);
        }
        let Some(code) = device_claim_code::Entity::find()
            .filter(device_claim_code::Column::DeviceId.is_in(candidates))
            .filter(device_claim_code::Column::CodeHash.eq(code_hash))
            .filter(device_claim_code::Column::ExpiresAt.gt(now))
            .one(&transaction)
            .await?
        else {
            return Ok(ClaimOutcome::NoMatch);
        };
        let used = device_claim_code::Entity::delete_many()
            .filter(device_claim_code::Column::DeviceId.eq(code.device_id))
            .filter(device_claim_code::Column::CodeHash.eq(code_hash))
            .exec(&transaction)
            .await?;
        if used.rows_affected == 0 {
            // Another claim used it meanwhile.
            return Ok(ClaimOutcome::NoMatch);
        }
        customer_device::Entity::insert(customer_device::ActiveModel {
            user_id: Set(user_id),
            device_id: Set(code.device_id),
            linked_by: Set("claim code".to_owned()),
            linked_at: Set(now),
        })
        .on_conflict_do_nothing_on([
            customer_device::Column::UserId,
            customer_device::Column::DeviceId,
        ])
        .exec(&transaction)
        .await?;
        transaction.commit().await?;
        Ok(ClaimOutcome::Linked {
            device_id: code.device_id,
        })
    }
}
