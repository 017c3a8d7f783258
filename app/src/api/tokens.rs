//! The admin's API tokens: list, create (the secret is shown once), revoke.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{ApiOperation, ApiTokenView, NewApiToken},
};

/// Longest token name.
pub const MAX_TOKEN_NAME: usize = 64;

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenView>, AppError> {
    use super::guard;

    let (services, _, _) = guard::require(crate::model::Role::ADMIN).await?;
    let tokens = services
        .store
        .list_api_tokens()
        .await
        .map_err(guard::internal)?;
    Ok(tokens
        .into_iter()
        .map(|token| ApiTokenView {
            id: token.id,
            name: token.name,
            role: token.role,
            prefix: token.prefix,
            created_by: token.created_by,
            created_at: guard::display_minute(token.created_at),
            last_used_at: token.last_used_at.map(guard::display_minute),
            revoked_at: token.revoked_at.map(guard::display_minute),
        })
        .collect())
}

/// Creates a token for `role` (admin or helpdesk); its secret is in the answer, once.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(name: String, role: String) -> Result<NewApiToken, AppError> {
    use super::guard;
    use crate::{
        auth::generate_api_token,
        model::Role,
        store::{AuditAction, NewApiToken as NewRow},
    };

    let (services, me, identity) = guard::require(Role::ADMIN).await?;
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_TOKEN_NAME {
        return Err(AppError::invalid(
            "name",
            format!(
                "Name the token (1 to {MAX_TOKEN_NAME} characters), e.g. after the system that uses it."
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "Control characters are not allowed.",
        ));
    }
    let role = Role::parse(&role)
        .filter(|role| role.is_staff())
        .ok_or_else(|| AppError::invalid("role", "A token acts as admin or helpdesk."))?;
    let generated = generate_api_token();
    let now = chrono::Utc::now();
    let token = services
        .store
        .create_api_token(
            &NewRow {
                name: &name,
                role,
                secret_hash: &generated.secret_hash,
                prefix: &generated.prefix,
                created_by: &me.username,
            },
            now,
        )
        .await
        .map_err(guard::internal)?;
    services
        .audit(
            &identity.actor(""),
            AuditAction::ApiTokenCreated,
            Some(&format!("api_token:{}", token.id)),
            format!("'{name}' with role {role} ({})", token.prefix),
            now,
        )
        .await
        .map_err(guard::internal)?;
    Ok(NewApiToken {
        name,
        secret: generated.secret,
    })
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    use super::guard;
    use crate::{model::Role, store::AuditAction};

    let (services, _, identity) = guard::require(Role::ADMIN).await?;
    let now = chrono::Utc::now();
    let revoked = services
        .store
        .revoke_api_token(id, now)
        .await
        .map_err(guard::internal)?;
    if !revoked {
        return Err(AppError::not_found(
            "No such token, or it is revoked already.",
        ));
    }
    services
        .audit(
            &identity.actor(""),
            AuditAction::ApiTokenRevoked,
            Some(&format!("api_token:{id}")),
            "revoked",
            now,
        )
        .await
        .map_err(guard::internal)?;
    Ok(())
}

/// The REST API's operations, read from its OpenAPI document, for the reference page.
#[server(endpoint = "api_reference")]
pub async fn api_reference() -> Result<Vec<ApiOperation>, AppError> {
    use super::guard;
    use crate::model::{ApiParameter, Role};

    guard::require(Role::STAFF).await?;
    let document = crate::openapi::document();
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let mut parameters: Vec<ApiParameter> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|parameter| ApiParameter {
                    name: text(&parameter["name"]),
                    location: text(&parameter["in"]),
                    description: text(&parameter["description"]),
                })
                .collect();
            if let Some(schema) =
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                parameters.push(ApiParameter {
                    name: schema.rsplit('/').next().unwrap_or_default().to_owned(),
                    location: "body".to_owned(),
                    description: "JSON; see the OpenAPI document for its fields.".to_owned(),
                });
            }
            operations.push(ApiOperation {
                method: method.to_uppercase(),
                path: path.clone(),
                tag: operation["tags"][0].as_str().unwrap_or("other").to_owned(),
                summary: text(&operation["summary"]),
                description: text(&operation["description"]),
                parameters,
            });
        }
    }
    Ok(operations)
}
