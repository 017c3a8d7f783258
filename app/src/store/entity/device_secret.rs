use sea_orm::entity::prelude::*;

/// `Debug` by hand: the password never reaches a log.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_secret")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub device_id: i64,
    pub connection_request_username: String,
    pub connection_request_password: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSecret")
            .field("device_id", &self.device_id)
            .field(
                "connection_request_username",
                &self.connection_request_username,
            )
            .finish_non_exhaustive()
    }
}
