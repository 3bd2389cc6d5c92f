//! `keyless-compat-rust managed-identity`: `ManagedIdentityCredential` of `azure_identity`
//! 1.0 in a job on a self-hosted agent whose VM carries identities. The crate picks the App
//! Service shape from `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` (its IMDS source has the fixed
//! address 169.254.169.254, which no variable moves). Expects `EXPECT_SYSTEM_OID`,
//! `EXPECT_USER_CLIENT_ID`, `EXPECT_USER_OID` and `EXPECT_USER_RESOURCE_ID`; trust is
//! `SSL_CERT_FILE`.

use super::{ARM_SCOPE, Report, bounded, token_of, var};
use azure_core::credentials::TokenCredential;
use azure_identity::{ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId};
use base64::Engine;
use std::process::ExitCode;

/// The `oid` claim of an access token.
fn oid(token: &str) -> Result<String, String> {
    let payload = token.split('.').nth(1).ok_or("the token is not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("the token's payload is not base64url: {e}"))?;
    let claims: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("the token's payload: {e}"))?;
    claims["oid"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no oid claim in {claims}"))
}

fn credential(
    id: Option<UserAssignedId>,
) -> azure_core::Result<std::sync::Arc<ManagedIdentityCredential>> {
    ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
        user_assigned_id: id,
        ..Default::default()
    }))
}

/// The token of the identity `id` must carry `want` as its `oid`.
async fn expect_oid(id: Option<UserAssignedId>, want: &str) -> Result<String, String> {
    let got = oid(&token_of(credential(id)).await?)?;
    if got.eq_ignore_ascii_case(want) {
        Ok(format!("oid {got}"))
    } else {
        Err(format!("oid {got}, expected {want}"))
    }
}

pub async fn run() -> ExitCode {
    let mut report = Report {
        passed: 0,
        failed: 0,
    };
    let expected = (|| {
        Ok::<_, String>((
            var("EXPECT_SYSTEM_OID")?,
            var("EXPECT_USER_CLIENT_ID")?,
            var("EXPECT_USER_OID")?,
            var("EXPECT_USER_RESOURCE_ID")?,
        ))
    })();
    let Some((system, client, user, resource)) =
        report.record("configuration", expected, |_| "EXPECT_* set".into())
    else {
        println!("{} passed, {} failed", report.passed, report.failed);
        return ExitCode::FAILURE;
    };
    let result = expect_oid(None, &system).await;
    report.record("system-assigned", result, Clone::clone);
    let result = expect_oid(Some(UserAssignedId::ClientId(client)), &user).await;
    report.record("user-assigned by client id", result, Clone::clone);
    let result = expect_oid(Some(UserAssignedId::ObjectId(user.clone())), &user).await;
    report.record("user-assigned by object id", result, Clone::clone);
    // The crate refuses resource ids in the App Service shape itself, before any request.
    let by_resource = match credential(Some(UserAssignedId::ResourceId(resource))) {
        Ok(_) => Err("a resource id was accepted in the App Service shape".to_string()),
        Err(e) if e.to_string().contains("resource IDs aren't supported") => Ok(e.to_string()),
        Err(e) => Err(format!("unexpected error: {e}")),
    };
    report.record(
        "user-assigned by resource id: the crate's refusal",
        by_resource,
        Clone::clone,
    );
    // An identity the VM does not carry: keyless answers 400, which the crate words itself.
    let stranger = UserAssignedId::ClientId("00000000-0000-4000-8000-00000000a11e".into());
    let refused = async {
        let cred = credential(Some(stranger)).map_err(|e| format!("new: {e}"))?;
        match bounded(async { Ok(cred.get_token(&[ARM_SCOPE], None).await) }).await? {
            Ok(_) => Err("an identity the VM does not carry got a token".to_string()),
            Err(e)
                if e.to_string()
                    .contains("has not been assigned to this resource") =>
            {
                Ok(e.to_string())
            }
            Err(e) => Err(format!("unexpected error: {e}")),
        }
    }
    .await;
    report.record("an identity the VM does not carry", refused, |t| {
        t.lines().next().unwrap_or_default().to_string()
    });
    println!("{} passed, {} failed", report.passed, report.failed);
    if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
