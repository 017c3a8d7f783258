use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stored_file")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub device_id: Option<i64>,
    pub task_id: Option<i64>,
    pub file_type: String,
    pub name: String,
    pub size: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
