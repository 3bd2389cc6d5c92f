//! The token endpoint's policy decisions, from plain facts to the catalogue entry that
//! refuses (or none). The endpoint gathers the facts (tenant, client, verified assertion,
//! matching secrets) and calls these; the doctor reuses the same checks.
//!
//! A federated exchange is checked in this order, so the most specific code wins: the
//! tenant's federation switch (700223), its allowed issuers for the kind of identity
//! (700238), the issuer's cloud against the tenant's (900382), then the multitenant rule
//! (70052). A secret is checked for a match (7000215), then for a live one (7000222).

use crate::UnixTime;
use crate::catalogue::Rendered;
use crate::directory::{Cloud, FederationPolicy};

/// A secret whose start date is at most this many seconds ahead is already accepted.
pub const SECRET_START_SKEW: i64 = 300;

/// The identity that presents the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity<'a> {
    /// An app registration, with its `signInAudience`.
    App { sign_in_audience: &'a str },
    /// A managed identity (a service principal without an app registration).
    ManagedIdentity,
}

impl Identity<'_> {
    /// The kind as AADSTS700238 names it, with its article.
    pub fn kind(self) -> &'static str {
        match self {
            Identity::App { .. } => "an app registration",
            Identity::ManagedIdentity => "a managed identity",
        }
    }

    fn is_multiple_orgs_app(self) -> bool {
        matches!(self, Identity::App { sign_in_audience } if sign_in_audience == "AzureADMultipleOrgs")
    }
}

/// What a federated exchange is decided on, once the assertion's signature, lifetime and
/// issuer are verified.
#[derive(Debug, Clone, Copy)]
pub struct FederationFacts<'a> {
    pub policy: &'a FederationPolicy,
    pub tenant_cloud: Cloud,
    pub identity: Identity<'a>,
    /// The assertion's `iss`.
    pub issuer: &'a str,
    /// The cloud the issuer belongs to, when it is one keyless knows.
    pub issuer_cloud: Option<Cloud>,
    /// The assertion was issued by a tenant's v2 issuer (an Entra-generation pipeline token).
    pub tenant_v2_issuer: bool,
}

/// A refusal: the catalogue code and the values its template is filled with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal<'a> {
    pub code: &'static str,
    pub values: Vec<(&'static str, &'a str)>,
}

impl<'a> Refusal<'a> {
    fn new(code: &'static str, values: Vec<(&'static str, &'a str)>) -> Refusal<'a> {
        Refusal { code, values }
    }

    /// The catalogue entry with its message filled in.
    pub fn render(&self) -> Rendered {
        Rendered::new(self.code, &self.values)
    }
}

/// The tenant's federation switch (700223) and its allowed issuers for this kind of
/// identity (700238; no list means every issuer is allowed).
pub fn tenant_allows<'a>(
    policy: &FederationPolicy,
    identity: Identity<'_>,
    issuer: &'a str,
) -> Result<(), Refusal<'a>> {
    if !policy.enabled {
        return Err(Refusal::new("700223", Vec::new()));
    }
    let allowed = match identity {
        Identity::App { .. } => &policy.allowed_issuers_for_apps,
        Identity::ManagedIdentity => &policy.allowed_issuers_for_managed_identities,
    };
    if let Some(list) = allowed
        && !list.iter().any(|i| i == issuer)
    {
        return Err(Refusal::new(
            "700238",
            vec![("iss", issuer), ("identity_type", identity.kind())],
        ));
    }
    Ok(())
}

/// An issuer of a known cloud may only be used in a tenant of that cloud (900382).
pub fn same_cloud(
    issuer_cloud: Option<Cloud>,
    tenant_cloud: Cloud,
) -> Result<(), Refusal<'static>> {
    match issuer_cloud {
        Some(cloud) if cloud != tenant_cloud => Err(Refusal::new("900382", Vec::new())),
        _ => Ok(()),
    }
}

/// A tenant-issued (Entra-generation) assertion may not be exchanged by an app registration
/// whose audience is `AzureADMultipleOrgs` (70052).
pub fn multitenant_rule(
    identity: Identity<'_>,
    tenant_v2_issuer: bool,
) -> Result<(), Refusal<'static>> {
    if tenant_v2_issuer && identity.is_multiple_orgs_app() {
        return Err(Refusal::new("70052", Vec::new()));
    }
    Ok(())
}

/// Every policy check of a federated exchange, in order; the credential match comes after.
pub fn federation<'a>(f: &FederationFacts<'a>) -> Result<(), Refusal<'a>> {
    tenant_allows(f.policy, f.identity, f.issuer)?;
    same_cloud(f.issuer_cloud, f.tenant_cloud)?;
    multitenant_rule(f.identity, f.tenant_v2_issuer)
}

/// Whether a secret valid from `start` until `end` is accepted at `now`.
pub fn secret_is_live(start: UnixTime, end: UnixTime, now: UnixTime) -> bool {
    end > now && start <= now + SECRET_START_SKEW
}

/// The secret path: `matching` holds the `(start, end)` of every secret of the app that the
/// presented value matches (none for a managed identity). None matches: 7000215; none of
/// them is live: 7000222.
pub fn secret<'a>(
    app_id: &'a str,
    matching: impl IntoIterator<Item = (UnixTime, UnixTime)>,
    now: UnixTime,
) -> Result<(), Refusal<'a>> {
    let mut any = false;
    for (start, end) in matching {
        if secret_is_live(start, end, now) {
            return Ok(());
        }
        any = true;
    }
    let code = if any { "7000222" } else { "7000215" };
    Err(Refusal::new(code, vec![("app_id", app_id)]))
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
