//! Reading the audit trail (admins only).

use leptos::prelude::*;

use crate::{error::AppError, model::AuditPage};

pub const AUDIT_PAGE_SIZE: u64 = 50;

/// The newest entries, or those older than the entry `before`.
#[server(endpoint = "list_audit")]
pub async fn list_audit(before: Option<i64>) -> Result<AuditPage, AppError> {
    use super::guard;
    use crate::model::AuditEntry;

    let (services, _, _) = guard::require(crate::model::Role::ADMIN).await?;
    let records = services
        .store
        .audit_page(before, AUDIT_PAGE_SIZE)
        .await
        .map_err(guard::internal)?;
    let older = (records.len() as u64 == AUDIT_PAGE_SIZE)
        .then(|| records.last().map(|record| record.id))
        .flatten();
    Ok(AuditPage {
        entries: records
            .into_iter()
            .map(|record| AuditEntry {
                id: record.id,
                at: guard::display_second(record.at),
                actor: record.actor,
                action: record.action,
                target: record.target,
                detail: record.detail,
                address: record.address,
            })
            .collect(),
        older,
    })
}
