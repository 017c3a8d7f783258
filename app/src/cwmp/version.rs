//! CWMP protocol versions and their XML namespaces.

/// A CWMP version (TR-069 Amendment 1 to 6 map to 1.0 to 1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CwmpVersion {
    V1_0,
    V1_1,
    V1_2,
    V1_3,
    V1_4,
}

impl CwmpVersion {
    pub const ALL: [CwmpVersion; 5] = [
        CwmpVersion::V1_0,
        CwmpVersion::V1_1,
        CwmpVersion::V1_2,
        CwmpVersion::V1_3,
        CwmpVersion::V1_4,
    ];

    pub fn namespace(self) -> &'static str {
        match self {
            CwmpVersion::V1_0 => "urn:dslforum-org:cwmp-1-0",
            CwmpVersion::V1_1 => "urn:dslforum-org:cwmp-1-1",
            CwmpVersion::V1_2 => "urn:dslforum-org:cwmp-1-2",
            CwmpVersion::V1_3 => "urn:dslforum-org:cwmp-1-3",
            CwmpVersion::V1_4 => "urn:dslforum-org:cwmp-1-4",
        }
    }

    /// The version a namespace URI names. Lenient about case and a trailing slash.
    pub fn from_namespace(uri: &str) -> Option<CwmpVersion> {
        let uri = uri.trim().trim_end_matches('/');
        CwmpVersion::ALL
            .into_iter()
            .find(|version| version.namespace().eq_ignore_ascii_case(uri))
    }

    /// The version as the `SupportedCWMPVersions` / `UseCWMPVersion` headers write it.
    pub fn label(self) -> &'static str {
        match self {
            CwmpVersion::V1_0 => "1.0",
            CwmpVersion::V1_1 => "1.1",
            CwmpVersion::V1_2 => "1.2",
            CwmpVersion::V1_3 => "1.3",
            CwmpVersion::V1_4 => "1.4",
        }
    }

    pub fn from_label(label: &str) -> Option<CwmpVersion> {
        let label = label.trim();
        CwmpVersion::ALL
            .into_iter()
            .find(|version| version.label() == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_and_labels_round_trip() {
        for version in CwmpVersion::ALL {
            assert_eq!(
                CwmpVersion::from_namespace(version.namespace()),
                Some(version)
            );
            assert_eq!(CwmpVersion::from_label(version.label()), Some(version));
        }
        assert_eq!(
            CwmpVersion::from_namespace("URN:DSLFORUM-ORG:CWMP-1-2/"),
            Some(CwmpVersion::V1_2)
        );
        assert_eq!(
            CwmpVersion::from_namespace("urn:dslforum-org:cwmp-2-0"),
            None
        );
    }
}
