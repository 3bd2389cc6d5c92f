//! Scheme `ServicePrincipal` (a client secret, `authenticationType` `spnKey`): the secret
//! is given on create (or made by automatic creation), kept sealed in `data`, and presented
//! as `client_secret`. Azure Resource Manager connections only.

use super::{
    AutomaticCredential, BoxFuture, CredentialStep, DoctorContext, ManualCreate, Parameters,
    SchemeRules, bad,
};
use crate::data::*;
use crate::manual::param;
use crate::secrets;
use crate::verify::Outcome;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::devops::{EndpointType, Organization, ServiceConnection};
use keyless_model::doctor::{self as d, Finding};
use serde_json::{Map, Value, json};

pub(super) struct Secret;

impl SchemeRules for Secret {
    fn display_name(&self) -> &'static str {
        "Service principal (secret)"
    }

    fn supports(&self, endpoint_type: EndpointType) -> bool {
        endpoint_type == EndpointType::AzureRm
    }

    fn federates(&self) -> bool {
        false
    }

    fn automatic_credential(&self) -> Option<AutomaticCredential> {
        Some(AutomaticCredential::Secret)
    }

    fn validate_parameters(&self, p: &Parameters) -> Result<(), ApiError> {
        if param(p, "authenticationType").is_some_and(|t| !t.eq_ignore_ascii_case("spnKey")) {
            return Err(bad(
                "Only authenticationType 'spnKey' (a client secret) is supported for the ServicePrincipal scheme.",
            ));
        }
        if param(p, "serviceprincipalkey").is_none_or(|k| k.is_empty()) {
            return Err(bad(
                "authorization.parameters.serviceprincipalkey (the client secret) is required for the ServicePrincipal scheme.",
            ));
        }
        Ok(())
    }

    fn render_parameters(
        &self,
        params: &mut Map<String, Value>,
        _c: &ServiceConnection,
        _issuer: &str,
        _subject: &str,
    ) {
        params.insert("authenticationType".into(), json!("spnKey"));
        // The secret is write-only: clients see it masked, as in Azure DevOps.
        params.insert("serviceprincipalkey".into(), Value::Null);
    }

    fn settle_manual<'a>(
        &'a self,
        m: ManualCreate<'a>,
        c: &'a mut ServiceConnection,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move { secrets::store_secret(m.s, c, m.secret.unwrap_or_default()) })
    }

    fn verify_credential<'a>(
        &'a self,
        s: &'a AppState,
        c: &'a ServiceConnection,
        _org: &'a Organization,
    ) -> BoxFuture<'a, CredentialStep> {
        Box::pin(async move {
            match secrets::secret_of(s, c) {
                Some(secret) => Ok((
                    Outcome {
                        step: "credential",
                        ok: true,
                        code: None,
                        message: "The connection's client secret is available.".into(),
                    },
                    vec![("client_secret", secret)],
                )),
                None => Err(Outcome {
                    step: "credential",
                    ok: false,
                    code: Some("7000218".into()),
                    message: "The connection holds no client secret; edit it and enter the secret."
                        .into(),
                }),
            }
        })
    }

    /// The secrets of the connection's app registration and their validity windows.
    fn doctor_checks<'a>(
        &'a self,
        ctx: DoctorContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<Finding>, ApiError>> {
        Box::pin(async move {
            let windows = match &ctx.identity.app {
                Some(app) => ctx
                    .s
                    .db()
                    .list_passwords(app.id)
                    .await?
                    .iter()
                    .map(|p| (p.start_date_time, p.end_date_time))
                    .collect(),
                None => Vec::new(),
            };
            Ok(vec![d::secrets(
                &ctx.c.client_id.to_string(),
                &windows,
                ctx.s.now(),
            )])
        })
    }
}
