"""Failures as the SDKs surface them: token endpoint errors and the OIDC endpoint's answers."""

import uuid

import pytest
from azure.core.exceptions import ClientAuthenticationError

from conftest import ARM_SCOPE, describe


def test_wrong_client_secret(keyless, demo_secret):
    cred = keyless.secret_credential(keyless.client_id, demo_secret + "-wrong")
    with pytest.raises(ClientAuthenticationError) as e:
        cred.get_token(ARM_SCOPE)
    assert "AADSTS7000215" in str(e.value), str(e.value)


def test_pipelines_credential_unknown_service_connection(keyless):
    cred = keyless.pipelines_credential(connection_id=str(uuid.uuid4()))
    with pytest.raises(ClientAuthenticationError) as e:
        cred.get_token(ARM_SCOPE)
    # The OIDC endpoint's answer for an unknown connection reaches the caller.
    assert e.value.status_code == 404, str(e.value)


def test_oidc_endpoint_unknown_connection_is_json_404(keyless):
    res = keyless.oidc_request(connection_id=str(uuid.uuid4()))
    assert res.status_code == 404, describe(res)
    assert res.headers.get("content-type", "").startswith("application/json"), describe(res)
    assert "oidcToken" not in res.json(), describe(res)
