"""Each azure-identity credential obtains an ARM access token from keyless."""

from pathlib import Path

from azure.identity import ClientAssertionCredential, WorkloadIdentityCredential

from conftest import ARM_AUDIENCE, ARM_SCOPE, jwt_claims


def assert_arm_token(keyless, token: str, *, client_id: str, appidacr: str) -> dict:
    """v1 ARM access token claims."""
    claims = jwt_claims(token)
    assert claims.get("aud") == ARM_AUDIENCE, claims
    assert claims.get("tid") == keyless.tenant_id, claims
    assert claims.get("appid") == client_id, claims
    assert claims.get("oid"), claims
    assert claims.get("appidacr") == appidacr, claims
    assert claims.get("ver") == "1.0", claims
    return claims


def test_azure_pipelines_credential(keyless, pipelines_credential):
    token = pipelines_credential.get_token(ARM_SCOPE)
    assert token.expires_on > 0
    assert_arm_token(keyless, token.token, client_id=keyless.client_id, appidacr="2")


def test_client_assertion_credential_with_fresh_oidc_token(keyless):
    calls = []

    def assertion() -> str:
        calls.append(1)
        return keyless.oidc_token()

    cred = ClientAssertionCredential(keyless.tenant_id, keyless.client_id, assertion, authority=keyless.url)
    token = cred.get_token(ARM_SCOPE)
    assert calls, "the assertion callback was never called"
    assert_arm_token(keyless, token.token, client_id=keyless.client_id, appidacr="2")


def test_workload_identity_credential_with_token_file(keyless, tmp_path: Path):
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(keyless.oidc_token(), encoding="utf-8")
    cred = WorkloadIdentityCredential(
        tenant_id=keyless.tenant_id,
        client_id=keyless.client_id,
        token_file_path=str(token_file),
        authority=keyless.url,
    )
    token = cred.get_token(ARM_SCOPE)
    assert_arm_token(keyless, token.token, client_id=keyless.client_id, appidacr="2")


def test_client_secret_credential(keyless, demo_secret, pipelines_credential):
    cred = keyless.secret_credential(keyless.client_id, demo_secret)
    token = cred.get_token(ARM_SCOPE)
    claims = assert_arm_token(keyless, token.token, client_id=keyless.client_id, appidacr="1")
    # Same app, same service principal, whichever way it signed in.
    federated = jwt_claims(pipelines_credential.get_token(ARM_SCOPE).token)
    assert claims["oid"] == federated["oid"], (claims, federated)
