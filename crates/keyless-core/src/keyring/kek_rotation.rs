//! Rotation of the key-encryption key: every sealed blob (signing keys, connection secrets,
//! agent secrets) opened with the old KEK and sealed with the new one, in one unit of work,
//! so the database is entirely under one KEK or the other. Every server on the database must be stopped:
//! a running one keeps sealing with the KEK it started with.

use base64::Engine as _;
use keyless_jose::Kek;
use keyless_jose::kek::Purpose;
use keyless_model::UnixTime;
use keyless_model::devops::data::ConnectionData as _;
use keyless_store::{SharedStore, StoreError};

/// What a rotation re-sealed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    pub signing_keys: usize,
    pub connection_secrets: usize,
    pub agent_secrets: usize,
}

fn crypto(what: &str) -> impl FnOnce(keyless_jose::JoseError) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{what}: {e}"))
}

/// Who rotates the key-encryption key, and when: the audit entry names them.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub at: UnixTime,
    /// The account on the host that ran the rotation.
    pub host_user: String,
}

/// Re-seals everything under `new`; fails, changing nothing, when a blob does not open with
/// `old`. Connection secrets sealed under the signing-key label (before their own label
/// existed) are re-sealed under theirs. The audit entry (`rotateKek`: who, when, how many
/// blobs; never a key) is written in the same transaction.
pub async fn rotate_kek(
    store: &SharedStore,
    old: &Kek,
    new: &Kek,
    by: &Rotation,
) -> Result<Resealed, StoreError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut done = Resealed::default();
    let uow = store.begin().await?;
    for k in uow.list_all_signing_keys().await? {
        let what = format!("signing key {}", k.kid);
        let clear = old.open(&k.sealed_private_key).map_err(crypto(&what))?;
        let sealed = new.seal(&clear).map_err(crypto(&what))?;
        uow.reseal_signing_key(&k.kid, &sealed).await?;
        done.signing_keys += 1;
    }
    for org in uow.list_organizations().await? {
        for project in uow.list_projects(org.id).await? {
            for mut c in uow.list_connections(project.id).await? {
                let Some(text) = c.data.sealed_secret() else {
                    continue;
                };
                let what = format!("the secret of connection {}", c.id);
                let sealed = b64
                    .decode(text)
                    .map_err(|e| StoreError::Backend(format!("{what}: {e}")))?;
                let clear = old
                    .open_for(Purpose::ConnectionSecret, &sealed)
                    .or_else(|_| old.open(&sealed))
                    .map_err(crypto(&what))?;
                let again = new
                    .seal_for(Purpose::ConnectionSecret, &clear)
                    .map_err(crypto(&what))?;
                c.data.set_sealed_secret(b64.encode(again));
                uow.update_connection(&c).await?;
                done.connection_secrets += 1;
            }
        }
        for pool in uow.list_pools(org.id).await? {
            for a in uow.list_agents(pool.id).await? {
                let what = format!("the secret of agent {}", a.id);
                let sealed = b64
                    .decode(&a.sealed_secret)
                    .map_err(|e| StoreError::Backend(format!("{what}: {e}")))?;
                let clear = old
                    .open_for(Purpose::ConnectionSecret, &sealed)
                    .map_err(crypto(&what))?;
                let again = new
                    .seal_for(Purpose::ConnectionSecret, &clear)
                    .map_err(crypto(&what))?;
                uow.reseal_agent_secret(a.id, &b64.encode(again)).await?;
                done.agent_secrets += 1;
            }
        }
    }
    let entry = crate::audit::admin_change(
        by.at,
        None,
        None,
        "rotateKek",
        serde_json::json!({
            "signingKeys": done.signing_keys,
            "connectionSecrets": done.connection_secrets,
            "agentSecrets": done.agent_secrets,
            "hostUser": by.host_user,
        }),
    );
    crate::audit::commit(uow, &[entry]).await?;
    Ok(done)
}
