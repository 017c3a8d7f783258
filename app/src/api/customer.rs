//! The customer view: a customer's own devices (and nothing else), claiming a device with a
//! claim code, changing a Wi-Fi password, restarting the router.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{ActionStarted, CustomerAction, CustomerDeviceView},
};

/// Failed claims a customer may make in an hour before being made to wait.
#[cfg(feature = "ssr")]
const CLAIM_FAILURES_PER_HOUR: u64 = 10;

#[server(endpoint = "my_devices")]
pub async fn my_devices() -> Result<Vec<CustomerDeviceView>, AppError> {
    use super::guard;
    use crate::model::Role;

    let (services, user, _) = guard::require(Role::CUSTOMER).await?;
    let ids = services
        .store
        .customer_device_ids(user.id)
        .await
        .map_err(guard::internal)?;
    let mut devices = Vec::with_capacity(ids.len());
    for id in ids {
        // A device deleted meanwhile is simply not listed.
        if let Some(listed) = services.store.device(id).await.map_err(guard::internal)? {
            devices.push(view::customer_view(&services, listed).await?);
        }
    }
    Ok(devices)
}

#[server(endpoint = "my_device")]
pub async fn my_device(id: i64) -> Result<CustomerDeviceView, AppError> {
    use super::{device_access, guard};
    use crate::model::Role;

    let (services, user, _) = guard::require(Role::CUSTOMER).await?;
    let listed = device_access::customer_device(&services, &user, id).await?;
    view::customer_view(&services, listed).await
}

/// Links the device with this serial number to the caller's account, using up its code.
#[server(endpoint = "claim_device")]
pub async fn claim_device(serial_number: String, code: String) -> Result<i64, AppError> {
    use super::guard;
    use crate::{
        auth::claim_code_hash,
        model::Role,
        store::{AuditAction, ClaimOutcome},
    };

    let (services, user, identity) = guard::require(Role::CUSTOMER).await?;
    let serial_number = serial_number.trim();
    if serial_number.is_empty() {
        return Err(AppError::invalid(
            "serial_number",
            "Type the serial number printed on the device.",
        ));
    }
    if code.trim().is_empty() {
        return Err(AppError::invalid(
            "code",
            "Type the claim code your provider gave you.",
        ));
    }
    let now = chrono::Utc::now();
    let target = format!("user:{}", user.id);
    let failures = services
        .store
        .count_recent(
            AuditAction::ClaimFailed,
            &target,
            None,
            now - chrono::Duration::hours(1),
        )
        .await
        .map_err(guard::internal)?;
    if failures.account >= CLAIM_FAILURES_PER_HOUR {
        return Err(AppError::TooManyAttempts {
            retry_after_secs: 3_600,
        });
    }
    let actor = identity.actor("anonymous");
    let outcome = services
        .store
        .claim_device(user.id, serial_number, &claim_code_hash(&code), now)
        .await
        .map_err(guard::internal)?;
    match outcome {
        ClaimOutcome::Linked { device_id } => {
            services
                .audit(
                    &actor,
                    AuditAction::DeviceClaimed,
                    Some(&format!("device:{device_id}")),
                    format!("claimed by {}", user.username),
                    now,
                )
                .await
                .map_err(guard::internal)?;
            Ok(device_id)
        }
        ClaimOutcome::NoMatch => {
            services
                .audit(
                    &actor,
                    AuditAction::ClaimFailed,
                    Some(&target),
                    format!("serial number {serial_number}"),
                    now,
                )
                .await
                .map_err(guard::internal)?;
            Err(AppError::invalid(
                "code",
                "That serial number and claim code do not match. Check both and try again; codes expire after 30 days and work once.",
            ))
        }
    }
}

#[server(endpoint = "run_customer_action", input = server_fn::codec::Json)]
pub async fn run_customer_action(
    id: i64,
    action: CustomerAction,
) -> Result<ActionStarted, AppError> {
    use super::{device_access, guard};
    use crate::{
        acs::task_spec::{SetValue, TaskSpec},
        inventory::overview::device_overview,
        model::{Role, check_wifi_password},
    };

    let (services, user, identity) = guard::require(Role::CUSTOMER).await?;
    device_access::customer_device(&services, &user, id).await?;
    let spec = match action {
        CustomerAction::Reboot => TaskSpec::Reboot {
            command_key: String::new(),
        },
        CustomerAction::SetWifiPassword { network, password } => {
            check_wifi_password(&password)
                .map_err(|message| AppError::invalid("password", message))?;
            let tree = services
                .store
                .device_parameters(id)
                .await
                .map_err(guard::internal)?;
            let name = device_overview(&tree)
                .wifi
                .into_iter()
                .nth(network)
                .and_then(|wifi| wifi.passphrase_parameter)
                .ok_or_else(|| {
                    AppError::invalid(
                        "network",
                        "The password of this Wi-Fi network cannot be changed here.",
                    )
                })?;
            TaskSpec::Set {
                values: vec![SetValue {
                    name,
                    value: password,
                    kind: None,
                }],
                parameter_key: String::new(),
            }
        }
    };
    device_access::queue_and_wake(&services, &identity.actor("anonymous"), id, &spec).await
}

#[cfg(feature = "ssr")]
mod view {
    use super::super::guard;
    use crate::{
        error::AppError,
        inventory::overview::device_overview,
        model::{CustomerDeviceView, CustomerWifi},
        services::Services,
        store::ListedDevice,
    };

    /// What a customer sees of a device: no tree, no addresses, no other people's data.
    pub async fn customer_view(
        services: &Services,
        listed: ListedDevice,
    ) -> Result<CustomerDeviceView, AppError> {
        let device = listed.device;
        let tree = services
            .store
            .device_parameters(device.id)
            .await
            .map_err(guard::internal)?;
        let wifi = device_overview(&tree)
            .wifi
            .into_iter()
            .enumerate()
            .map(|(network, wifi)| CustomerWifi {
                network,
                ssid: wifi.ssid,
                band: wifi.band,
                enabled: wifi.enabled,
                can_set_password: wifi.passphrase_parameter.is_some(),
            })
            .collect();
        Ok(CustomerDeviceView {
            id: device.id,
            name: format!("{} {}", device.manufacturer, device.key.product_class),
            online: device.is_online(chrono::Utc::now()),
            last_inform: guard::display_minute(device.last_inform_at),
            serial_number: device.key.serial_number,
            wifi,
        })
    }
}
