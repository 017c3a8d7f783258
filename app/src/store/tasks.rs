//! Tasks: requests queued for a device and their outcome. The request and the response are
//! kept as the CWMP XML of their method element (the codec is the serialisation).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{Store, StoreError, entity::task};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// Waiting for the device's next session (or a retry).
    Queued,
    Done,
    /// Refused by the device for good; the fault is kept.
    Fault,
    Cancelled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Queued => "queued",
            TaskStatus::Done => "done",
            TaskStatus::Fault => "fault",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<TaskStatus> {
        [
            TaskStatus::Queued,
            TaskStatus::Done,
            TaskStatus::Fault,
            TaskStatus::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTask {
    pub id: i64,
    pub device_id: i64,
    pub method: String,
    pub request: String,
    pub status: TaskStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub fault_code: Option<i32>,
    pub fault_message: Option<String>,
    pub result: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<task::Model> for StoredTask {
    type Error = StoreError;

    fn try_from(row: task::Model) -> Result<Self, StoreError> {
        Ok(StoredTask {
            id: row.id,
            device_id: row.device_id,
            method: row.method,
            request: row.request,
            status: TaskStatus::parse(&row.status).ok_or(StoreError::Corrupt {
                what: "task status",
                value: row.status.clone(),
            })?,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            fault_code: row.fault_code,
            fault_message: row.fault_message,
            result: row.result,
            created_by: row.created_by,
            created_at: row.created_at,
        })
    }
}

impl Store {
    /// Queues a request for a device's next session; returns the task's id.
    pub async fn queue_task(
        &self,
        device_id: i64,
        method: &str,
        request: &str,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let row = task::ActiveModel {
            device_id: Set(device_id),
            method: Set(method.to_owned()),
            request: Set(request.to_owned()),
            status: Set(TaskStatus::Queued.as_str().to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            fault_code: Set(None),
            fault_message: Set(None),
            result: Set(None),
            created_by: Set(created_by.to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(row.id)
    }

    /// Queued tasks of a device that are due, oldest first.
    pub async fn due_tasks(
        &self,
        device_id: i64,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<StoredTask>, StoreError> {
        task::Entity::find()
            .filter(task::Column::DeviceId.eq(device_id))
            .filter(task::Column::Status.eq(TaskStatus::Queued.as_str()))
            .filter(task::Column::NextAttemptAt.lte(now))
            .order_by_asc(task::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(StoredTask::try_from)
            .collect()
    }

    pub async fn task(&self, id: i64) -> Result<Option<StoredTask>, StoreError> {
        task::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(StoredTask::try_from)
            .transpose()
    }

    /// The device answered: the task is done, with its response.
    pub async fn complete_task(
        &self,
        id: i64,
        result: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        task::Entity::update_many()
            .col_expr(task::Column::Status, Expr::value(TaskStatus::Done.as_str()))
            .col_expr(task::Column::Result, Expr::value(result))
            .col_expr(
                task::Column::Attempts,
                Expr::col(task::Column::Attempts).add(1),
            )
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The device refused: keep the fault, and queue again at `retry_at` or give up.
    pub async fn record_task_fault(
        &self,
        id: i64,
        code: u32,
        message: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let status = if retry_at.is_some() {
            TaskStatus::Queued
        } else {
            TaskStatus::Fault
        };
        task::Entity::update_many()
            .col_expr(task::Column::Status, Expr::value(status.as_str()))
            .col_expr(
                task::Column::FaultCode,
                Expr::value(i32::try_from(code).unwrap_or(i32::MAX)),
            )
            .col_expr(task::Column::FaultMessage, Expr::value(message))
            .col_expr(
                task::Column::NextAttemptAt,
                Expr::value(retry_at.unwrap_or(now)),
            )
            .col_expr(
                task::Column::Attempts,
                Expr::col(task::Column::Attempts).add(1),
            )
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
