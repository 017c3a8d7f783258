//! Tasks and faults: queue work on a device (optionally waiting for the result), list, get,
//! cancel, retry; the fault list with retry and clear.

use std::time::Duration;

use app::{
    acs::{
        task_spec::{DEFAULT_EXPIRY_SECONDS, MAX_WAIT_SECONDS, TaskSpec},
        tasks::{self as acs_tasks, QueueError},
        wait::wait_for_task,
    },
    model::Role,
    services::Services,
    store::{AuditAction, MAX_PAGE_SIZE, StoredTask, TaskFilter, TaskStatus},
};
use axum::{
    Json,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::{
    caller::Caller,
    devices::{ensure_device, parse_id, parse_limit},
    error::{ApiError, ApiJson, ApiQuery, ApiResult},
    views::{TaskView, WakeView},
};

const MAX_EXPIRY_SECONDS: i64 = 365 * 86_400;

#[derive(Debug, Deserialize)]
pub struct QueueParams {
    /// Seconds to wait for the result before answering 202.
    wait: Option<String>,
    /// Seconds the task may wait in the queue before it expires.
    expires_in: Option<String>,
}

pub(super) fn parse_seconds(field: &str, text: Option<&str>, max: u64) -> ApiResult<Option<u64>> {
    match text {
        None | Some("") => Ok(None),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if n <= max => Ok(Some(n)),
            _ => Err(ApiError::invalid(
                field,
                format!("{field} is a number of seconds from 0 to {max}"),
            )),
        },
    }
}

/// How a task is answered: 200 once it ended; while it has not, 202 after a wait ran out,
/// 201 right after queueing without a wait.
fn task_answer(task: StoredTask, waited: bool) -> Response {
    task_answer_with_wake(task, waited, None)
}

fn task_answer_with_wake(task: StoredTask, waited: bool, wake: Option<WakeView>) -> Response {
    let status = if task.status.is_final() {
        StatusCode::OK
    } else if waited {
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    let location = format!("/api/v1/tasks/{}", task.id);
    let view = TaskView {
        wake,
        ..TaskView::from(task)
    };
    (status, [(header::LOCATION, location)], Json(view)).into_response()
}

pub async fn queue(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<QueueParams>,
    ApiJson(spec): ApiJson<TaskSpec>,
) -> ApiResult<Response> {
    caller.require(Role::STAFF)?;
    let device_id = parse_id(&id)?;
    let wait = parse_seconds("wait", params.wait.as_deref(), MAX_WAIT_SECONDS)?;
    let expires_in = parse_seconds(
        "expires_in",
        params.expires_in.as_deref(),
        MAX_EXPIRY_SECONDS as u64,
    )?
    .map_or(DEFAULT_EXPIRY_SECONDS, |s| s as i64);
    let now = Utc::now();
    let expires_at = now + chrono::Duration::seconds(expires_in);
    let task = acs_tasks::queue_spec(&services, &caller.actor, device_id, &spec, expires_at, now)
        .await
        .map_err(|error| match error {
            QueueError::NoDevice(id) => ApiError::not_found(format!("There is no device {id}.")),
            QueueError::Invalid(error) => ApiError::invalid(error.field, error.message),
            QueueError::Store(error) => error.into(),
        })?;
    let task_id = task.id;
    let Some(seconds) = wait.filter(|w| *w > 0) else {
        return Ok(task_answer(task, false));
    };
    let gone = || ApiError::not_found(format!("Task {task_id} is gone (was its device deleted?)."));
    // Waiting for a result is asking for it now: wake the device. If it cannot be woken the
    // wait still runs (the device may be in a session or about to inform); the answer says
    // what the wake-up met, so a script can tell "slow" from "unreachable".
    let wake = services.waker.wake(device_id).await;
    let task = wait_for_task(
        &services.store,
        &services.events,
        task_id,
        Duration::from_secs(seconds),
    )
    .await?
    .ok_or_else(gone)?;
    Ok(task_answer_with_wake(
        task,
        true,
        Some(WakeView::from(&wake)),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    device: Option<String>,
    status: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TaskPageView {
    tasks: Vec<TaskView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<i64>,
}

async fn list_page(
    services: &Services,
    mut filter: TaskFilter,
    params: &ListParams,
) -> ApiResult<Json<TaskPageView>> {
    if let Some(device) = params.device.as_deref().filter(|d| !d.is_empty()) {
        filter.device_id = Some(
            parse_id(device).map_err(|_| ApiError::invalid("device", "device is a device id"))?,
        );
    }
    if let Some(status) = params.status.as_deref().filter(|s| !s.is_empty()) {
        filter.status = Some(TaskStatus::parse(status).ok_or_else(|| {
            let names: Vec<&str> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::invalid("status", format!("status is one of {}", names.join(", ")))
        })?);
    }
    if let Some(before) = params.before.as_deref().filter(|b| !b.is_empty()) {
        filter.before_id =
            Some(parse_id(before).map_err(|_| ApiError::invalid("before", "before is a task id"))?);
    }
    filter.limit = parse_limit(params.limit.as_deref(), 50)?;
    let limit = filter.limit;
    let tasks = services
        .store
        .list_tasks(&TaskFilter {
            limit: limit + 1,
            ..filter
        })
        .await?;
    let more = tasks.len() as u64 > limit;
    let tasks: Vec<TaskView> = tasks
        .into_iter()
        .take(limit.min(MAX_PAGE_SIZE) as usize)
        .map(TaskView::from)
        .collect();
    let next_before = more.then(|| tasks.last().map(|t| t.id)).flatten();
    Ok(Json(TaskPageView { tasks, next_before }))
}

pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<TaskPageView>> {
    caller.require(Role::STAFF)?;
    list_page(&services, TaskFilter::default(), &params).await
}

pub async fn list_for_device(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<TaskPageView>> {
    caller.require(Role::STAFF)?;
    let device_id = parse_id(&id)?;
    ensure_device(&services, device_id).await?;
    let filter = TaskFilter {
        device_id: Some(device_id),
        ..TaskFilter::default()
    };
    list_page(&services, filter, &params).await
}

#[derive(Debug, Deserialize)]
pub struct GetParams {
    wait: Option<String>,
}

pub async fn one(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<GetParams>,
) -> ApiResult<Response> {
    caller.require(Role::STAFF)?;
    let task_id = parse_id(&id)?;
    let wait = parse_seconds("wait", params.wait.as_deref(), MAX_WAIT_SECONDS)?.unwrap_or(0);
    let task = wait_for_task(
        &services.store,
        &services.events,
        task_id,
        Duration::from_secs(wait),
    )
    .await?
    .ok_or_else(|| no_task(task_id))?;
    if wait == 0 {
        return Ok(Json(TaskView::from(task)).into_response());
    }
    Ok(task_answer(task, true))
}

fn no_task(id: i64) -> ApiError {
    ApiError::not_found(format!("There is no task {id}."))
}

/// A change of a task's state by a person: cancel, retry, clear.
#[derive(Debug, Clone, Copy)]
enum Change {
    Cancel,
    Retry,
    Clear,
}

async fn change(
    services: &Services,
    caller: &Caller,
    id: &str,
    change: Change,
) -> ApiResult<Json<TaskView>> {
    caller.require(Role::STAFF)?;
    let task_id = parse_id(id)?;
    let task = services
        .store
        .task(task_id)
        .await?
        .ok_or_else(|| no_task(task_id))?;
    let now = Utc::now();
    let (changed, action, refusal) = match change {
        Change::Cancel => (
            services.store.cancel_task(task_id, now).await?,
            AuditAction::TaskCancelled,
            "Only a queued task can be cancelled",
        ),
        Change::Retry => (
            services
                .store
                .retry_task(
                    task_id,
                    Some(now + chrono::Duration::seconds(DEFAULT_EXPIRY_SECONDS)),
                    now,
                )
                .await?,
            AuditAction::TaskRetried,
            "Only a task that failed, expired or was cancelled can be retried",
        ),
        Change::Clear => (
            services.store.clear_fault(task_id, now).await?,
            AuditAction::FaultCleared,
            "Only a task in fault can be cleared",
        ),
    };
    if !changed {
        return Err(ApiError::conflict(format!(
            "{refusal}; task {task_id} is {}.",
            task.status.as_str()
        )));
    }
    services
        .audit(
            &caller.actor,
            action,
            Some(&format!("device:{}", task.device_id)),
            format!("{} (task {task_id})", task.method),
            now,
        )
        .await?;
    let task = services
        .store
        .task(task_id)
        .await?
        .ok_or_else(|| no_task(task_id))?;
    Ok(Json(TaskView::from(task)))
}

pub async fn cancel(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskView>> {
    change(&services, &caller, &id, Change::Cancel).await
}

pub async fn retry(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskView>> {
    change(&services, &caller, &id, Change::Retry).await
}

pub async fn clear_fault(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TaskView>> {
    change(&services, &caller, &id, Change::Clear).await
}

#[derive(Debug, Deserialize)]
pub struct FaultParams {
    device: Option<String>,
    before: Option<String>,
    limit: Option<String>,
}

fn fault_filter(params: FaultParams) -> ListParams {
    ListParams {
        device: params.device,
        status: Some(TaskStatus::Fault.as_str().to_owned()),
        before: params.before,
        limit: params.limit,
    }
}

pub async fn faults(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(params): ApiQuery<FaultParams>,
) -> ApiResult<Json<TaskPageView>> {
    caller.require(Role::STAFF)?;
    list_page(&services, TaskFilter::default(), &fault_filter(params)).await
}

pub async fn faults_for_device(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<FaultParams>,
) -> ApiResult<Json<TaskPageView>> {
    caller.require(Role::STAFF)?;
    let device_id = parse_id(&id)?;
    ensure_device(&services, device_id).await?;
    let filter = TaskFilter {
        device_id: Some(device_id),
        ..TaskFilter::default()
    };
    list_page(&services, filter, &fault_filter(params)).await
}
