//! Workload identity federation rules: how issuers and subjects are spelled, what a
//! federated identity credential may contain, and how an assertion is matched against an
//! identity's credentials. Pure functions; the token endpoint calls them in order.

pub mod expression;
pub mod policy;
use crate::directory::FederatedCredential;
use crate::{Uuid, catalogue::Rendered};
use base64::Engine;

/// The audience federated credentials store for every Azure DevOps / Entra exchange.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";
/// The audience of Entra-issued pipeline ID tokens; treated as equal to the one above.
pub const ENTRA_PIPELINE_AUDIENCE: &str = "fb60f99c-7a34-4190-8149-302f77469936";
/// The Azure DevOps application (the `azp` of Entra-issued pipeline ID tokens, and the
/// resource of the Azure DevOps connection type).
pub const AZURE_DEVOPS_APP_ID: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// At most this many federated credentials per identity (Entra's limit).
pub const MAX_FICS_PER_IDENTITY: usize = 20;

/// Access tokens live an hour; `expires_in` is reported one second short, as Entra does.
pub const ACCESS_TOKEN_LIFETIME: i64 = 3600;
/// Issuer, subject and description are limited to this many characters.
pub const MAX_FIC_FIELD: usize = 600;

/// .NET `Guid.ToByteArray()` (first three groups little-endian), base64url without
/// padding: the tenant segment of Entra-generation subjects.
pub fn guid_b64url(id: Uuid) -> String {
    let (d1, d2, d3, d4) = id.as_fields();
    let mut bytes = Vec::with_capacity(16);
    bytes.extend_from_slice(&d1.to_le_bytes());
    bytes.extend_from_slice(&d2.to_le_bytes());
    bytes.extend_from_slice(&d3.to_le_bytes());
    bytes.extend_from_slice(d4);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `/eid1/c/pub/t/{tenant}/a/{azure devops app}/sc/{organization id}/{connection id}`:
/// survives renames because it holds only ids.
pub fn entra_subject(
    cloud: crate::directory::Cloud,
    tenant: Uuid,
    organization: Uuid,
    connection: Uuid,
) -> String {
    let app = Uuid::parse_str(AZURE_DEVOPS_APP_ID).unwrap_or_default();
    format!(
        "/eid1/c/{}/t/{}/a/{}/sc/{}/{}",
        cloud.subject_segment(),
        guid_b64url(tenant),
        guid_b64url(app),
        organization,
        connection
    )
}

/// `sc://{organization}/{project}/{connection}`: changes when any of the three is renamed.
pub fn devops_subject(organization: &str, project: &str, connection: &str) -> String {
    format!("sc://{organization}/{project}/{connection}")
}

/// The issuer of a tenant's v2 tokens, which also signs Entra-generation pipeline tokens.
pub fn entra_issuer(origin: &str, tenant: Uuid) -> String {
    format!("{}/{}/v2.0", origin.trim_end_matches('/'), tenant)
}

/// The issuer of a tenant's v1 access tokens (`https://sts.windows.net/{tid}/` in Azure).
pub fn sts_issuer(origin: &str, tenant: Uuid) -> String {
    format!("{}/{}/", origin.trim_end_matches('/'), tenant)
}

/// The issuer of an organization's Azure DevOps-generation tokens (no trailing slash).
pub fn devops_issuer(origin: &str, organization: Uuid) -> String {
    format!("{}/{}", origin.trim_end_matches('/'), organization)
}

/// The path of the legacy Azure DevOps issuer on this server's origin.
pub const LEGACY_ISSUER_PATH: &str = "app.vstoken";

/// The legacy Azure DevOps issuer (`https://app.vstoken.visualstudio.com` in Azure DevOps),
/// one for every organization: `{origin}/app.vstoken`.
pub fn legacy_issuer(origin: &str) -> String {
    format!("{}/{LEGACY_ISSUER_PATH}", origin.trim_end_matches('/'))
}

/// The legacy issuer's signing keys are kept as those of this organization id, which no
/// organization has.
pub const LEGACY_ISSUER_KEYS: Uuid = Uuid::nil();

/// Why a federated credential cannot be saved (Graph and ARM render these as 400s).
pub fn validate_fic_name(name: &str) -> Result<(), String> {
    let ok_len = (3..=120).contains(&name.chars().count());
    let ok_start = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok_len && ok_start && ok_chars {
        Ok(())
    } else {
        Err(format!(
            "Invalid federated identity credential name '{}'. The name must be 3 to 120 characters of letters, digits, '-' and '_', starting with a letter or digit.",
            crate::catalogue::sanitize(name)
        ))
    }
}

/// Checks issuer, subject and audiences of a credential being saved. Wrong but well-formed
/// values are accepted, as Entra does: they fail only at exchange time.
pub fn validate_fic_fields(
    issuer: &str,
    subject: Option<&str>,
    audiences: &[String],
    has_expression: bool,
) -> Result<(), String> {
    if issuer.trim().is_empty() {
        return Err("The issuer of a federated identity credential is required.".into());
    }
    if !issuer.starts_with("https://") {
        return Err(format!(
            "The issuer '{}' must be an https URL.",
            crate::catalogue::sanitize(issuer)
        ));
    }
    if issuer.chars().count() > MAX_FIC_FIELD {
        return Err("The issuer must be at most 600 characters.".into());
    }
    match (subject, has_expression) {
        (Some(_), true) => {
            return Err(
                "A federated identity credential has either a subject or a claimsMatchingExpression, not both."
                    .into(),
            );
        }
        (None, false) => {
            return Err("The subject of a federated identity credential is required.".into());
        }
        (Some(""), false) => {
            return Err("The subject of a federated identity credential is required.".into());
        }
        (Some(s), false) if s.chars().count() > MAX_FIC_FIELD => {
            return Err("The subject must be at most 600 characters.".into());
        }
        _ => {}
    }
    if audiences.len() != 1 {
        return Err("Federated identity credentials must have exactly one audience.".into());
    }
    if audiences[0].is_empty() || audiences[0].chars().count() > MAX_FIC_FIELD {
        return Err("The audience must be 1 to 600 characters.".into());
    }
    Ok(())
}

/// What the assertion claims, after its signature and time window were verified.
#[derive(Debug, Clone)]
pub struct Presented<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub audiences: &'a [String],
}

/// Two audience spellings mean the same token-exchange audience.
fn audience_matches(configured: &str, presented: &[String]) -> bool {
    let norm = |a: &str| {
        if a == ENTRA_PIPELINE_AUDIENCE {
            TOKEN_EXCHANGE_AUDIENCE.to_string()
        } else {
            a.to_string()
        }
    };
    presented.iter().any(|p| norm(p) == norm(configured))
}

/// Matches an assertion against an identity's credentials, exactly and case-sensitively.
/// On failure returns the most specific catalogue entry, in Entra's order: none
/// configured (70025), issuer (700211), subject (7002138 when only case differs, else
/// 700213), audience (70021). Flexible credentials are evaluated by `expression`.
pub fn match_credential<'c>(
    credentials: &'c [FederatedCredential],
    presented: &Presented<'_>,
    app_id: &str,
    name: &str,
    expression: impl Fn(&str) -> bool,
) -> Result<&'c FederatedCredential, Rendered> {
    if credentials.is_empty() {
        return Err(Rendered::new(
            "70025",
            &[("app_id", app_id), ("name", name)],
        ));
    }
    let by_issuer: Vec<&FederatedCredential> = credentials
        .iter()
        .filter(|c| c.issuer == presented.issuer)
        .collect();
    if by_issuer.is_empty() {
        return Err(Rendered::new("700211", &[("iss", presented.issuer)]));
    }
    let exact: Vec<&&FederatedCredential> = by_issuer
        .iter()
        .filter(|c| c.subject.as_deref() == Some(presented.subject))
        .collect();
    if let Some(c) = exact.iter().find(|c| {
        c.audiences
            .iter()
            .any(|a| audience_matches(a, presented.audiences))
    }) {
        return Ok(c);
    }
    if !exact.is_empty() {
        let aud = presented.audiences.join(",");
        return Err(Rendered::new(
            "70021",
            &[
                ("iss", presented.issuer),
                ("sub", presented.subject),
                ("aud", &aud),
            ],
        ));
    }
    let flexible: Vec<&&FederatedCredential> = by_issuer
        .iter()
        .filter(|c| c.subject.is_none() && c.claims_matching_expression.is_some())
        .collect();
    if let Some(c) = flexible.iter().find(|c| {
        c.claims_matching_expression
            .as_deref()
            .is_some_and(&expression)
            && c.audiences
                .iter()
                .any(|a| audience_matches(a, presented.audiences))
    }) {
        return Ok(c);
    }
    if by_issuer.iter().any(|c| {
        c.subject
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(presented.subject))
    }) {
        return Err(Rendered::new("7002138", &[("sub", presented.subject)]));
    }
    if !flexible.is_empty() && by_issuer.iter().all(|c| c.subject.is_none()) {
        return Err(Rendered::new("7002131", &[]));
    }
    Err(Rendered::new("700213", &[("sub", presented.subject)]))
}

/// For administrators only (audit log, doctor): the configured credential nearest to what
/// was presented, and which fields differ. Never shown to the caller of the token endpoint.
pub fn nearest_credential<'c>(
    credentials: &'c [FederatedCredential],
    presented: &Presented<'_>,
) -> Option<(&'c FederatedCredential, Vec<&'static str>)> {
    credentials
        .iter()
        .map(|c| {
            let mut diff = Vec::new();
            if c.issuer != presented.issuer {
                diff.push("issuer");
            }
            if c.subject.as_deref() != Some(presented.subject) {
                diff.push("subject");
            }
            if !c
                .audiences
                .iter()
                .any(|a| audience_matches(a, presented.audiences))
            {
                diff.push("audience");
            }
            (c, diff)
        })
        .min_by_key(|(_, d)| d.len())
}

/// For administrators only, beside [`nearest_credential`]: where the presented value first
/// departs from the nearest credential's, in the first field that differs (the issuer, else
/// the subject): `{"field", "at", "configured", <presented_as>}`, the last two being the
/// 12 characters from `at` (a character index). `presented_as` names the presented side
/// (`presented` in the audit log, `expected` in the doctor's checklist).
pub fn first_difference(
    near: &FederatedCredential,
    presented: &Presented<'_>,
    presented_as: &str,
) -> serde_json::Value {
    let (field, configured, other) = if near.issuer != presented.issuer {
        ("issuer", near.issuer.as_str(), presented.issuer)
    } else {
        (
            "subject",
            near.subject.as_deref().unwrap_or(""),
            presented.subject,
        )
    };
    let at = configured
        .chars()
        .zip(other.chars())
        .position(|(a, b)| a != b)
        .unwrap_or(configured.chars().count().min(other.chars().count()));
    let from = |s: &str| s.chars().skip(at).take(12).collect::<String>();
    let mut out = serde_json::Map::new();
    out.insert("field".into(), field.into());
    out.insert("at".into(), at.into());
    out.insert("configured".into(), from(configured).into());
    out.insert(presented_as.into(), from(other).into());
    serde_json::Value::Object(out)
}

/// The object id of the Azure DevOps service principal, which Entra-issued pipeline ID
/// tokens name as their `oid` in every tenant (keyless derives it from the tenant id).
pub fn devops_principal_oid(tenant: Uuid) -> Uuid {
    let mut bytes = *tenant.as_bytes();
    for (b, k) in bytes.iter_mut().zip(AZURE_DEVOPS_APP_ID.bytes()) {
        *b ^= k;
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests;
