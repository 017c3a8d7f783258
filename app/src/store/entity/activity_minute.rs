use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_minute")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub minute: DateTimeUtc,
    pub informs: i64,
    pub registrations: i64,
    pub faults: i64,
    pub task_failures: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
