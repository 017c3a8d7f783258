//! When each device last informed and until when it counts as online: the two values every
//! periodic Inform changes, kept apart from `device` so that writing them leaves the device
//! row and its many indexes alone (migration 11).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_presence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub device_id: i64,
    pub last_inform_at: DateTimeUtc,
    pub online_until: Option<DateTimeUtc>,
    /// Since when the device has been informing on time; `None` where not known
    /// (`heartbeat_events`, migration 14).
    pub online_since: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::device::Entity",
        from = "Column::DeviceId",
        to = "super::device::Column::Id",
        on_delete = "Cascade"
    )]
    Device,
}

impl Related<super::device::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Device.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
