//! Scheme `WorkloadIdentityFederation`: the connection's ID token, signed by its issuer
//! generation, is the client assertion; the identity must carry a federated credential with
//! the connection's issuer and subject. A manual connection whose creator may not write that
//! credential is saved as a draft.

use super::{
    AutomaticCredential, BoxFuture, CredentialStep, DoctorContext, ManualCreate, Parameters,
    SchemeRules,
};
use crate::data::*;
use crate::verify::Outcome;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::devops::{EndpointType, IssuerGeneration, Organization, ServiceConnection};
use keyless_model::doctor::{self as d, Finding};
use keyless_model::federation::{ENTRA_PIPELINE_AUDIENCE, Presented, TOKEN_EXCHANGE_AUDIENCE};
use serde_json::{Map, Value, json};

pub(super) struct WorkloadIdentity;

impl SchemeRules for WorkloadIdentity {
    fn display_name(&self) -> &'static str {
        "Workload Identity federation"
    }

    fn supports(&self, _endpoint_type: EndpointType) -> bool {
        true
    }

    fn federates(&self) -> bool {
        true
    }

    fn automatic_credential(&self) -> Option<AutomaticCredential> {
        Some(AutomaticCredential::Federated)
    }

    fn validate_parameters(&self, _p: &Parameters) -> Result<(), ApiError> {
        Ok(())
    }

    fn render_parameters(
        &self,
        params: &mut Map<String, Value>,
        c: &ServiceConnection,
        issuer: &str,
        subject: &str,
    ) {
        params.insert("workloadIdentityFederationIssuer".into(), json!(issuer));
        params.insert("workloadIdentityFederationSubject".into(), json!(subject));
        params.insert(
            "workloadIdentityFederationIssuerType".into(),
            json!(c.issuer_generation.as_str()),
        );
    }

    fn settle_manual<'a>(
        &'a self,
        m: ManualCreate<'a>,
        c: &'a mut ServiceConnection,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(crate::draft::settle(m.s, m.caller, m.org, m.project, c))
    }

    fn verify_credential<'a>(
        &'a self,
        s: &'a AppState,
        c: &'a ServiceConnection,
        org: &'a Organization,
    ) -> BoxFuture<'a, CredentialStep> {
        Box::pin(async move {
            let failed = |e: ApiError| Outcome {
                step: "idToken",
                ok: false,
                code: Some(e.code().into()),
                message: e.rendered.message,
            };
            let project = s
                .db()
                .get_project(c.project_id)
                .await
                .map_err(|e| failed(ApiError::from(e)))?;
            let t = crate::mint_id_token(s, c, org, &project)
                .await
                .map_err(failed)?;
            Ok((
                Outcome {
                    step: "idToken",
                    ok: true,
                    code: None,
                    message: format!("ID token issued by {} for {}.", t.issuer, t.subject),
                },
                vec![
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                    ),
                    ("client_assertion", t.token),
                ],
            ))
        })
    }

    /// The tenant's federation policy, the issuer's cloud, and the credential that should
    /// match the connection's issuer, subject and audience.
    fn doctor_checks<'a>(
        &'a self,
        ctx: DoctorContext<'a>,
    ) -> BoxFuture<'a, Result<Vec<Finding>, ApiError>> {
        Box::pin(async move {
            let DoctorContext {
                s,
                org,
                project,
                c,
                tenant,
                identity: id,
            } = ctx;
            let (issuer, subject) = crate::render::issuer_and_subject(&s.origin, c, org, project);
            let (issuer_cloud, audience) = match (c.issuer_generation, org.tenant_id) {
                (IssuerGeneration::EntraId, Some(tid)) => {
                    (s.db().get_tenant(tid).await?.cloud, ENTRA_PIPELINE_AUDIENCE)
                }
                _ => (org.cloud, TOKEN_EXCHANGE_AUDIENCE),
            };
            let mut out = vec![
                d::policy(&tenant.settings.federation, id.app.is_none(), &issuer),
                d::cloud(issuer_cloud, tenant.cloud),
            ];
            let parent = id.app.as_ref().map(|a| a.id).unwrap_or(id.principal.id);
            let credentials = s.db().list_fics(parent).await?;
            let audiences = vec![audience.to_string()];
            let presented = Presented {
                issuer: &issuer,
                subject: &subject,
                audiences: &audiences,
            };
            let mut claims = Map::new();
            claims.insert("iss".into(), json!(issuer));
            claims.insert("sub".into(), json!(subject));
            claims.insert("aud".into(), json!(audience));
            let evaluate = |text: &str| {
                keyless_model::federation::expression::parse(text, 1)
                    .map(|e| e.evaluate(&claims))
                    .unwrap_or(false)
            };
            let name = id
                .app
                .as_ref()
                .map(|a| a.display_name.as_str())
                .unwrap_or(&id.principal.display_name);
            out.push(d::credential(
                &credentials,
                &presented,
                &c.client_id.to_string(),
                name,
                evaluate,
            ));
            Ok(out)
        })
    }
}
