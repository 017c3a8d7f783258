//! WAN, LAN and Wi-Fi read out of a stored parameter tree, for TR-098
//! (`InternetGatewayDevice.`) and TR-181 (`Device.`) devices alike: a helpdesk agent sees
//! the same sections whichever model the device speaks. Pure.
//!
//! Only what the tree holds is shown; a parameter the device lacks is left out rather than
//! shown empty, so a section never claims what was not read.

use crate::{
    model::{DeviceOverview, OverviewFact, OverviewSection, WifiNetwork},
    store::ParameterTree,
};

const TR098: &str = "InternetGatewayDevice.";
const TR181: &str = "Device.";

/// The overview of a device's tree.
pub fn device_overview(tree: &ParameterTree) -> DeviceOverview {
    let view = TreeView(tree);
    let mut overview = DeviceOverview::default();
    if view.has_object(TR098) {
        tr098(&view, &mut overview);
    }
    if view.has_object(TR181) {
        tr181(&view, &mut overview);
    }
    overview
}

/// Read helpers over the tree.
struct TreeView<'a>(&'a ParameterTree);

impl TreeView<'_> {
    fn has_object(&self, prefix: &str) -> bool {
        self.0
            .range(prefix.to_owned()..)
            .next()
            .is_some_and(|(name, _)| name.starts_with(prefix))
    }

    /// A value that was read and is not empty.
    fn value(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .and_then(|p| p.value.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.value(name).map(|v| matches!(v, "true" | "1"))
    }

    /// The instance numbers of a multi-instance object (`prefix` ends in `.`), ascending.
    fn instances(&self, prefix: &str) -> Vec<u32> {
        let mut found: Vec<u32> = self
            .0
            .range(prefix.to_owned()..)
            .take_while(|(name, _)| name.starts_with(prefix))
            .filter_map(|(name, _)| name[prefix.len()..].split('.').next()?.parse().ok())
            .collect();
        found.dedup();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Collects facts for one section, skipping parameters without a value.
struct Facts<'a, 'b> {
    view: &'a TreeView<'b>,
    facts: Vec<OverviewFact>,
}

impl<'a, 'b> Facts<'a, 'b> {
    fn new(view: &'a TreeView<'b>) -> Self {
        Facts {
            view,
            facts: Vec::new(),
        }
    }

    fn add(&mut self, label: &str, name: &str) -> &mut Self {
        if let Some(value) = self.view.value(name) {
            self.push(label, value.to_owned());
        }
        self
    }

    fn push(&mut self, label: &str, value: String) -> &mut Self {
        self.facts.push(OverviewFact {
            label: label.to_owned(),
            value,
        });
        self
    }

    fn section(&mut self, title: String, path: String) -> OverviewSection {
        OverviewSection {
            title,
            path,
            facts: std::mem::take(&mut self.facts),
        }
    }
}

fn tr098(view: &TreeView<'_>, overview: &mut DeviceOverview) {
    let wan_devices = format!("{TR098}WANDevice.");
    for wan in view.instances(&wan_devices) {
        let connections = format!("{wan_devices}{wan}.WANConnectionDevice.");
        for device in view.instances(&connections) {
            for (object, label) in [
                ("WANIPConnection", "IP connection"),
                ("WANPPPConnection", "PPP connection"),
            ] {
                let base = format!("{connections}{device}.{object}.");
                for index in view.instances(&base) {
                    let path = format!("{base}{index}.");
                    let p = |name: &str| format!("{path}{name}");
                    let mut facts = Facts::new(view);
                    facts
                        .add("Status", &p("ConnectionStatus"))
                        .add("Type", &p("ConnectionType"))
                        .add("Addressing", &p("AddressingType"))
                        .add("IP address", &p("ExternalIPAddress"))
                        .add("Gateway", &p("DefaultGateway"))
                        .add("Gateway", &p("RemoteIPAddress"))
                        .add("DNS servers", &p("DNSServers"))
                        .add("PPP username", &p("Username"))
                        .add("MAC address", &p("MACAddress"));
                    if let Some(uptime) = view.value(&p("Uptime")) {
                        facts.push("Connected for", duration_text(uptime));
                    }
                    overview
                        .wan
                        .push(facts.section(format!("WAN {label}"), path));
                }
            }
        }
    }
    let lan_devices = format!("{TR098}LANDevice.");
    for lan in view.instances(&lan_devices) {
        let path = format!("{lan_devices}{lan}.");
        let config = format!("{path}LANHostConfigManagement.");
        let mut facts = Facts::new(view);
        facts
            .add(
                "IP address",
                &format!("{config}IPInterface.1.IPInterfaceIPAddress"),
            )
            .add(
                "Subnet mask",
                &format!("{config}IPInterface.1.IPInterfaceSubnetMask"),
            );
        dhcp_facts(
            view,
            &mut facts,
            &format!("{config}DHCPServerEnable"),
            &format!("{config}MinAddress"),
            &format!("{config}MaxAddress"),
        );
        ethernet_facts(
            view,
            &mut facts,
            &format!("{path}LANEthernetInterfaceConfig."),
        );
        host_facts(view, &mut facts, &format!("{path}Hosts.Host."));
        overview
            .lan
            .push(facts.section("LAN".to_owned(), path.clone()));

        let radios = format!("{path}WLANConfiguration.");
        for index in view.instances(&radios) {
            let w = format!("{radios}{index}.");
            let p = |name: &str| format!("{w}{name}");
            let channel = view.value(&p("Channel")).map(str::to_owned);
            let passphrase = [p("KeyPassphrase"), p("PreSharedKey.1.KeyPassphrase")]
                .into_iter()
                .find(|name| view.0.contains_key(name));
            overview.wifi.push(WifiNetwork {
                ssid: view.value(&p("SSID")).unwrap_or_default().to_owned(),
                ssid_parameter: p("SSID"),
                enabled: view.flag(&p("Enable")),
                status: view.value(&p("Status")).map(str::to_owned),
                band: view
                    .value(&p("OperatingFrequencyBand"))
                    .map(band_text)
                    .or_else(|| channel.as_deref().and_then(band_of_channel)),
                channel,
                security: view.value(&p("BeaconType")).map(beacon_type_text),
                passphrase_parameter: passphrase,
            });
        }
    }
}

fn tr181(view: &TreeView<'_>, overview: &mut DeviceOverview) {
    let dns: Vec<&str> = view
        .instances(&format!("{TR181}DNS.Client.Server."))
        .into_iter()
        .filter_map(|i| view.value(&format!("{TR181}DNS.Client.Server.{i}.DNSServer")))
        .collect();
    let gateway = view
        .instances(&format!("{TR181}Routing.Router.1.IPv4Forwarding."))
        .into_iter()
        .map(|i| format!("{TR181}Routing.Router.1.IPv4Forwarding.{i}."))
        .find(|route| view.value(&format!("{route}DestIPAddress")).is_none())
        .and_then(|route| view.value(&format!("{route}GatewayIPAddress")));
    let interfaces = format!("{TR181}IP.Interface.");
    for index in view.instances(&interfaces) {
        let path = format!("{interfaces}{index}.");
        let p = |name: &str| format!("{path}{name}");
        let name = view
            .value(&p("Name"))
            .or_else(|| view.value(&p("Alias")))
            .unwrap_or_default();
        let address = view
            .instances(&p("IPv4Address."))
            .into_iter()
            .find_map(|a| view.value(&p(&format!("IPv4Address.{a}.IPAddress"))));
        let Some(side) = interface_side(name, address) else {
            continue;
        };
        let mut facts = Facts::new(view);
        if !name.is_empty() {
            facts.push("Interface", name.to_owned());
        }
        facts.add("Status", &p("Status"));
        if let Some(address) = address {
            facts.push("IP address", address.to_owned());
        }
        let first_address = view.instances(&p("IPv4Address.")).into_iter().next();
        if let Some(a) = first_address {
            facts.add("Subnet mask", &p(&format!("IPv4Address.{a}.SubnetMask")));
        }
        match side {
            Side::Wan => {
                if let Some(gateway) = gateway {
                    facts.push("Gateway", gateway.to_owned());
                }
                if !dns.is_empty() {
                    facts.push("DNS servers", dns.join(", "));
                }
                overview
                    .wan
                    .push(facts.section("WAN IP interface".to_owned(), path.clone()));
            }
            Side::Lan => {
                let pool = format!("{TR181}DHCPv4.Server.Pool.1.");
                dhcp_facts(
                    view,
                    &mut facts,
                    &format!("{pool}Enable"),
                    &format!("{pool}MinAddress"),
                    &format!("{pool}MaxAddress"),
                );
                ethernet_facts(view, &mut facts, &format!("{TR181}Ethernet.Interface."));
                host_facts(view, &mut facts, &format!("{TR181}Hosts.Host."));
                overview
                    .lan
                    .push(facts.section("LAN".to_owned(), path.clone()));
            }
        }
    }
    let ppp = format!("{TR181}PPP.Interface.");
    for index in view.instances(&ppp) {
        let path = format!("{ppp}{index}.");
        let p = |name: &str| format!("{path}{name}");
        let mut facts = Facts::new(view);
        facts
            .add("Status", &p("ConnectionStatus"))
            .add("Status", &p("Status"))
            .add("PPP username", &p("Username"))
            .add("IP address", &p("IPCP.LocalIPAddress"));
        overview
            .wan
            .push(facts.section("WAN PPP interface".to_owned(), path.clone()));
    }

    let ssids = format!("{TR181}WiFi.SSID.");
    let access_points = format!("{TR181}WiFi.AccessPoint.");
    let ap_indexes = view.instances(&access_points);
    for index in view.instances(&ssids) {
        let s = format!("{ssids}{index}.");
        let p = |name: &str| format!("{s}{name}");
        // The access point serving this SSID: by its reference, else the same number.
        let reference = s.trim_end_matches('.');
        let ap = ap_indexes
            .iter()
            .find(|a| {
                view.value(&format!("{access_points}{a}.SSIDReference"))
                    .is_some_and(|r| r.trim_end_matches('.') == reference)
            })
            .or_else(|| ap_indexes.iter().find(|a| **a == index))
            .map(|a| format!("{access_points}{a}."));
        // The radio under the SSID (its LowerLayers).
        let radio = view
            .value(&p("LowerLayers"))
            .and_then(|layers| layers.split(',').next())
            .map(|layer| format!("{}.", layer.trim().trim_end_matches('.')));
        let channel = radio
            .as_ref()
            .and_then(|r| view.value(&format!("{r}Channel")))
            .map(str::to_owned);
        let band = radio
            .as_ref()
            .and_then(|r| view.value(&format!("{r}OperatingFrequencyBand")))
            .map(band_text)
            .or_else(|| channel.as_deref().and_then(band_of_channel));
        let passphrase = ap.as_ref().and_then(|ap| {
            [
                format!("{ap}Security.KeyPassphrase"),
                format!("{ap}Security.PreSharedKey"),
            ]
            .into_iter()
            .find(|name| view.0.contains_key(name))
        });
        overview.wifi.push(WifiNetwork {
            ssid: view.value(&p("SSID")).unwrap_or_default().to_owned(),
            ssid_parameter: p("SSID"),
            enabled: view.flag(&p("Enable")),
            status: view.value(&p("Status")).map(str::to_owned),
            band,
            channel,
            security: ap
                .as_ref()
                .and_then(|ap| view.value(&format!("{ap}Security.ModeEnabled")))
                .map(str::to_owned),
            passphrase_parameter: passphrase,
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Wan,
    Lan,
}

/// Which side an IP interface faces: by its name when it says, else by its address
/// (private → LAN). Loopback interfaces are left out.
fn interface_side(name: &str, address: Option<&str>) -> Option<Side> {
    let name = name.to_ascii_lowercase();
    if name.starts_with("lo") || address.is_some_and(|a| a.starts_with("127.")) {
        return None;
    }
    if name.contains("wan") || name.contains("ppp") {
        return Some(Side::Wan);
    }
    if name.contains("lan") || name.starts_with("br") {
        return Some(Side::Lan);
    }
    match address {
        Some(address) if is_private_ipv4(address) => Some(Side::Lan),
        Some(_) => Some(Side::Wan),
        None => None,
    }
}

/// RFC 1918 space (not RFC 6598 shared space: a carrier-grade NAT address is the WAN side).
fn is_private_ipv4(address: &str) -> bool {
    let octets: Vec<u8> = address.split('.').filter_map(|o| o.parse().ok()).collect();
    match octets.as_slice() {
        [10, ..] => true,
        [172, second, ..] => (16..=31).contains(second),
        [192, 168, ..] => true,
        _ => false,
    }
}

fn dhcp_facts(view: &TreeView<'_>, facts: &mut Facts<'_, '_>, enable: &str, min: &str, max: &str) {
    match view.flag(enable) {
        Some(false) => {
            facts.push("DHCP server", "Off".to_owned());
        }
        Some(true) => {
            let range = match (view.value(min), view.value(max)) {
                (Some(min), Some(max)) => format!("On, {min} – {max}"),
                _ => "On".to_owned(),
            };
            facts.push("DHCP server", range);
        }
        None => {}
    }
}

fn ethernet_facts(view: &TreeView<'_>, facts: &mut Facts<'_, '_>, ports: &str) {
    let statuses: Vec<&str> = view
        .instances(ports)
        .into_iter()
        .filter_map(|i| view.value(&format!("{ports}{i}.Status")))
        .collect();
    if !statuses.is_empty() {
        let up = statuses.iter().filter(|s| **s == "Up").count();
        facts.push(
            "Ethernet ports",
            format!("{up} of {} connected", statuses.len()),
        );
    }
}

fn host_facts(view: &TreeView<'_>, facts: &mut Facts<'_, '_>, hosts: &str) {
    let indexes = view.instances(hosts);
    if indexes.is_empty() {
        return;
    }
    let active = indexes
        .iter()
        .filter(|i| view.flag(&format!("{hosts}{i}.Active")) != Some(false))
        .count();
    facts.push("Connected hosts", active.to_string());
}

/// "2.4GHz" → "2.4 GHz".
fn band_text(band: &str) -> String {
    match band.strip_suffix("GHz") {
        Some(number) => format!("{} GHz", number.trim()),
        None => band.to_owned(),
    }
}

/// Channels 1–14 are 2.4 GHz; the 5 GHz band starts at 32.
fn band_of_channel(channel: &str) -> Option<String> {
    match channel.parse::<u32>().ok()? {
        1..=14 => Some("2.4 GHz".to_owned()),
        32..=177 => Some("5 GHz".to_owned()),
        _ => None,
    }
}

/// TR-098's BeaconType in words.
fn beacon_type_text(beacon: &str) -> String {
    match beacon {
        "None" => "Open (no encryption)".to_owned(),
        "Basic" => "WEP".to_owned(),
        "WPA" => "WPA".to_owned(),
        "11i" => "WPA2".to_owned(),
        "WPAand11i" => "WPA/WPA2".to_owned(),
        other => other.to_owned(),
    }
}

/// Seconds as "3 d 4 h", "5 h 2 min", "40 s".
pub fn duration_text(seconds: &str) -> String {
    let Ok(total) = seconds.trim().parse::<u64>() else {
        return seconds.to_owned();
    };
    let (days, hours, minutes) = (total / 86_400, total % 86_400 / 3_600, total % 3_600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{total} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoredParameter;

    fn tree(entries: &[(&str, &str)]) -> ParameterTree {
        entries
            .iter()
            .map(|(name, value)| {
                (
                    (*name).to_owned(),
                    StoredParameter {
                        value: Some((*value).to_owned()),
                        kind: Some("xsd:string".to_owned()),
                        writable: Some(true),
                        read_at: 0,
                    },
                )
            })
            .collect()
    }

    fn facts(section: &OverviewSection) -> Vec<(&str, &str)> {
        section
            .facts
            .iter()
            .map(|f| (f.label.as_str(), f.value.as_str()))
            .collect()
    }

    #[test]
    fn a_tr098_gateway_reads_as_wan_lan_and_wifi() {
        let igd = "InternetGatewayDevice.";
        let t = tree(&[
            (
                &format!(
                    "{igd}WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.ConnectionStatus"
                ),
                "Connected",
            ),
            (
                &format!(
                    "{igd}WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.ExternalIPAddress"
                ),
                "203.0.113.7",
            ),
            (
                &format!("{igd}WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Username"),
                "user@isp",
            ),
            (
                &format!("{igd}WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Uptime"),
                "93784",
            ),
            (
                &format!("{igd}LANDevice.1.LANHostConfigManagement.DHCPServerEnable"),
                "1",
            ),
            (
                &format!("{igd}LANDevice.1.LANHostConfigManagement.MinAddress"),
                "192.168.1.2",
            ),
            (
                &format!("{igd}LANDevice.1.LANHostConfigManagement.MaxAddress"),
                "192.168.1.254",
            ),
            (
                &format!(
                    "{igd}LANDevice.1.LANHostConfigManagement.IPInterface.1.IPInterfaceIPAddress"
                ),
                "192.168.1.1",
            ),
            (
                &format!("{igd}LANDevice.1.LANEthernetInterfaceConfig.1.Status"),
                "Up",
            ),
            (
                &format!("{igd}LANDevice.1.LANEthernetInterfaceConfig.2.Status"),
                "NoLink",
            ),
            (&format!("{igd}LANDevice.1.Hosts.Host.1.Active"), "true"),
            (&format!("{igd}LANDevice.1.Hosts.Host.2.Active"), "false"),
            (
                &format!("{igd}LANDevice.1.WLANConfiguration.1.SSID"),
                "Home",
            ),
            (
                &format!("{igd}LANDevice.1.WLANConfiguration.1.Enable"),
                "true",
            ),
            (
                &format!("{igd}LANDevice.1.WLANConfiguration.1.Channel"),
                "11",
            ),
            (
                &format!("{igd}LANDevice.1.WLANConfiguration.1.BeaconType"),
                "11i",
            ),
            (
                &format!("{igd}LANDevice.1.WLANConfiguration.1.PreSharedKey.1.KeyPassphrase"),
                "",
            ),
            (
                &format!("{igd}LANDevice.1.WLANConfiguration.2.SSID"),
                "Home-5G",
            ),
            (
                &format!("{igd}LANDevice.1.WLANConfiguration.2.Channel"),
                "36",
            ),
        ]);
        let overview = device_overview(&t);
        assert_eq!(overview.wan.len(), 1);
        assert_eq!(overview.wan[0].title, "WAN PPP connection");
        assert_eq!(
            facts(&overview.wan[0]),
            [
                ("Status", "Connected"),
                ("IP address", "203.0.113.7"),
                ("PPP username", "user@isp"),
                ("Connected for", "1 d 2 h"),
            ]
        );
        assert_eq!(
            facts(&overview.lan[0]),
            [
                ("IP address", "192.168.1.1"),
                ("DHCP server", "On, 192.168.1.2 – 192.168.1.254"),
                ("Ethernet ports", "1 of 2 connected"),
                ("Connected hosts", "1"),
            ]
        );
        let wifi = &overview.wifi;
        assert_eq!(wifi.len(), 2);
        assert_eq!(
            (
                wifi[0].ssid.as_str(),
                wifi[0].band.as_deref(),
                wifi[0].security.as_deref(),
                wifi[0].enabled
            ),
            ("Home", Some("2.4 GHz"), Some("WPA2"), Some(true))
        );
        assert_eq!(
            wifi[0].passphrase_parameter.as_deref(),
            Some(
                "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.PreSharedKey.1.KeyPassphrase"
            )
        );
        assert_eq!(wifi[1].band.as_deref(), Some("5 GHz"));
        assert_eq!(wifi[1].passphrase_parameter, None);
    }

    #[test]
    fn a_tr181_device_reads_the_same_way() {
        let t = tree(&[
            ("Device.IP.Interface.1.Name", "erouter0"),
            ("Device.IP.Interface.1.Status", "Up"),
            (
                "Device.IP.Interface.1.IPv4Address.1.IPAddress",
                "100.64.3.9",
            ),
            ("Device.IP.Interface.2.Name", "br-lan"),
            (
                "Device.IP.Interface.2.IPv4Address.1.IPAddress",
                "192.168.0.1",
            ),
            (
                "Device.IP.Interface.2.IPv4Address.1.SubnetMask",
                "255.255.255.0",
            ),
            ("Device.IP.Interface.3.Name", "lo"),
            ("Device.IP.Interface.3.IPv4Address.1.IPAddress", "127.0.0.1"),
            ("Device.DNS.Client.Server.1.DNSServer", "192.0.2.53"),
            ("Device.DNS.Client.Server.2.DNSServer", "192.0.2.54"),
            ("Device.Routing.Router.1.IPv4Forwarding.1.DestIPAddress", ""),
            (
                "Device.Routing.Router.1.IPv4Forwarding.1.GatewayIPAddress",
                "100.64.0.1",
            ),
            ("Device.DHCPv4.Server.Pool.1.Enable", "false"),
            ("Device.WiFi.Radio.1.OperatingFrequencyBand", "5GHz"),
            ("Device.WiFi.Radio.1.Channel", "44"),
            ("Device.WiFi.SSID.1.SSID", "Flat"),
            ("Device.WiFi.SSID.1.LowerLayers", "Device.WiFi.Radio.1."),
            (
                "Device.WiFi.AccessPoint.7.SSIDReference",
                "Device.WiFi.SSID.1",
            ),
            (
                "Device.WiFi.AccessPoint.7.Security.ModeEnabled",
                "WPA3-Personal",
            ),
            ("Device.WiFi.AccessPoint.7.Security.KeyPassphrase", ""),
        ]);
        let overview = device_overview(&t);
        assert_eq!(
            facts(&overview.wan[0]),
            [
                ("Interface", "erouter0"),
                ("Status", "Up"),
                ("IP address", "100.64.3.9"),
                ("Gateway", "100.64.0.1"),
                ("DNS servers", "192.0.2.53, 192.0.2.54"),
            ]
        );
        assert_eq!(overview.lan.len(), 1, "loopback is left out");
        assert_eq!(
            facts(&overview.lan[0]),
            [
                ("Interface", "br-lan"),
                ("IP address", "192.168.0.1"),
                ("Subnet mask", "255.255.255.0"),
                ("DHCP server", "Off"),
            ]
        );
        let wifi = &overview.wifi[0];
        assert_eq!(
            (
                wifi.ssid.as_str(),
                wifi.band.as_deref(),
                wifi.channel.as_deref(),
                wifi.security.as_deref()
            ),
            ("Flat", Some("5 GHz"), Some("44"), Some("WPA3-Personal"))
        );
        assert_eq!(
            wifi.passphrase_parameter.as_deref(),
            Some("Device.WiFi.AccessPoint.7.Security.KeyPassphrase")
        );
    }

    #[test]
    fn an_empty_tree_has_an_empty_overview() {
        assert_eq!(
            device_overview(&ParameterTree::new()),
            DeviceOverview::default()
        );
        assert_eq!(duration_text("40"), "40 s");
        assert_eq!(duration_text("7260"), "2 h 1 min");
        assert_eq!(duration_text("n/a"), "n/a");
    }
}
