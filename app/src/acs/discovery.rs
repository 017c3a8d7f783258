//! Reading a device's whole parameter tree: one GetParameterNames for everything, then
//! GetParameterValues over the leaf names in batches. Pure: it only plans requests.

use super::session::{PendingRpc, Purpose};
use crate::cwmp::{Message, message::Inform};

/// Names per GetParameterValues. Small enough for weak CPUs and MaxEnvelopes 1, large
/// enough that a 300-parameter tree takes three round trips.
pub const NAMES_PER_REQUEST: usize = 100;

/// The data model's root: `Device.` (TR-181) or `InternetGatewayDevice.` (TR-098), judged
/// from the parameters the Inform carried.
pub fn root_of(inform: &Inform) -> &'static str {
    let tr098 = inform
        .parameters
        .iter()
        .any(|parameter| parameter.name.starts_with("InternetGatewayDevice."));
    if tr098 {
        "InternetGatewayDevice."
    } else {
        "Device."
    }
}

/// The first request of a discovery.
pub fn start(root: &str) -> PendingRpc {
    PendingRpc {
        purpose: Purpose::Discovery,
        request: Message::GetParameterNames {
            path: root.to_owned(),
            next_level: false,
        },
    }
}

/// The requests a discovery step's answer calls for.
pub fn follow_up(rpc: &PendingRpc, response: &Message) -> Vec<PendingRpc> {
    if rpc.purpose != Purpose::Discovery {
        return Vec::new();
    }
    let Message::GetParameterNamesResponse { parameters } = response else {
        return Vec::new();
    };
    let leaves: Vec<String> = parameters
        .iter()
        .filter(|parameter| !parameter.name.ends_with('.'))
        .map(|parameter| parameter.name.clone())
        .collect();
    leaves
        .chunks(NAMES_PER_REQUEST)
        .map(|names| PendingRpc {
            purpose: Purpose::Discovery,
            request: Message::GetParameterValues {
                names: names.to_vec(),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cwmp::types::ParameterInfo;

    #[test]
    fn names_become_batches_of_values() {
        let mut parameters = vec![ParameterInfo {
            name: "Device.".into(),
            writable: false,
        }];
        parameters.extend((0..250).map(|i| ParameterInfo {
            name: format!("Device.X.{i}"),
            writable: i % 2 == 0,
        }));
        let plan = follow_up(
            &start("Device."),
            &Message::GetParameterNamesResponse { parameters },
        );
        let sizes: Vec<usize> = plan
            .iter()
            .map(|rpc| match &rpc.request {
                Message::GetParameterValues { names } => names.len(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(sizes, [100, 100, 50]);

        let task = PendingRpc {
            purpose: Purpose::Task(1),
            ..start("Device.")
        };
        assert!(
            follow_up(
                &task,
                &Message::GetParameterNamesResponse { parameters: vec![] }
            )
            .is_empty()
        );
    }
}
