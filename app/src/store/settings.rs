//! Server-wide settings that must be the same on every instance sharing the database
//! (the token signing secret, for one).

use sea_orm::{ActiveValue::Set, EntityTrait};

use super::{Store, StoreError, entity::setting};

impl Store {
    /// Returns the stored value of `key`, storing `make()` first if there is none. When
    /// several instances race, the first write wins and all of them read the same value.
    pub async fn setting_or_insert(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        if let Some(row) = setting::Entity::find_by_id(key).one(&self.db).await? {
            return Ok(row.value);
        }
        let row = setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(make()),
        };
        setting::Entity::insert(row)
            .on_conflict_do_nothing()
            .exec(&self.db)
            .await?;
        let row = setting::Entity::find_by_id(key)
            .one(&self.db)
            .await?
            .ok_or(StoreError::Corrupt {
                what: "setting",
                value: key.to_owned(),
            })?;
        Ok(row.value)
    }
}
