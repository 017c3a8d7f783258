//! `/api/v1/devices`: list (keyset pages, sort, the query language), count, CSV export, one
//! device, its parameters, tags, deletion.

use app::{
    inventory::query::{self, Filter},
    model::Role,
    store::{
        Cursor, DeviceQuery, DeviceSort, MAX_PAGE_SIZE, SortKey, Store, StoredParameter, is_tag,
    },
};
use axum::{
    Json,
    body::{Body, Bytes},
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use app::{services::Services, store::AuditAction};

use super::{
    caller::Caller,
    error::{ApiError, ApiJson, ApiQuery, ApiResult},
    views::{DeviceView, ParameterView},
};

const DEFAULT_PAGE_SIZE: u64 = 50;
/// Rows per database page while exporting.
const EXPORT_PAGE_SIZE: u64 = 500;
/// Parameter columns an export may add.
const MAX_EXPORT_COLUMNS: usize = 50;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    q: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DevicePageView {
    devices: Vec<DeviceView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    sort: String,
}

pub fn parse_filter(q: Option<&str>) -> ApiResult<Option<Filter>> {
    query::parse(q.unwrap_or_default())
        .map_err(|error| ApiError::invalid("q", format!("Query error {error}")))
}

fn parse_sort(sort: Option<&str>) -> ApiResult<DeviceSort> {
    match sort.filter(|s| !s.is_empty()) {
        None => Ok(DeviceSort::default()),
        Some(text) => DeviceSort::parse(text).ok_or_else(|| {
            let keys: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
            ApiError::invalid(
                "sort",
                format!(
                    "Sort by one of {}; a leading '-' sorts descending.",
                    keys.join(", ")
                ),
            )
        }),
    }
}

pub fn parse_limit(limit: Option<&str>, default: u64) -> ApiResult<u64> {
    match limit {
        None | Some("") => Ok(default),
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(
                "limit",
                format!("limit is a whole number from 1 to {MAX_PAGE_SIZE}"),
            )),
        },
    }
}

pub async fn list(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<DevicePageView>> {
    caller.require(Role::STAFF)?;
    let filter = parse_filter(params.q.as_deref())?;
    let sort = parse_sort(params.sort.as_deref())?;
    let limit = parse_limit(params.limit.as_deref(), DEFAULT_PAGE_SIZE)?;
    let after = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(token) => Some(Cursor::decode(token, sort).ok_or_else(|| {
            ApiError::invalid(
                "cursor",
                "This cursor is not one this list gave out (or was made for another sort order).",
            )
        })?),
    };
    let now = Utc::now();
    let page = services
        .store
        .list_devices(&DeviceQuery {
            filter: filter.as_ref(),
            sort,
            after,
            limit,
            now,
        })
        .await?;
    Ok(Json(DevicePageView {
        devices: page
            .devices
            .into_iter()
            .map(|device| DeviceView::new(device, now))
            .collect(),
        next_cursor: page.next.map(|cursor| cursor.encode()),
        sort: sort.label(),
    }))
}

#[derive(Debug, Deserialize)]
pub struct CountParams {
    q: Option<String>,
}

pub async fn count(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(params): ApiQuery<CountParams>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(Role::STAFF)?;
    let filter = parse_filter(params.q.as_deref())?;
    let count = services
        .store
        .count_matching_devices(filter.as_ref(), Utc::now())
        .await?;
    Ok(Json(serde_json::json!({ "count": count })))
}

pub async fn one(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<DeviceView>> {
    caller.require(Role::STAFF)?;
    let id = parse_id(&id)?;
    let device = services
        .store
        .device(id)
        .await?
        .ok_or_else(|| no_device(id))?;
    Ok(Json(DeviceView::new(device, Utc::now())))
}

pub fn parse_id(text: &str) -> ApiResult<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            ApiError::invalid(
                "id",
                format!("'{text}' is not an id (a positive whole number)"),
            )
        })
}

/// 404 unless device `id` exists.
pub async fn ensure_device(services: &Services, id: i64) -> ApiResult<()> {
    match services.store.device(id).await? {
        Some(_) => Ok(()),
        None => Err(no_device(id)),
    }
}

fn no_device(id: i64) -> ApiError {
    ApiError::not_found(format!("There is no device {id}."))
}

#[derive(Debug, Deserialize)]
pub struct ParameterParams {
    /// A parameter name, or a partial path ending in `.`; absent: the whole tree.
    path: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ParametersView {
    device_id: i64,
    parameters: Vec<ParameterView>,
}

pub async fn parameters(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<ParameterParams>,
) -> ApiResult<Json<ParametersView>> {
    caller.require(Role::STAFF)?;
    let id = parse_id(&id)?;
    let path = params.path.unwrap_or_default();
    if !path.is_empty() && !app::cwmp::types::is_parameter_path(&path) {
        return Err(ApiError::invalid(
            "path",
            "a parameter name or a partial path ending in '.' (Device.WiFi.)",
        ));
    }
    ensure_device(&services, id).await?;
    let tree = services.store.device_parameters(id).await?;
    let in_subtree = |name: &str| {
        path.is_empty() || name == path || (path.ends_with('.') && name.starts_with(path.as_str()))
    };
    let parameters: Vec<ParameterView> = tree
        .into_iter()
        .filter(|(name, _)| in_subtree(name))
        .map(|(name, stored)| ParameterView::new(name, stored))
        .collect();
    if parameters.is_empty() && !path.is_empty() {
        return Err(ApiError::not_found(format!(
            "Device {id} has no parameter {path} in its stored tree."
        )));
    }
    Ok(Json(ParametersView {
        device_id: id,
        parameters,
    }))
}

pub async fn delete(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::ADMIN)?;
    let id = parse_id(&id)?;
    let Some(device) = services.store.device(id).await? else {
        return Err(no_device(id));
    };
    if !services.store.delete_device(id).await? {
        return Err(no_device(id));
    }
    services
        .audit(
            &caller.actor,
            AuditAction::DeviceDeleted,
            Some(&format!("device:{id}")),
            format!(
                "{} {} {}",
                device.device.key.oui,
                device.device.key.product_class,
                device.device.key.serial_number
            ),
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct TagChange {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
}

pub async fn tags(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<TagChange>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(Role::STAFF)?;
    let id = parse_id(&id)?;
    for (field, tags) in [("add", &change.add), ("remove", &change.remove)] {
        if tags.len() > 100 {
            return Err(ApiError::invalid(field, "at most 100 tags at once"));
        }
        if let Some((i, bad)) = tags.iter().enumerate().find(|(_, tag)| !is_tag(tag)) {
            return Err(ApiError::invalid(
                format!("{field}[{i}]"),
                format!("'{bad}' is not a tag: 1 to 64 letters, digits and _ - . :"),
            ));
        }
    }
    if change.add.is_empty() && change.remove.is_empty() {
        return Err(ApiError::invalid("add", "give tags to add or to remove"));
    }
    ensure_device(&services, id).await?;
    services.store.add_tags(id, &change.add).await?;
    services.store.remove_tags(id, &change.remove).await?;
    services
        .audit(
            &caller.actor,
            AuditAction::DeviceTagged,
            Some(&format!("device:{id}")),
            format!(
                "added [{}], removed [{}]",
                change.add.join(", "),
                change.remove.join(", ")
            ),
            Utc::now(),
        )
        .await?;
    let tags = services
        .store
        .device(id)
        .await?
        .map(|d| d.tags)
        .unwrap_or_default();
    Ok(Json(serde_json::json!({ "device_id": id, "tags": tags })))
}

#[derive(Debug, Deserialize)]
pub struct ExportParams {
    q: Option<String>,
    sort: Option<String>,
    /// Parameter names to add as columns, comma-separated.
    columns: Option<String>,
}

/// What the export stream carries between pages.
struct Export {
    store: Store,
    filter: Option<Filter>,
    sort: DeviceSort,
    after: Option<Cursor>,
    columns: Vec<String>,
    now: DateTime<Utc>,
    header_sent: bool,
    done: bool,
}

const SUMMARY_COLUMNS: [&str; 14] = [
    "id",
    "oui",
    "product_class",
    "serial_number",
    "manufacturer",
    "software_version",
    "hardware_version",
    "ip_address",
    "data_model",
    "registered_at",
    "last_inform_at",
    "last_boot_at",
    "online",
    "tags",
];

/// A CSV export of every matching device, streamed page by page: memory stays flat
/// whatever the fleet's size.
pub async fn export_csv(
    State(services): State<Services>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    caller.require(Role::STAFF)?;
    let filter = parse_filter(params.q.as_deref())?;
    let sort = parse_sort(params.sort.as_deref())?;
    let columns: Vec<String> = params
        .columns
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    if columns.len() > MAX_EXPORT_COLUMNS {
        return Err(ApiError::invalid(
            "columns",
            format!("at most {MAX_EXPORT_COLUMNS} parameter columns"),
        ));
    }
    if let Some(bad) = columns
        .iter()
        .find(|c| !app::cwmp::types::is_parameter_path(c) || c.ends_with('.'))
    {
        return Err(ApiError::invalid(
            "columns",
            format!("'{bad}' is not a parameter name"),
        ));
    }
    let state = Export {
        store: services.store.clone(),
        filter,
        sort,
        after: None,
        columns,
        now: Utc::now(),
        header_sent: false,
        done: false,
    };
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        let mut out = String::new();
        if !state.header_sent {
            state.header_sent = true;
            let header: Vec<&str> = SUMMARY_COLUMNS
                .iter()
                .copied()
                .chain(state.columns.iter().map(String::as_str))
                .collect();
            write_row(&mut out, header.iter().copied());
        }
        match export_page(&mut state, &mut out).await {
            Ok(()) => Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), state)),
            Err(error) => {
                // The status is sent already: cut the stream so the file is visibly short.
                tracing::error!(%error, "CSV export failed midway");
                state.done = true;
                Some((Err(std::io::Error::other(error.to_string())), state))
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"devices.csv\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

async fn export_page(state: &mut Export, out: &mut String) -> Result<(), app::store::StoreError> {
    let page = state
        .store
        .list_devices(&DeviceQuery {
            filter: state.filter.as_ref(),
            sort: state.sort,
            after: state.after.take(),
            limit: EXPORT_PAGE_SIZE,
            now: state.now,
        })
        .await?;
    let ids: Vec<i64> = page.devices.iter().map(|d| d.device.id).collect();
    let values = if state.columns.is_empty() {
        Default::default()
    } else {
        state.store.parameter_values(&ids, &state.columns).await?
    };
    for listed in page.devices {
        let d = &listed.device;
        let time = |at: Option<DateTime<Utc>>| at.map(|at| at.to_rfc3339()).unwrap_or_default();
        let mut row = vec![
            d.id.to_string(),
            d.key.oui.clone(),
            d.key.product_class.clone(),
            d.key.serial_number.clone(),
            d.manufacturer.clone(),
            d.software_version.clone().unwrap_or_default(),
            d.hardware_version.clone().unwrap_or_default(),
            d.ip_address.clone().unwrap_or_default(),
            d.data_model.clone().unwrap_or_default(),
            time(Some(d.registered_at)),
            time(Some(d.last_inform_at)),
            time(d.last_boot_at),
            d.is_online(state.now).to_string(),
            listed.tags.join(" "),
        ];
        let device_values = values.get(&d.id);
        for (i, _) in state.columns.iter().enumerate() {
            row.push(
                device_values
                    .and_then(|v: &Vec<Option<StoredParameter>>| v.get(i).cloned().flatten())
                    .and_then(|p| p.value)
                    .unwrap_or_default(),
            );
        }
        write_row(out, row.iter().map(String::as_str));
    }
    match page.next {
        Some(next) => state.after = Some(next),
        None => state.done = true,
    }
    Ok(())
}

/// Appends one CSV row (RFC 4180). Cells a spreadsheet would run as a formula get a
/// leading apostrophe: an export must not become an attack on whoever opens it.
fn write_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let looks_like_formula = cell.starts_with(['=', '+', '@', '\t', '\r'])
            || (cell.starts_with('-') && cell.parse::<f64>().is_err());
        let cell = if looks_like_formula {
            format!("'{cell}")
        } else {
            cell.to_owned()
        };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let mut out = String::new();
        write_row(
            &mut out,
            ["a", "b,c", "say \"hi\"", "=cmd()", "-5", "-x"].into_iter(),
        );
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",'=cmd(),-5,'-x\r\n");
    }
}
