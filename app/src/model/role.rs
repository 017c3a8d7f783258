use serde::{Deserialize, Serialize};

/// What a person may do. Every server function names the roles it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including users, the audit log and bulk operations.
    Admin,
    /// Operator staff troubleshooting customers' devices.
    Helpdesk,
    /// A subscriber who sees only their own devices.
    Customer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Helpdesk, Role::Customer];
    /// The operator's own people.
    pub const STAFF: &'static [Role] = &[Role::Admin, Role::Helpdesk];
    pub const ADMIN: &'static [Role] = &[Role::Admin];
    pub const CUSTOMER: &'static [Role] = &[Role::Customer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Helpdesk => "helpdesk",
            Role::Customer => "customer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Helpdesk => "Helpdesk",
            Role::Customer => "Customer",
        }
    }

    pub fn is_staff(self) -> bool {
        Role::STAFF.contains(&self)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_names_only() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse("root"), None);
    }
}
