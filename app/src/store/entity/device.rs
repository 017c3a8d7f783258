use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "device")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub oui: String,
    pub product_class: String,
    pub serial_number: String,
    pub manufacturer: String,
    pub software_version: Option<String>,
    pub hardware_version: Option<String>,
    pub data_model: Option<String>,
    pub ip_address: Option<String>,
    pub connection_request_url: Option<String>,
    pub cwmp_version: String,
    pub registered_at: DateTimeUtc,
    pub last_boot_at: Option<DateTimeUtc>,
    pub parameters: Json,
    pub parameters_version: i64,
    pub tree_complete: bool,
    pub inform_digest: Option<String>,
    pub inform_names: Option<String>,
    pub inform_interval: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// When it last informed (`device_presence`).
    #[sea_orm(has_one = "super::device_presence::Entity")]
    Presence,
}

impl Related<super::device_presence::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Presence.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
