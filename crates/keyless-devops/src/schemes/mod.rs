//! What differs per authentication scheme, behind [`SchemeRules`]: which endpoint types
//! take the scheme, the checks of a manual create body's `authorization.parameters`, the
//! parameters a rendered connection shows, what completes a new manual connection, verify's
//! credential step and the doctor's credential checks. [`rules`] is the one place that maps
//! a [`Scheme`] to its module; a new scheme is a variant there and a module here.

mod managed_identity;
mod secret;
mod workload_identity;

use crate::doctor::Identity;
use crate::verify::Outcome;
use keyless_core::auth::Caller;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::devops::{EndpointType, Organization, Project, Scheme, ServiceConnection};
use keyless_model::directory::Tenant;
use keyless_model::doctor::Finding;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The `authorization.parameters` of a create body (names are case-insensitive).
pub(crate) type Parameters = HashMap<String, Value>;

/// Who creates a manual connection, and where.
pub(crate) struct ManualCreate<'a> {
    pub s: &'a AppState,
    pub caller: &'a Caller,
    pub org: &'a Organization,
    pub project: &'a Project,
    /// `authorization.parameters.serviceprincipalkey`, when given.
    pub secret: Option<&'a str>,
}

/// Verify's credential step: its outcome and, when it succeeded, the fields it adds to the
/// token request; a failed step ends the chain.
pub(crate) type CredentialStep = Result<(Outcome, Vec<(&'static str, String)>), Outcome>;

/// Where the doctor's credential checks look.
pub(crate) struct DoctorContext<'a> {
    pub s: &'a AppState,
    pub org: &'a Organization,
    pub project: &'a Project,
    pub c: &'a ServiceConnection,
    pub tenant: &'a Tenant,
    pub identity: &'a Identity,
}

pub(crate) trait SchemeRules: Sync {
    /// How the service endpoint types list names the scheme.
    fn display_name(&self) -> &'static str;
    /// Whether connections of the endpoint type may use the scheme.
    fn supports(&self, endpoint_type: EndpointType) -> bool;
    /// Whether the connection gets ID tokens (its `sc://` subject then follows renames).
    fn federates(&self) -> bool;
    /// Whether a manual create body names the identity (`serviceprincipalid`); a managed
    /// identity connection uses the identity of the agent's VM instead.
    fn names_client(&self) -> bool {
        true
    }
    /// What automatic creation gives the new app registration to sign in with; `None`: the
    /// scheme has no automatic creation.
    fn automatic_credential(&self) -> Option<AutomaticCredential>;
    /// Checks the scheme's own `authorization.parameters` of a manual create body.
    fn validate_parameters(&self, p: &Parameters) -> Result<(), ApiError>;
    /// Adds the scheme's `authorization.parameters` to a rendered connection.
    fn render_parameters(
        &self,
        params: &mut serde_json::Map<String, Value>,
        c: &ServiceConnection,
        issuer: &str,
        subject: &str,
    );
    /// Completes a new manual connection before it is stored.
    fn settle_manual<'a>(
        &'a self,
        m: ManualCreate<'a>,
        c: &'a mut ServiceConnection,
    ) -> BoxFuture<'a, Result<(), ApiError>>;
    /// Verify's first step: the credential the token request presents.
    fn verify_credential<'a>(
        &'a self,
        s: &'a AppState,
        c: &'a ServiceConnection,
        org: &'a Organization,
    ) -> BoxFuture<'a, CredentialStep>;
    /// The doctor's checks of the identity's credential for this connection.
    fn doctor_checks<'a>(
        &'a self,
        ctx: DoctorContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<Finding>, ApiError>>;
}

/// What automatic creation gives a new app registration to sign in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AutomaticCredential {
    /// A federated credential with the connection's issuer and subject.
    Federated,
    /// A client secret, sealed in the connection's data; saving the connection after a
    /// verify renews it.
    Secret,
}

/// The schemes automatic creation supports, as the refusal of another one lists them.
pub(crate) fn automatic_schemes() -> Vec<Scheme> {
    Scheme::ALL
        .iter()
        .copied()
        .filter(|s| rules(*s).automatic_credential().is_some())
        .collect()
}

/// The rules of a scheme.
pub(crate) fn rules(scheme: Scheme) -> &'static dyn SchemeRules {
    match scheme {
        Scheme::WorkloadIdentityFederation => &workload_identity::WorkloadIdentity,
        Scheme::ServicePrincipal => &secret::Secret,
        Scheme::ManagedServiceIdentity => &managed_identity::ManagedIdentity,
    }
}

/// Whether the connection gets ID tokens.
pub(crate) fn federates(c: &ServiceConnection) -> bool {
    rules(c.scheme).federates()
}

pub(crate) use managed_identity::{agent_identities, findings as vm_identity_findings};

/// Whether a manual create body of the scheme names its identity's client id.
pub(crate) fn names_client(scheme: Scheme) -> bool {
    rules(scheme).names_client()
}

fn bad(detail: impl AsRef<str>) -> ApiError {
    ApiError::detail("BadRequest", detail)
}
