//! Updating and deleting connections: renames (and the `sc://` subject that follows them),
//! renewal of automatic secrets on save, deletion of what automatic connections created.

use super::schemes::AutomaticCredential;
use super::secrets;
use crate::data::*;
use keyless_core::auth::Caller;
use keyless_core::envelope::ApiError;
use keyless_core::state::AppState;
use keyless_model::Uuid;
use keyless_model::devops::automatic::AUTOMATIC_SECRET_DAYS;
use keyless_model::devops::data::ConnectionData;
use keyless_model::devops::{
    CreationMode, IssuerGeneration, Organization, Project, ServiceConnection,
};
use keyless_model::federation::{devops_issuer, devops_subject};

/// The audit entry of a change to connection `c` (`operation`: created, updated,
/// deleted…), by `caller` when the change has one, for the change's own transaction.
pub fn change_entry(
    s: &AppState,
    caller: Option<&Caller>,
    operation: &str,
    c: &ServiceConnection,
) -> keyless_model::audit::AuditEntry {
    let mut rec = object_entry(
        s,
        caller,
        operation,
        serde_json::json!({"connection": c.name}),
    );
    rec.connection_id = Some(c.id);
    rec
}

/// The audit entry of a change (`operation`) to the object `object` names (a JSON object:
/// `{"pipeline": id}`, `{"run": id}`…), by `caller` when the change has one. Never holds a
/// secret: it names objects only.
pub fn object_entry(
    s: &AppState,
    caller: Option<&Caller>,
    operation: &str,
    mut object: serde_json::Value,
) -> keyless_model::audit::AuditEntry {
    if let serde_json::Value::Object(o) = &mut object {
        o.insert("operation".into(), operation.into());
    }
    keyless_core::audit::change("devops", s.now(), None, caller.map(|c| c.user.id), object)
}

/// Runs `write` in a unit of work committed with the entry of `operation` on connection
/// `c` in the same transaction: the one way the DevOps plane changes a connection's state.
pub async fn change_connection<T>(
    s: &AppState,
    caller: Option<&Caller>,
    operation: &str,
    c: &ServiceConnection,
    write: impl AsyncFnOnce(&Tx) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    audited(s, change_entry(s, caller, operation, c), write).await
}

/// The app registration keyless created for an automatic connection.
pub fn created_app(c: &ServiceConnection) -> Option<Uuid> {
    if c.creation_mode == CreationMode::Automatic {
        c.data.app_object_id()
    } else {
        None
    }
}

/// Whether another connection of the organization uses the same identity.
async fn identity_shared(
    uow: &(impl DevopsData + ?Sized),
    c: &ServiceConnection,
) -> Result<bool, ApiError> {
    for p in uow.list_projects(c.organization_id).await? {
        for other in uow.list_connections(p.id).await? {
            if other.id != c.id && other.client_id == c.client_id {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Deletes the connection; an automatic one takes its role assignment and app registration
/// (with its principal, credentials and secrets) along, unless another connection uses
/// the same identity. All of it in one unit of work: a failure deletes nothing.
pub async fn delete_connection(
    s: &AppState,
    _caller: &Caller,
    c: &ServiceConnection,
) -> Result<(), ApiError> {
    let owned = created_app(c);
    let tx = s.begin().await?;
    let uow = tx.data();
    let shared = owned.is_some() && identity_shared(uow, c).await?;
    uow.delete_connection(c.id).await?;
    if let (Some(app), false) = (owned, shared) {
        if let Some(a) = c.data.role_assignment_id() {
            match uow.delete_role_assignment(a).await {
                Ok(()) | Err(keyless_store::StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        match uow.delete_application(app).await {
            Ok(()) | Err(keyless_store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit_audited(&[change_entry(s, Some(_caller), "deleted", c)])
        .await?;
    tracing::info!(sc.id = %c.id, removed_identity = owned.is_some() && !shared, "service connection deleted");
    Ok(())
}

/// After a rename of the connection (or its project): for an `sc://` subject, the
/// credential keyless created follows in the same transaction; a manual connection is
/// marked as needing attention with the subject its identity must now carry.
pub async fn apply_rename(
    s: &AppState,
    org: &Organization,
    project_before: &Project,
    before: &ServiceConnection,
    project_after: &Project,
    after: &mut ServiceConnection,
) -> Result<(), ApiError> {
    let uses_names =
        after.issuer_generation != IssuerGeneration::EntraId || org.tenant_id.is_none();
    let old_subject = devops_subject(&org.name, &project_before.name, &before.name);
    let new_subject = devops_subject(&org.name, &project_after.name, &after.name);
    if !uses_names || old_subject == new_subject || !super::schemes::federates(after) {
        let rec = change_entry(s, None, "updated", after);
        return audited(s, rec, async |tx| tx.data().update_connection(after).await)
            .await
            .map_err(Into::into);
    }
    let issuer = devops_issuer(&s.origin, org.id);
    if let Some(app) = created_app(after) {
        // The connection and its credential are saved together; when keyless holds no
        // credential with the old subject, the unit of work ends here having written nothing.
        let tx = s.begin().await?;
        let uow = tx.data();
        let fic = uow
            .list_fics(app)
            .await?
            .into_iter()
            .find(|f| f.issuer == issuer && f.subject.as_deref() == Some(old_subject.as_str()));
        if let Some(mut f) = fic {
            f.subject = Some(new_subject);
            uow.update_connection(after).await?;
            uow.update_fic(&f).await?;
            let rec = change_entry(s, None, "updated", after);
            return tx.commit_audited(&[rec]).await.map_err(Into::into);
        }
    }
    let r = keyless_model::catalogue::Rendered::new(
        "SubjectChanged",
        &[
            ("old", &old_subject),
            ("new", &new_subject),
            ("issuer", &issuer),
        ],
    );
    after.status_message = r.message;
    let rec = change_entry(s, None, "updated", after);
    audited(s, rec, async |tx| tx.data().update_connection(after).await)
        .await
        .map_err(Into::into)
}

/// How long after a successful verify a save renews an automatic secret.
pub const VERIFY_THEN_SAVE_WINDOW: i64 = 3_600;

/// Save of an automatic `ServicePrincipal` connection after a successful verify (or once
/// its secret has expired): a new secret for three months replaces the old one.
pub async fn renew_secret_on_save(
    s: &AppState,
    caller: &Caller,
    c: &mut ServiceConnection,
) -> Result<bool, ApiError> {
    let Some(app_id) = created_app(c) else {
        return Ok(false);
    };
    if super::schemes::rules(c.scheme).automatic_credential() != Some(AutomaticCredential::Secret) {
        return Ok(false);
    }
    let now = s.now();
    let verified = c
        .data
        .verified_at()
        .is_some_and(|t| now - t <= VERIFY_THEN_SAVE_WINDOW);
    let old = c.data.secret_key_id();
    let passwords = s.db().list_passwords(app_id).await?;
    let expired = passwords
        .iter()
        .find(|p| Some(p.key_id) == old)
        .is_none_or(|p| p.end_date_time <= now);
    if !verified && !expired {
        return Ok(false);
    }
    let app = s.db().get_application(app_id).await?;
    if !caller.is_admin() && !app.is_owner(caller.user.id) {
        return Err(ApiError::detail(
            "Forbidden",
            format!(
                "Renewing the secret updates the app registration {}, which you do not own: ask its owner (or an administrator) to edit, verify and save the connection.",
                app.display_name
            ),
        ));
    }
    let (pw, clear) = keyless_core::credentials::new_password(
        app_id,
        "Azure DevOps service connection",
        now,
        now + AUTOMATIC_SECRET_DAYS * 86_400,
    );
    // The entry names the connection and the new secret's key id, never the secret.
    change_connection(s, Some(caller), "secretRenewed", c, async |tx| {
        tx.data().add_password(&pw).await?;
        if let Some(old) = old
            && old != pw.key_id
        {
            match tx.data().remove_password(app_id, old).await {
                Ok(()) | Err(keyless_store::StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    })
    .await?;
    secrets::store_secret(s, c, &clear)?;
    c.data
        .set_secret_key(pw.key_id, &keyless_model::time_fmt::iso(pw.end_date_time));
    c.data.clear_verified_at();
    tracing::info!(sc.id = %c.id, "automatic secret renewed for three months");
    Ok(true)
}
