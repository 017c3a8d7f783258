//! Tasks: requests queued for a device and their outcome. The request and the response are
//! kept as the CWMP XML of their method element (the codec is the serialisation).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{Store, StoreError, entity::task};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// Waiting for the device's next session (or a retry).
    Queued,
    /// Taken into a device's session; back to queued if the session ends without an answer.
    Running,
    Done,
    /// Refused by the device for good; the fault is kept.
    Fault,
    /// Still queued when its deadline passed.
    Expired,
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Queued,
        TaskStatus::Running,
        TaskStatus::Done,
        TaskStatus::Fault,
        TaskStatus::Expired,
        TaskStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Queued => "queued",
            TaskStatus::Running => "running",
            TaskStatus::Done => "done",
            TaskStatus::Fault => "fault",
            TaskStatus::Expired => "expired",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<TaskStatus> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Whether the task has reached an end (it may still be retried by a person).
    pub fn is_final(self) -> bool {
        !matches!(self, TaskStatus::Queued | TaskStatus::Running)
    }
}

/// How long a task stays `running` without news before another session may take it: the
/// instance that took it is presumed gone.
const RUNNING_LEASE_SECONDS: i64 = 300;

/// Results and faults land only on tasks still in hand (not cancelled meanwhile).
const UNFINISHED: [&str; 2] = ["queued", "running"];

/// Which tasks to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub device_id: Option<i64>,
    pub status: Option<TaskStatus>,
    /// Only tasks older than this id (the previous page's last).
    pub before_id: Option<i64>,
    pub limit: u64,
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
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
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
            updated_at: row.updated_at,
            expires_at: row.expires_at,
        })
    }
}

impl Store {
    /// Queues a request for a device's next session; returns the task as stored, or `None`
    /// when there is no such device. The foreign key says so: no read before the insert.
    pub async fn queue_task(
        &self,
        device_id: i64,
        method: &str,
        request: &str,
        created_by: &str,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredTask>, StoreError> {
        let inserted = task::ActiveModel {
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
            expires_at: Set(expires_at),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        match inserted {
            Ok(row) => StoredTask::try_from(row).map(Some),
            Err(error)
                if matches!(
                    error.sql_err(),
                    Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
                ) =>
            {
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Takes the device's due tasks into a session, oldest first, in one statement: queued
    /// ones whose time has come and that have not expired, and running ones whose lease ran
    /// out, become `running` now. Another session claiming at the same time gets none of the
    /// same (the conditions are checked again on each row as it is updated).
    pub async fn claim_due_tasks(
        &self,
        device_id: i64,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<StoredTask>, StoreError> {
        let lease_start = now - chrono::Duration::seconds(RUNNING_LEASE_SECONDS);
        let due = Condition::all()
            .add(task::Column::DeviceId.eq(device_id))
            .add(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(task::Column::Status.eq(TaskStatus::Queued.as_str()))
                            .add(task::Column::NextAttemptAt.lte(now)),
                    )
                    .add(
                        Condition::all()
                            .add(task::Column::Status.eq(TaskStatus::Running.as_str()))
                            .add(task::Column::UpdatedAt.lt(lease_start)),
                    ),
            )
            .add(
                Condition::any()
                    .add(task::Column::ExpiresAt.is_null())
                    .add(task::Column::ExpiresAt.gt(now)),
            );
        let oldest = task::Entity::find()
            .select_only()
            .column(task::Column::Id)
            .filter(due.clone())
            .order_by_asc(task::Column::Id)
            .limit(limit)
            .into_query();
        let mut claimed = task::Entity::update_many()
            .col_expr(
                task::Column::Status,
                Expr::value(TaskStatus::Running.as_str()),
            )
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.in_subquery(oldest))
            .filter(due)
            .exec_with_returning(&self.db)
            .await?
            .into_iter()
            .map(StoredTask::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING follows no order.
        claimed.sort_by_key(|task| task.id);
        Ok(claimed)
    }

    pub async fn task(&self, id: i64) -> Result<Option<StoredTask>, StoreError> {
        task::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(StoredTask::try_from)
            .transpose()
    }

    /// A session ended before the device answered these tasks: they wait for the next one.
    pub async fn release_tasks(&self, ids: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        // Boxed: every session ends through here, most with nothing to release, and the
        // update's state would otherwise be part of each one's future.
        Box::pin(
            task::Entity::update_many()
                .col_expr(
                    task::Column::Status,
                    Expr::value(TaskStatus::Queued.as_str()),
                )
                .col_expr(task::Column::UpdatedAt, Expr::value(now))
                .filter(task::Column::Id.is_in(ids.iter().copied()))
                .filter(task::Column::Status.eq(TaskStatus::Running.as_str()))
                .exec(&self.db),
        )
        .await?;
        Ok(())
    }

    /// Ends queued tasks whose deadline has passed; returns how many.
    pub async fn expire_tasks(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = task::Entity::update_many()
            .col_expr(
                task::Column::Status,
                Expr::value(TaskStatus::Expired.as_str()),
            )
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Status.eq(TaskStatus::Queued.as_str()))
            .filter(task::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }

    /// Tasks, newest first.
    pub async fn list_tasks(&self, filter: &TaskFilter) -> Result<Vec<StoredTask>, StoreError> {
        let mut select = task::Entity::find();
        if let Some(device_id) = filter.device_id {
            select = select.filter(task::Column::DeviceId.eq(device_id));
        }
        if let Some(status) = filter.status {
            select = select.filter(task::Column::Status.eq(status.as_str()));
        }
        if let Some(before) = filter.before_id {
            select = select.filter(task::Column::Id.lt(before));
        }
        select
            .order_by_desc(task::Column::Id)
            .limit(std::cmp::max(filter.limit, 1))
            .all(&self.db)
            .await?
            .into_iter()
            .map(StoredTask::try_from)
            .collect()
    }

    /// Cancels a queued task; false when it was not queued (running or ended).
    pub async fn cancel_task(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.move_task(id, TaskStatus::Queued, TaskStatus::Cancelled, now)
            .await
    }

    /// Dismisses a task's fault (it leaves the fault list, its fault is kept for history);
    /// false when the task was not in fault.
    pub async fn clear_fault(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.move_task(id, TaskStatus::Fault, TaskStatus::Cancelled, now)
            .await
    }

    async fn move_task(
        &self,
        id: i64,
        from: TaskStatus,
        to: TaskStatus,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = task::Entity::update_many()
            .col_expr(task::Column::Status, Expr::value(to.as_str()))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(id))
            .filter(task::Column::Status.eq(from.as_str()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Queues an ended task (fault, expired, cancelled) again, from its first attempt and
    /// with a new deadline; false when it had not ended or was done.
    pub async fn retry_task(
        &self,
        id: i64,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = task::Entity::update_many()
            .col_expr(
                task::Column::Status,
                Expr::value(TaskStatus::Queued.as_str()),
            )
            .col_expr(task::Column::Attempts, Expr::value(0))
            .col_expr(task::Column::NextAttemptAt, Expr::value(now))
            .col_expr(task::Column::ExpiresAt, Expr::value(expires_at))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(id))
            .filter(task::Column::Status.is_in([
                TaskStatus::Fault.as_str(),
                TaskStatus::Expired.as_str(),
                TaskStatus::Cancelled.as_str(),
            ]))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
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
            .filter(task::Column::Status.is_in(UNFINISHED))
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
            .filter(task::Column::Status.is_in(UNFINISHED))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
