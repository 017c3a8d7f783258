//! Parameter trees shaped like real gateways': a few hundred parameters with realistic names
//! and values, derived from the device's index so every run is the same.

use std::collections::BTreeMap;

use app::cwmp::types::XsdType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataModel {
    /// `InternetGatewayDevice.` (TR-098), as most deployed DSL/fibre gateways.
    Tr098,
    /// `Device.` (TR-181), as newer gateways, ONTs and 5G CPE.
    Tr181,
}

impl DataModel {
    pub fn root(self) -> &'static str {
        match self {
            DataModel::Tr098 => "InternetGatewayDevice.",
            DataModel::Tr181 => "Device.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimParameter {
    pub value: String,
    pub kind: XsdType,
    pub writable: bool,
}

pub type SimTree = BTreeMap<String, SimParameter>;

fn put(tree: &mut SimTree, name: String, value: impl Into<String>, kind: XsdType, writable: bool) {
    tree.insert(
        name,
        SimParameter {
            value: value.into(),
            kind,
            writable,
        },
    );
}

/// The tree of device number `index` (its serial number is derived from it).
pub fn build_tree(model: DataModel, index: u32, connection_request_url: &str) -> SimTree {
    let mut tree = SimTree::new();
    let root = model.root();
    let s = XsdType::String;
    let u = XsdType::UnsignedInt;
    let b = XsdType::Boolean;
    let info = format!("{root}DeviceInfo.");
    put(
        &mut tree,
        format!("{info}Manufacturer"),
        "Osprey Labs",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{info}ManufacturerOUI"),
        "0A0B0C",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{info}ModelName"),
        "SimGateway 3000",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{info}Description"),
        "Simulated home gateway",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{info}ProductClass"),
        "SimGW",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{info}SerialNumber"),
        serial_number(index),
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{info}HardwareVersion"),
        "HW-1.0",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{info}SoftwareVersion"),
        "1.0.0",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{info}ProvisioningCode"),
        "",
        s.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{info}UpTime"),
        (3600 + index % 86_400).to_string(),
        u.clone(),
        false,
    );
    let server = format!("{root}ManagementServer.");
    put(&mut tree, format!("{server}URL"), "", s.clone(), true);
    put(
        &mut tree,
        format!("{server}Username"),
        serial_number(index),
        s.clone(),
        true,
    );
    put(&mut tree, format!("{server}Password"), "", s.clone(), true);
    put(
        &mut tree,
        format!("{server}PeriodicInformEnable"),
        "true",
        b.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{server}PeriodicInformInterval"),
        "3600",
        u.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{server}ParameterKey"),
        "",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{server}ConnectionRequestURL"),
        connection_request_url,
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{server}ConnectionRequestUsername"),
        "",
        s.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{server}ConnectionRequestPassword"),
        "",
        s.clone(),
        true,
    );
    // TR-111: STUN, for Connection Requests through NAT (off until the ACS enables it).
    put(
        &mut tree,
        format!("{server}STUNEnable"),
        "false",
        b.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{server}STUNServerAddress"),
        "",
        s.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{server}STUNServerPort"),
        "3478",
        u.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{server}STUNUsername"),
        "",
        s.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{server}STUNPassword"),
        "",
        s.clone(),
        true,
    );
    put(
        &mut tree,
        format!("{server}UDPConnectionRequestAddress"),
        "",
        s.clone(),
        false,
    );
    put(
        &mut tree,
        format!("{server}NATDetected"),
        "false",
        b.clone(),
        false,
    );
    let wan_ip = format!("100.64.{}.{}", (index / 250) % 250, index % 250 + 1);
    match model {
        DataModel::Tr098 => {
            put(
                &mut tree,
                format!("{root}DeviceSummary"),
                "InternetGatewayDevice:1.4[](Baseline:1, EthernetLAN:1, WiFiLAN:1)",
                s.clone(),
                false,
            );
            let wan = format!("{root}WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.");
            put(&mut tree, format!("{wan}Enable"), "true", b.clone(), true);
            put(
                &mut tree,
                format!("{wan}ConnectionStatus"),
                "Connected",
                s.clone(),
                false,
            );
            put(
                &mut tree,
                format!("{wan}ExternalIPAddress"),
                wan_ip,
                s.clone(),
                false,
            );
            put(
                &mut tree,
                format!("{wan}DNSServers"),
                "192.0.2.53",
                s.clone(),
                true,
            );
            for wlan in 1..=4 {
                let w = format!("{root}LANDevice.1.WLANConfiguration.{wlan}.");
                put(&mut tree, format!("{w}Enable"), "true", b.clone(), true);
                put(
                    &mut tree,
                    format!("{w}SSID"),
                    format!("Home-{index}-{wlan}"),
                    s.clone(),
                    true,
                );
                put(&mut tree, format!("{w}KeyPassphrase"), "", s.clone(), true);
                put(&mut tree, format!("{w}Channel"), "6", u.clone(), true);
                put(&mut tree, format!("{w}BeaconType"), "11i", s.clone(), true);
                put(&mut tree, format!("{w}Standard"), "n", s.clone(), false);
                put(
                    &mut tree,
                    format!("{w}TotalBytesSent"),
                    "0",
                    u.clone(),
                    false,
                );
                put(
                    &mut tree,
                    format!("{w}TotalBytesReceived"),
                    "0",
                    u.clone(),
                    false,
                );
            }
            let lan = format!("{root}LANDevice.1.LANHostConfigManagement.");
            put(
                &mut tree,
                format!("{lan}DHCPServerEnable"),
                "true",
                b.clone(),
                true,
            );
            put(
                &mut tree,
                format!("{lan}MinAddress"),
                "192.168.1.100",
                s.clone(),
                true,
            );
            put(
                &mut tree,
                format!("{lan}MaxAddress"),
                "192.168.1.199",
                s.clone(),
                true,
            );
            put(
                &mut tree,
                format!("{lan}IPInterface.1.IPInterfaceIPAddress"),
                "192.168.1.1",
                s.clone(),
                true,
            );
            put(
                &mut tree,
                format!("{lan}IPInterface.1.IPInterfaceSubnetMask"),
                "255.255.255.0",
                s.clone(),
                true,
            );
            hosts(&mut tree, &format!("{root}LANDevice.1.Hosts.Host."), index);
        }
        DataModel::Tr181 => {
            put(
                &mut tree,
                format!("{root}RootDataModelVersion"),
                "2.15",
                s.clone(),
                false,
            );
            let ip = format!("{root}IP.Interface.1.");
            put(&mut tree, format!("{ip}Enable"), "true", b.clone(), true);
            put(&mut tree, format!("{ip}Status"), "Up", s.clone(), false);
            put(&mut tree, format!("{ip}Name"), "wan", s.clone(), false);
            put(
                &mut tree,
                format!("{ip}IPv4Address.1.IPAddress"),
                wan_ip,
                s.clone(),
                false,
            );
            put(
                &mut tree,
                format!("{ip}IPv4Address.1.SubnetMask"),
                "255.255.255.255",
                s.clone(),
                false,
            );
            let lan = format!("{root}IP.Interface.2.");
            put(&mut tree, format!("{lan}Enable"), "true", b.clone(), true);
            put(&mut tree, format!("{lan}Status"), "Up", s.clone(), false);
            put(&mut tree, format!("{lan}Name"), "br-lan", s.clone(), false);
            put(
                &mut tree,
                format!("{lan}IPv4Address.1.IPAddress"),
                "192.168.1.1",
                s.clone(),
                true,
            );
            put(
                &mut tree,
                format!("{lan}IPv4Address.1.SubnetMask"),
                "255.255.255.0",
                s.clone(),
                true,
            );
            let pool = format!("{root}DHCPv4.Server.Pool.1.");
            put(&mut tree, format!("{pool}Enable"), "true", b.clone(), true);
            put(
                &mut tree,
                format!("{pool}MinAddress"),
                "192.168.1.100",
                s.clone(),
                true,
            );
            put(
                &mut tree,
                format!("{pool}MaxAddress"),
                "192.168.1.199",
                s.clone(),
                true,
            );
            for ssid in 1..=4 {
                let w = format!("{root}WiFi.SSID.{ssid}.");
                put(&mut tree, format!("{w}Enable"), "true", b.clone(), true);
                put(
                    &mut tree,
                    format!("{w}SSID"),
                    format!("Home-{index}-{ssid}"),
                    s.clone(),
                    true,
                );
                put(&mut tree, format!("{w}Status"), "Up", s.clone(), false);
                // Odd SSIDs on the 2.4 GHz radio, even ones on the 5 GHz radio.
                put(
                    &mut tree,
                    format!("{w}LowerLayers"),
                    format!("{root}WiFi.Radio.{}.", 2 - ssid % 2),
                    s.clone(),
                    true,
                );
                put(
                    &mut tree,
                    format!("{w}Stats.BytesSent"),
                    "0",
                    u.clone(),
                    false,
                );
                put(
                    &mut tree,
                    format!("{w}Stats.BytesReceived"),
                    "0",
                    u.clone(),
                    false,
                );
                let ap = format!("{root}WiFi.AccessPoint.{ssid}.");
                put(&mut tree, format!("{ap}Enable"), "true", b.clone(), true);
                put(
                    &mut tree,
                    format!("{ap}SSIDReference"),
                    format!("{root}WiFi.SSID.{ssid}."),
                    s.clone(),
                    true,
                );
                put(
                    &mut tree,
                    format!("{ap}Security.ModeEnabled"),
                    "WPA2-Personal",
                    s.clone(),
                    true,
                );
                put(
                    &mut tree,
                    format!("{ap}Security.KeyPassphrase"),
                    "",
                    s.clone(),
                    true,
                );
            }
            for radio in 1..=2 {
                let r = format!("{root}WiFi.Radio.{radio}.");
                put(&mut tree, format!("{r}Enable"), "true", b.clone(), true);
                put(
                    &mut tree,
                    format!("{r}Channel"),
                    if radio == 1 { "6" } else { "36" },
                    u.clone(),
                    true,
                );
                put(
                    &mut tree,
                    format!("{r}OperatingFrequencyBand"),
                    if radio == 1 { "2.4GHz" } else { "5GHz" },
                    s.clone(),
                    false,
                );
            }
            hosts(&mut tree, &format!("{root}Hosts.Host."), index);
        }
    }
    for port in 1..=4 {
        let e = match model {
            DataModel::Tr098 => format!("{root}LANDevice.1.LANEthernetInterfaceConfig.{port}."),
            DataModel::Tr181 => format!("{root}Ethernet.Interface.{port}."),
        };
        put(&mut tree, format!("{e}Enable"), "true", b.clone(), true);
        put(
            &mut tree,
            format!("{e}Status"),
            if port == 1 { "Up" } else { "NoLink" },
            s.clone(),
            false,
        );
        put(
            &mut tree,
            format!("{e}MACAddress"),
            mac(index, port),
            s.clone(),
            false,
        );
        put(&mut tree, format!("{e}MaxBitRate"), "1000", s.clone(), true);
        put(&mut tree, format!("{e}DuplexMode"), "Auto", s.clone(), true);
    }
    tree
}

/// Connected LAN hosts: the bulk of a real tree.
fn hosts(tree: &mut SimTree, prefix: &str, index: u32) {
    for host in 1..=24 {
        let h = format!("{prefix}{host}.");
        put(
            tree,
            format!("{h}IPAddress"),
            format!("192.168.1.{}", 100 + host),
            XsdType::String,
            false,
        );
        put(
            tree,
            format!("{h}MACAddress"),
            mac(index, 100 + host),
            XsdType::String,
            false,
        );
        put(
            tree,
            format!("{h}HostName"),
            format!("device-{host}"),
            XsdType::String,
            false,
        );
        put(tree, format!("{h}Active"), "true", XsdType::Boolean, false);
        put(
            tree,
            format!("{h}InterfaceType"),
            if host % 2 == 0 { "802.11" } else { "Ethernet" },
            XsdType::String,
            false,
        );
        put(
            tree,
            format!("{h}LeaseTimeRemaining"),
            "86400",
            XsdType::Int,
            false,
        );
        put(
            tree,
            format!("{h}AddressSource"),
            "DHCP",
            XsdType::String,
            false,
        );
        put(
            tree,
            format!("{h}Layer2Interface"),
            "1",
            XsdType::String,
            false,
        );
    }
}

pub fn serial_number(index: u32) -> String {
    format!("SIM{index:09}")
}

fn mac(index: u32, port: u32) -> String {
    let bytes = index.to_be_bytes();
    format!(
        "0a:0b:{:02x}:{:02x}:{:02x}:{:02x}",
        bytes[1],
        bytes[2],
        bytes[3],
        port % 256
    )
}

/// Every object path above the leaves (`A.B.` for `A.B.C`), as GetParameterNames lists them.
pub fn object_paths(tree: &SimTree) -> Vec<String> {
    let mut objects = std::collections::BTreeSet::new();
    for name in tree.keys() {
        let mut end = 0;
        while let Some(dot) = name[end..].find('.') {
            end += dot + 1;
            if end < name.len() {
                objects.insert(name[..end].to_owned());
            }
        }
    }
    objects.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_have_a_few_hundred_realistic_parameters() {
        for model in [DataModel::Tr098, DataModel::Tr181] {
            let tree = build_tree(model, 42, "http://127.0.0.1:1/");
            assert!(
                (200..=400).contains(&tree.len()),
                "{model:?}: {}",
                tree.len()
            );
            assert!(tree.keys().all(|name| name.starts_with(model.root())));
            assert!(object_paths(&tree).contains(&model.root().to_owned()));
        }
        assert_eq!(serial_number(42), "SIM000000042");
    }
}
