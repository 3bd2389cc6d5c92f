//! Connections on the legacy issuer (one issuer for every organization, before issuers
//! named the organization). Editing and saving such a connection moves it to its
//! organization's issuer: the federated credential keyless created follows in the same
//! unit of work; a manual connection is marked as needing attention with the issuer its
//! identity must now carry.

use crate::data::*;
use keyless_core::auth::Caller;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::catalogue::Rendered;
use keyless_model::devops::{IssuerGeneration, Organization, Project, ServiceConnection};
use keyless_model::federation::{devops_issuer, devops_subject, legacy_issuer};

/// Moves `c` (as it is about to be saved) off the legacy issuer, saving it. `Ok(false)`
/// when it was not on the legacy issuer (nothing written).
pub async fn move_to_organization_issuer(
    s: &AppState,
    org: &Organization,
    project: &Project,
    before: &ServiceConnection,
    c: &mut ServiceConnection,
) -> Result<bool, ApiError> {
    if c.issuer_generation != IssuerGeneration::Legacy || !super::schemes::federates(c) {
        return Ok(false);
    }
    let old = legacy_issuer(&s.origin);
    let new = devops_issuer(&s.origin, org.id);
    let subject = devops_subject(&org.name, &project.name, &before.name);
    c.issuer_generation = IssuerGeneration::AzureDevOps;
    if let Some(app) = super::lifecycle::created_app(c) {
        let tx = s.begin().await?;
        let uow = tx.data();
        let fics = uow.list_fics(app).await?;
        let mut moved = false;
        for mut f in fics.into_iter().filter(|f| f.issuer == old) {
            if f.subject.as_deref() == Some(subject.as_str()) {
                f.issuer = new.clone();
                uow.update_fic(&f).await?;
                moved = true;
            }
        }
        if moved {
            uow.update_connection(c).await?;
            let rec = super::lifecycle::change_entry(s, None, "issuerMoved", c);
            tx.commit_audited(&[rec]).await?;
            tracing::info!(sc.id = %c.id, "connection and its credential moved off the legacy issuer");
            return Ok(true);
        }
    }
    let r = Rendered::new(
        "IssuerChanged",
        &[("old", &old), ("new", &new), ("subject", &subject)],
    );
    c.status_message = r.message;
    super::lifecycle::change_connection(s, None, "issuerMoved", c, async |tx| {
        Ok(tx.data().update_connection(c).await?)
    })
    .await?;
    Ok(true)
}

/// Azure DevOps gives no new connection the legacy issuer: only keyless administrators (the
/// admin side, like world files) create one, to reproduce a connection of that time.
pub fn require_administrator(
    caller: &Caller,
    generation: IssuerGeneration,
) -> Result<(), ApiError> {
    if generation == IssuerGeneration::Legacy && !caller.is_admin() {
        return Err(ApiError::detail(
            "BadRequest",
            "workloadIdentityFederationIssuerType 'Legacy' is the issuer Azure DevOps no longer gives new connections; only keyless administrators create such a connection, to reproduce an old one. Use 'EntraID' or 'AzureDevOps'.",
        ));
    }
    Ok(())
}
