use sea_orm::entity::prelude::*;

/// `Debug` by hand: the password never reaches a log.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "connection_request_default")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_class: String,
    pub username: String,
    pub password: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionRequestDefault")
            .field("product_class", &self.product_class)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}
