//! The OpenAPI 3.1 document of `/api/v1`, served by the server at `/api/v1/openapi.json`
//! and rendered by the portal's API page (so it lives here, where both can read it). Written
//! by hand; the server's tests hold it to its route table and check that every reference
//! resolves.

use serde_json::{Value, json};

use crate::{
    acs::task_spec::{DEFAULT_EXPIRY_SECONDS, MAX_WAIT_SECONDS},
    events::EventKind,
    store::TaskStatus,
};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn json_response(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn product_class_parameter() -> Value {
    json!({"name": "product_class", "in": "path", "required": true, "description": "The device's product class, as it reports it.",
           "schema": {"type": "string", "minLength": 1, "maxLength": 64}})
}

fn username_parameter() -> Value {
    json!({"name": "username", "in": "path", "required": true, "description": "The username the device presents.",
           "schema": {"type": "string", "minLength": 1, "maxLength": 256}})
}

fn id_parameter(what: &str) -> Value {
    json!({"name": "id", "in": "path", "required": true, "description": format!("The {what}'s id."),
           "schema": {"type": "integer", "format": "int64", "minimum": 1}})
}

/// One operation; the usual error answers are added to `responses`.
fn operation(
    id: &str,
    tag: &str,
    summary: &str,
    description: &str,
    parameters: Vec<Value>,
    body: Option<&str>,
    mut responses: Value,
) -> Value {
    responses["401"] = error_response("No valid API token or portal session.");
    responses["403"] = error_response("The caller's role does not allow this.");
    responses["422"] = error_response("A parameter or field is not acceptable; `field` names it.");
    let mut op = json!({
        "operationId": id,
        "tags": [tag],
        "summary": summary,
        "description": description,
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(schema) = body {
        op["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
        });
    }
    op
}

fn device_list_parameters(with_paging: bool) -> Vec<Value> {
    let mut parameters = vec![query(
        "q",
        "A filter in the query language: `field op value` joined by AND, OR, NOT and parentheses. \
         Operators: = != < <= > >= and ~ (prefix, or /regular expression/). Fields: id, serial_number, \
         oui, product_class, manufacturer, software_version, hardware_version, ip_address, data_model, \
         last_inform, registered, last_boot, tag, customer (a linked customer's username), online, or any parameter name. Times take RFC 3339, \
         a date, or an age like -1h. Example: `product_class = HG8245 AND last_inform > -1d`.",
        json!({"type": "string", "maxLength": 2000}),
    )];
    parameters.push(query(
        "sort",
        "id, serial_number, product_class, manufacturer, last_inform or registered; a leading '-' sorts descending.",
        json!({"type": "string", "default": "id"}),
    ));
    if with_paging {
        parameters.push(query(
            "limit",
            "Devices per page.",
            json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}),
        ));
        parameters.push(query(
            "cursor",
            "The `next_cursor` of the previous page.",
            json!({"type": "string"}),
        ));
    }
    parameters
}

fn task_list_parameters(with_status: bool) -> Vec<Value> {
    let mut parameters = vec![
        query(
            "device",
            "Only this device's.",
            json!({"type": "integer", "format": "int64"}),
        ),
        query(
            "before",
            "The `next_before` of the previous page.",
            json!({"type": "integer", "format": "int64"}),
        ),
        query(
            "limit",
            "Tasks per page.",
            json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}),
        ),
    ];
    if with_status {
        let statuses: Vec<&str> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
        parameters.push(query(
            "status",
            "Only tasks in this state.",
            json!({"type": "string", "enum": statuses}),
        ));
    }
    parameters
}

fn wait_parameter(what: &str) -> Value {
    query(
        "wait",
        &format!(
            "Seconds to wait for the task to end {what}; 200 when it ended, 202 (with the task) when the wait ran out."
        ),
        json!({"type": "integer", "minimum": 0, "maximum": MAX_WAIT_SECONDS}),
    )
}

fn paths() -> Value {
    let device_id = || id_parameter("device");
    let task_id = || id_parameter("task");
    let mut export_parameters = device_list_parameters(false);
    export_parameters.push(query(
        "columns",
        "Parameter names to add as columns, comma-separated (50 at most).",
        json!({"type": "string"}),
    ));
    let device_and = |rest: Vec<Value>| {
        let mut parameters = vec![device_id()];
        parameters.extend(rest.into_iter().skip(1));
        parameters
    };
    let device_tasks_parameters = device_and(task_list_parameters(true));
    let device_faults_parameters = device_and(task_list_parameters(false));
    let queue_description = format!(
        "Queues a request for the device's next session. With `wait`, the device is woken at once (Connection Request) and the answer carries `wake`, saying how that went (the wait runs either way). Without `expires_in` the task expires after {} days in the queue.",
        DEFAULT_EXPIRY_SECONDS / 86_400
    );
    json!({
        "/api/v1/openapi.json": {"get": {
            "operationId": "openapi", "tags": ["meta"], "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI 3.1 document.", "content": {"application/json": {}}}}
        }},
        "/api/v1/devices": {"get": operation("listDevices", "devices", "List devices",
            "One page of devices matching the filter, in the sort order. Pages are keyset-based: pass `next_cursor` back as `cursor`.",
            device_list_parameters(true), None,
            json!({"200": json_response("A page of devices.", "DevicePage")}))},
        "/api/v1/devices/count": {"get": operation("countDevices", "devices", "Count devices",
            "How many devices match the filter.", device_list_parameters(false)[..1].to_vec(), None,
            json!({"200": json_response("The count.", "Count")}))},
        "/api/v1/devices/export.csv": {"get": operation("exportDevices", "devices", "Export devices as CSV",
            "Every matching device as CSV (RFC 4180), streamed: summary columns, then the requested parameters. Cells that a spreadsheet would run as formulas start with an apostrophe.",
            export_parameters, None,
            json!({"200": {"description": "CSV.", "content": {"text/csv": {"schema": {"type": "string"}}}}}))},
        "/api/v1/devices/{id}": {
            "get": operation("getDevice", "devices", "Get a device", "The device's summary, online state and tags.",
                vec![device_id()], None,
                json!({"200": json_response("The device.", "Device"), "404": error_response("No such device.")})),
            "delete": operation("deleteDevice", "devices", "Delete a device (admin)",
                "Removes the device with its events, tasks and tags. It registers again at its next Inform if registration is on.",
                vec![device_id()], None,
                json!({"204": {"description": "Deleted."}, "404": error_response("No such device.")})),
        },
        "/api/v1/devices/{id}/parameters": {"get": operation("getDeviceParameters", "devices", "Get a device's parameters",
            "The stored parameter tree, whole or below a path, with each value's type, writable flag and the time it was read.",
            vec![device_id(), query("path", "A parameter name, or a partial path ending in '.'.", json!({"type": "string"}))], None,
            json!({"200": json_response("The parameters.", "Parameters"), "404": error_response("No such device, or nothing stored at that path.")}))},
        "/api/v1/devices/{id}/tags": {"post": operation("tagDevice", "devices", "Add and remove tags",
            "Adds and removes tags (1–64 letters, digits and _ - . :); returns the device's tags.",
            vec![device_id()], Some("TagChange"),
            json!({"200": json_response("The device's tags.", "Tags"), "404": error_response("No such device.")}))},
        "/api/v1/devices/{id}/wake": {"post": operation("wakeDevice", "devices", "Wake a device",
            "Sends a Connection Request so the device opens a session now. With `wait`, also waits for the session to begin. Failures say why: `no_url`, `bad_url`, `behind_nat`, `no_credentials` (409); `unreachable`, `auth_failed`, `unsupported_challenge`, `refused` (502); `timeout`, `no_session` (504).",
            vec![device_id(), query("wait", "Seconds to wait for the session to begin.", json!({"type": "integer", "minimum": 0, "maximum": MAX_WAIT_SECONDS}))],
            None,
            json!({"200": json_response("The device agreed (and, with `wait`, its session began).", "Wake"),
                   "404": error_response("No such device."),
                   "409": error_response("The device cannot be woken as it is."),
                   "502": error_response("The device or the path to it refused."),
                   "504": error_response("No answer or no session in time.")}))},
        "/api/v1/devices/{id}/connection-request-credentials": {
            "put": operation("setConnectionRequestCredentials", "devices", "Set a device's Connection Request credentials",
                "What the device expects on its Connection Request endpoint (its ManagementServer.ConnectionRequestUsername and Password). Admins only; never readable back.",
                vec![device_id()], Some("ConnectionRequestCredentials"),
                json!({"204": {"description": "Stored."}, "404": error_response("No such device.")})),
            "delete": operation("clearConnectionRequestCredentials", "devices", "Forget a device's Connection Request credentials",
                "The configured default applies again. Admins only.",
                vec![device_id()], None,
                json!({"204": {"description": "Forgotten (or there were none)."}, "404": error_response("No such device.")})),
        },
        "/api/v1/connection-request-defaults": {"get": operation("listConnectionRequestDefaults", "devices", "List Connection Request defaults",
            "Each product class's default Connection Request credentials (usernames only). Admins only.",
            vec![], None, json!({"200": json_response("The defaults.", "ConnectionRequestDefaults")}))},
        "/api/v1/connection-request-defaults/{product_class}": {
            "put": operation("setConnectionRequestDefault", "devices", "Set a product class's Connection Request default",
                "For every device of the class without credentials of its own (a device's own come first, the configured global default last). Admins only.",
                vec![product_class_parameter()], Some("ConnectionRequestCredentials"),
                json!({"204": {"description": "Stored."}})),
            "delete": operation("clearConnectionRequestDefault", "devices", "Forget a product class's Connection Request default",
                "Admins only.", vec![product_class_parameter()], None,
                json!({"204": {"description": "Forgotten."}, "404": error_response("No default for that class.")})),
        },
        "/api/v1/devices/{id}/tasks": {
            "post": operation("queueTask", "tasks", "Queue a task",
                &queue_description,
                vec![device_id(), wait_parameter("before answering"),
                     query("expires_in", "Seconds the task may wait in the queue before it expires.", json!({"type": "integer", "minimum": 0}))],
                Some("TaskSpec"),
                json!({"200": json_response("The task ended within the wait.", "Task"),
                       "201": json_response("Queued.", "Task"),
                       "202": json_response("Still queued or running when the wait ran out.", "Task"),
                       "404": error_response("No such device.")})),
            "get": operation("listDeviceTasks", "tasks", "List a device's tasks", "Newest first.",
                device_tasks_parameters, None,
                json!({"200": json_response("A page of tasks.", "TaskPage"), "404": error_response("No such device.")})),
        },
        "/api/v1/devices/{id}/faults": {"get": operation("listDeviceFaults", "faults", "List a device's faults",
            "The device's tasks that ended in a fault, newest first.",
            device_faults_parameters, None,
            json!({"200": json_response("A page of tasks in fault.", "TaskPage"), "404": error_response("No such device.")}))},
        "/api/v1/devices/{id}/files": {"get": operation("listDeviceFiles", "files", "List a device's uploaded files",
            "Files the device sent after an `upload` task (configuration backups, logs), newest first.",
            vec![device_id()], None,
            json!({"200": json_response("The files.", "Files"), "404": error_response("No such device.")}))},
        "/api/v1/files/{id}": {"get": operation("downloadFile", "files", "Download a file",
            "The file's content as the device sent it.", vec![id_parameter("file")], None,
            json!({"200": {"description": "The content.", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                   "404": error_response("No such file.")}))},
        "/api/v1/tasks": {"get": operation("listTasks", "tasks", "List tasks", "Newest first.",
            task_list_parameters(true), None, json!({"200": json_response("A page of tasks.", "TaskPage")}))},
        "/api/v1/tasks/{id}": {"get": operation("getTask", "tasks", "Get a task",
            "The task with its request, result or fault.", vec![task_id(), wait_parameter("first")], None,
            json!({"200": json_response("The task.", "Task"), "202": json_response("Not ended when the wait ran out.", "Task"),
                   "404": error_response("No such task.")}))},
        "/api/v1/tasks/{id}/cancel": {"post": operation("cancelTask", "tasks", "Cancel a queued task", "Only queued tasks can be cancelled.",
            vec![task_id()], None,
            json!({"200": json_response("Cancelled.", "Task"), "404": error_response("No such task."), "409": error_response("The task is not queued.")}))},
        "/api/v1/tasks/{id}/retry": {"post": operation("retryTask", "tasks", "Retry a task",
            "Queues a task that failed, expired or was cancelled again, from its first attempt.",
            vec![task_id()], None,
            json!({"200": json_response("Queued again.", "Task"), "404": error_response("No such task."), "409": error_response("The task has not ended, or is done.")}))},
        "/api/v1/faults": {"get": operation("listFaults", "faults", "List faults",
            "Tasks that ended in a fault (the device refused them for good), newest first.",
            task_list_parameters(false), None, json!({"200": json_response("A page of tasks in fault.", "TaskPage")}))},
        "/api/v1/faults/{id}/retry": {"post": operation("retryFault", "faults", "Retry a fault",
            "Queues the faulted task again.", vec![task_id()], None,
            json!({"200": json_response("Queued again.", "Task"), "404": error_response("No such task."), "409": error_response("The task is not in fault.")}))},
        "/api/v1/faults/{id}/clear": {"post": operation("clearFault", "faults", "Clear a fault",
            "Dismisses the fault: the task leaves the fault list (as cancelled) and keeps its fault for history.",
            vec![task_id()], None,
            json!({"200": json_response("Cleared.", "Task"), "404": error_response("No such task."), "409": error_response("The task is not in fault.")}))},
        "/api/v1/cwmp-credentials": {
            "get": operation("listCwmpCredentials", "device-auth", "List device credentials",
                "The credentials devices present when they open a session (per-device policy), with the device each is bound to. Hashes are never shown. Admins only.",
                vec![], None, json!({"200": json_response("The policy and the credentials.", "CwmpCredentials")})),
            "post": operation("addCwmpCredential", "device-auth", "Add a device credential",
                "Stored as Digest hashes for the ACS's realm. Adding the username of a refused attempt approves it. Admins only.",
                vec![], Some("NewCwmpCredential"),
                json!({"201": json_response("Added.", "CwmpCredential"), "409": error_response("The username has credentials already.")})),
        },
        "/api/v1/cwmp-credentials/{username}": {"delete": operation("deleteCwmpCredential", "device-auth", "Delete a device credential",
            "The device can no longer open sessions with it. Admins only.",
            vec![username_parameter()], None,
            json!({"204": {"description": "Deleted."}, "404": error_response("No such credential.")}))},
        "/api/v1/cwmp-auth-attempts": {"get": operation("listCwmpAuthAttempts", "device-auth", "List refused devices",
            "Sessions refused because nobody knew the username, most recent first: approve one by adding its credential. Admins only.",
            vec![], None, json!({"200": json_response("The attempts.", "CwmpAuthAttempts")}))},
        "/api/v1/cwmp-auth-attempts/{username}": {"delete": operation("dismissCwmpAuthAttempt", "device-auth", "Dismiss a refused device",
            "Takes the username off the list (it comes back if the device tries again). Admins only.",
            vec![username_parameter()], None,
            json!({"204": {"description": "Dismissed."}, "404": error_response("No such attempt.")}))},
        "/api/v1/events": {"get": operation("streamEvents", "events", "Stream device events",
            "Server-Sent Events: each event's name is its kind and its data the DeviceEvent JSON. A `lagged` event says how many events a slow client missed.",
            vec![query("device", "Only this device's events.", json!({"type": "integer", "format": "int64"})),
                 query("kind", "Kinds, comma-separated.", json!({"type": "string"}))],
            None,
            json!({"200": {"description": "An event stream.", "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/DeviceEvent"}}}}}))},
    })
}

fn schemas() -> Value {
    let time = json!({"type": "string", "format": "date-time"});
    let nullable_time = json!({"type": ["string", "null"], "format": "date-time"});
    let nullable_text = json!({"type": ["string", "null"]});
    let statuses: Vec<&str> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
    let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    let task_kind = |kind: &str, required: Vec<&str>, properties: Value| {
        let mut properties = properties;
        properties["kind"] = json!({"const": kind});
        let mut required = required;
        required.insert(0, "kind");
        json!({"type": "object", "required": required, "properties": properties})
    };
    json!({
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}}},
        "Count": {"type": "object", "required": ["count"], "properties": {"count": {"type": "integer"}}},
        "Device": {"type": "object", "required": ["id", "oui", "product_class", "serial_number", "online", "tags"], "properties": {
            "id": {"type": "integer", "format": "int64"}, "oui": {"type": "string"}, "product_class": {"type": "string"},
            "serial_number": {"type": "string"}, "manufacturer": {"type": "string"},
            "software_version": nullable_text, "hardware_version": nullable_text, "data_model": nullable_text,
            "ip_address": nullable_text, "connection_request_url": nullable_text, "cwmp_version": {"type": "string"},
            "registered_at": time, "last_inform_at": time, "last_boot_at": nullable_time,
            "online": {"type": "boolean", "description": "Informed within one and a half periodic intervals (plus a minute)."},
            "tree_complete": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}}}},
        "DevicePage": {"type": "object", "required": ["devices", "sort"], "properties": {
            "devices": {"type": "array", "items": {"$ref": "#/components/schemas/Device"}},
            "next_cursor": {"type": "string"}, "sort": {"type": "string"}}},
        "Parameter": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "value": nullable_text, "type": nullable_text,
            "writable": {"type": ["boolean", "null"]}, "read_at": nullable_time}},
        "Parameters": {"type": "object", "required": ["device_id", "parameters"], "properties": {
            "device_id": {"type": "integer", "format": "int64"},
            "parameters": {"type": "array", "items": {"$ref": "#/components/schemas/Parameter"}}}},
        "Wake": {"type": "object", "required": ["woken", "already_woken"], "properties": {
            "woken": {"type": "boolean"},
            "method": {"type": "string", "enum": ["http", "udp"], "description": "udp: the device is behind NAT; it counts as woken once its session began."},
            "took_ms": {"type": "integer", "description": "From sending to the device's yes."},
            "already_woken": {"type": "boolean", "description": "A wake-up sent moments ago is still on its way; none was sent now."},
            "code": {"type": "string", "description": "Why the device was not woken."},
            "message": {"type": "string"}}},
        "ConnectionRequestDefaults": {"type": "object", "required": ["defaults"], "properties": {
            "defaults": {"type": "array", "items": {"type": "object", "required": ["product_class", "username", "updated_at"], "properties": {
                "product_class": {"type": "string"}, "username": {"type": "string"}, "updated_at": time}}}}},
        "ConnectionRequestCredentials": {"type": "object", "required": ["username", "password"], "additionalProperties": false, "properties": {
            "username": {"type": "string", "minLength": 1, "maxLength": 256},
            "password": {"type": "string", "minLength": 1, "maxLength": 256, "format": "password"}}},
        "CwmpCredential": {"type": "object", "required": ["username", "created_by", "created_at"], "properties": {
            "username": {"type": "string"}, "device_id": {"type": ["integer", "null"], "format": "int64"},
            "created_by": {"type": "string"}, "created_at": time}},
        "CwmpCredentials": {"type": "object", "required": ["policy", "credentials"], "properties": {
            "policy": {"type": "string", "enum": ["open", "shared", "per_device"]},
            "credentials": {"type": "array", "items": {"$ref": "#/components/schemas/CwmpCredential"}}}},
        "NewCwmpCredential": {"type": "object", "required": ["username", "password"], "additionalProperties": false, "properties": {
            "username": {"type": "string", "minLength": 1, "maxLength": 256},
            "password": {"type": "string", "minLength": 1, "maxLength": 256, "format": "password"}}},
        "CwmpAuthAttempts": {"type": "object", "required": ["attempts"], "properties": {
            "attempts": {"type": "array", "items": {"type": "object", "required": ["username", "attempts", "first_at", "last_at"], "properties": {
                "username": {"type": "string"}, "address": nullable_text, "attempts": {"type": "integer"},
                "first_at": time, "last_at": time}}}}},
        "TagChange": {"type": "object", "properties": {
            "add": {"type": "array", "items": {"type": "string"}, "maxItems": 100},
            "remove": {"type": "array", "items": {"type": "string"}, "maxItems": 100}}},
        "Tags": {"type": "object", "required": ["device_id", "tags"], "properties": {
            "device_id": {"type": "integer", "format": "int64"}, "tags": {"type": "array", "items": {"type": "string"}}}},
        "TaskSpec": {"description": "What to ask the device, by kind.", "oneOf": [
            task_kind("get", vec!["names"], json!({"names": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 1000,
                "description": "Parameter names or partial paths (ending in '.')."}})),
            task_kind("set", vec!["values"], json!({"values": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {
                "type": "object", "required": ["name", "value"], "properties": {
                    "name": {"type": "string"}, "value": {"type": "string"},
                    "type": {"type": "string", "description": "xsd:string, xsd:unsignedInt, xsd:boolean, ...; default: the type the device reported."}}}},
                "parameter_key": {"type": "string", "maxLength": 32}})),
            task_kind("add_object", vec!["object"], json!({"object": {"type": "string", "description": "Ends with '.'."}, "parameter_key": {"type": "string"}})),
            task_kind("delete_object", vec!["object"], json!({"object": {"type": "string", "description": "An instance: Device.X.3."}, "parameter_key": {"type": "string"}})),
            task_kind("reboot", vec![], json!({"command_key": {"type": "string", "maxLength": 32}})),
            task_kind("factory_reset", vec![], json!({})),
            task_kind("download", vec!["url", "file_type"], json!({
                "url": {"type": "string", "description": "http, https or ftp."},
                "file_type": {"type": "string", "examples": ["1 Firmware Upgrade Image", "3 Vendor Configuration File"]},
                "file_size": {"type": "integer", "minimum": 0}, "target_file_name": {"type": "string"},
                "username": {"type": "string"}, "password": {"type": "string"},
                "delay_seconds": {"type": "integer", "minimum": 0}, "command_key": {"type": "string"}})),
            task_kind("upload", vec!["file_type"], json!({
                "file_type": {"type": "string", "examples": ["1 Vendor Configuration File", "2 Vendor Log File"]},
                "delay_seconds": {"type": "integer", "minimum": 0}, "command_key": {"type": "string"}})),
            task_kind("get_names", vec!["path"], json!({"path": {"type": "string"}, "next_level": {"type": "boolean"}})),
            task_kind("set_attributes", vec!["attributes"], json!({"attributes": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["name", "notification"], "properties": {
                    "name": {"type": "string"}, "notification": {"type": "integer", "minimum": 0, "maximum": 6}}}}})),
            task_kind("schedule_inform", vec!["delay_seconds"], json!({"delay_seconds": {"type": "integer", "minimum": 1}, "command_key": {"type": "string"}})),
        ]},
        "Task": {"type": "object", "required": ["id", "device_id", "method", "status", "request"], "properties": {
            "id": {"type": "integer", "format": "int64"}, "device_id": {"type": "integer", "format": "int64"},
            "method": {"type": "string", "description": "The CWMP method."},
            "status": {"type": "string", "enum": statuses},
            "request": {"type": "object", "description": "The request as queued (a TaskSpec)."},
            "result": {"type": ["object", "null"], "description": "The device's answer: parameters, status, instance_number, ..."},
            "fault": {"type": ["object", "null"], "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}},
            "attempts": {"type": "integer"}, "next_attempt_at": time, "expires_at": nullable_time,
            "created_by": {"type": "string"}, "created_at": time, "updated_at": time,
            "wake": {"$ref": "#/components/schemas/Wake", "description": "How waking the device went (queueing with `wait` only)."}}},
        "TaskPage": {"type": "object", "required": ["tasks"], "properties": {
            "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
            "next_before": {"type": "integer", "format": "int64"}}},
        "Files": {"type": "object", "required": ["device_id", "files"], "properties": {
            "device_id": {"type": "integer", "format": "int64"},
            "files": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer", "format": "int64"}, "device_id": {"type": ["integer", "null"]},
                "kind": {"type": "string", "enum": ["config", "log", "other"]}, "name": {"type": "string"},
                "size": {"type": "integer"}, "sha256": {"type": "string"}, "created_at": time}}}}},
        "DeviceEvent": {"type": "object", "required": ["kind", "device_id", "at", "detail"], "properties": {
            "kind": {"type": "string", "enum": kinds}, "device_id": {"type": "integer", "format": "int64"},
            "at": time, "task_id": {"type": "integer", "format": "int64"}, "detail": {"type": "object"}}},
    })
}

/// The whole document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Osprey ACS API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Devices, tasks, faults and events of the Osprey TR-069 ACS. Authenticate with an API token \
                (created by an admin in the portal) as `Authorization: Bearer osp_...`, or with the portal's session. \
                Admins and helpdesk staff may call it; deleting devices is for admins. Errors are \
                `{\"error\": {\"code\", \"message\", \"field\"}}`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "tags": [
            {"name": "devices"}, {"name": "tasks"}, {"name": "faults"}, {"name": "events"}, {"name": "files"}, {"name": "device-auth"}, {"name": "meta"},
        ],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token: osp_ and 40 hex digits."},
                "session": {"type": "apiKey", "in": "cookie", "name": "osprey_session"},
            },
            "schemas": schemas(),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_reference_resolves_and_operation_ids_are_unique() {
        let document = document();
        let mut references = Vec::new();
        collect_references(&document, &mut references);
        assert!(!references.is_empty());
        for reference in references {
            let pointer = reference.trim_start_matches('#');
            assert!(document.pointer(pointer).is_some(), "dangling {reference}");
        }
        let mut ids = BTreeSet::new();
        for item in document["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let id = operation["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
                assert!(
                    operation["responses"]
                        .as_object()
                        .is_some_and(|r| !r.is_empty())
                );
            }
        }
    }

    fn collect_references(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    out.push(reference.clone());
                }
                map.values().for_each(|v| collect_references(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
            _ => {}
        }
    }
}
