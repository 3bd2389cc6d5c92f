"""Entra's error text, as azure-identity shows it to the user, for the codes the seeds name."""

import uuid

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientAssertionCredential

from conftest import ARM_SCOPE, describe


def assertion_credential(keyless, func, client_id=None):
    return ClientAssertionCredential(keyless.tenant_id, client_id or keyless.client_id, func, authority=keyless.url)


def expect(cred, code):
    with pytest.raises(ClientAuthenticationError) as e:
        cred.get_token(ARM_SCOPE)
    text = str(e.value)
    assert f"AADSTS{code}:" in text, text
    return text


def test_unknown_client_700016(keyless, demo_secret):
    text = expect(keyless.secret_credential(str(uuid.uuid4()), demo_secret), 700016)
    assert "was not found in the directory" in text


def test_malformed_assertion_50027(keyless):
    expect(assertion_credential(keyless, lambda: "not.a.jwt"), 50027)


def test_tampered_assertion_700027(keyless):
    def tampered():
        h, p, s = keyless.oidc_token().split(".")
        return f"{h}.{p}.{s[:-4]}AAAA"

    expect(assertion_credential(keyless, tampered), 700027)


def test_access_token_as_assertion_700222(keyless, demo_secret):
    arm_token = keyless.secret_credential(keyless.client_id, demo_secret).get_token(ARM_SCOPE).token
    expect(assertion_credential(keyless, lambda: arm_token), 700222)


def test_app_without_credentials_70025(keyless):
    app = keyless.create_app("no-fic", secret=False)
    try:
        text = expect(assertion_credential(keyless, keyless.oidc_token, client_id=app.app_id), 70025)
        assert "no configured federated identity credentials" in text
    finally:
        keyless.delete_app(app)


def test_subject_mismatch_700213(keyless):
    app = keyless.create_app("wrong-subject", secret=False)
    try:
        issuer = f"{keyless.url}/{keyless.tenant_id}/v2.0"
        res = keyless.graph(
            "POST",
            f"applications/{app.object_id}/federatedIdentityCredentials",
            {"name": "wrong", "issuer": issuer, "subject": "sc://contoso/web/other", "audiences": ["api://AzureADTokenExchange"]},
        )
        assert res.status_code == 201, describe(res)
        text = expect(assertion_credential(keyless, keyless.oidc_token, client_id=app.app_id), 700213)
        assert "No matching federated identity record found for presented assertion subject" in text
    finally:
        keyless.delete_app(app)


def test_federation_disabled_700223(keyless):
    path = f"{keyless.url}/keyless/v1/tenants/{keyless.tenant_id}/settings"
    res = keyless.request("PATCH", path, json={"federation": {"enabled": False}})
    assert res.status_code == 200, describe(res)
    try:
        expect(keyless.pipelines_credential(), 700223)
    finally:
        res = keyless.request("PATCH", path, json={"federation": {"enabled": True}})
        assert res.status_code == 200, describe(res)
