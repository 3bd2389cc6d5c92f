"""`az ad` against keyless' Graph: the CLI signs in as a service principal that holds the
Application Administrator directory role (a secret, `--allow-no-subscriptions`), then
creates an app, its service principal, a federated credential and resets its secret; a
principal without a directory role is refused with Graph's denial."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import CLOUD_NAME, Az, describe




def _signed_in(keyless, app) -> Az:
    """A CLI of its own (configuration directory) signed in as `app` by its secret."""
    tmp = tempfile.mkdtemp(prefix="keyless-azcli-ad-")
    az = Az(keyless, Path(tmp))
    az.run("cloud", "register", "-n", CLOUD_NAME, "--endpoint-resource-manager", f"{keyless.url}/")
    az.run("cloud", "set", "-n", CLOUD_NAME)
    az.login_secret(app, "--allow-no-subscriptions")
    return az


@pytest.fixture(scope="module")
def az_app_admin(keyless) -> Az:
    app = keyless.create_app(f"azcli-app-admin-{uuid.uuid4().hex[:8]}")
    keyless.add_directory_role(app.app_id, "Application Administrator")
    return _signed_in(keyless, app)


def test_az_ad_app_and_sp_create(az_app_admin, keyless):
    name = f"azcli-made-{uuid.uuid4().hex[:8]}"
    app = az_app_admin.json("ad", "app", "create", "--display-name", name)
    assert app["displayName"] == name, app
    uuid.UUID(app["appId"])
    uuid.UUID(app["id"])
    sp = az_app_admin.json("ad", "sp", "create", "--id", app["appId"])
    assert sp["appId"] == app["appId"], sp
    uuid.UUID(sp["id"])
    shown = az_app_admin.json("ad", "app", "show", "--id", app["appId"])
    assert shown["id"] == app["id"], shown
    # The app is there for Graph's other callers too.
    res = keyless.graph("GET", f"servicePrincipals(appId='{app['appId']}')")
    assert res.status_code == 200 and res.json()["id"] == sp["id"], describe(res)


def test_az_ad_app_federated_credential_create(az_app_admin, tmp_path):
    app = az_app_admin.json("ad", "app", "create", "--display-name", f"azcli-fic-{uuid.uuid4().hex[:8]}")
    params = tmp_path / "fic.json"
    params.write_text(
        '{"name": "azcli-main", "issuer": "https://token.actions.githubusercontent.com",'
        ' "subject": "repo:contoso/app:ref:refs/heads/main",'
        ' "audiences": ["api://AzureADTokenExchange"], "description": "from az"}'
    )
    fic = az_app_admin.json(
        "ad", "app", "federated-credential", "create", "--id", app["id"], "--parameters", f"@{params}"
    )
    assert fic["name"] == "azcli-main", fic
    assert fic["subject"] == "repo:contoso/app:ref:refs/heads/main", fic
    listed = az_app_admin.json("ad", "app", "federated-credential", "list", "--id", app["appId"])
    assert [f["name"] for f in listed] == ["azcli-main"], listed


def test_az_ad_app_credential_reset(az_app_admin, keyless):
    app = az_app_admin.json("ad", "app", "create", "--display-name", f"azcli-reset-{uuid.uuid4().hex[:8]}")
    az_app_admin.json("ad", "sp", "create", "--id", app["appId"])
    reset = az_app_admin.json("ad", "app", "credential", "reset", "--id", app["appId"])
    assert reset["appId"] == app["appId"], reset
    assert reset["tenant"] == keyless.tenant_id, reset
    assert reset["password"], reset
    # The new secret signs in at the token endpoint.
    res = keyless.session.post(
        f"{keyless.url}/{keyless.tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["appId"],
            "client_secret": reset["password"],
            "scope": "https://management.azure.com/.default",
        },
        verify=keyless.ca_bundle,
        timeout=30,
    )
    assert res.status_code == 200, describe(res)


def test_az_ad_app_create_without_a_directory_role_is_denied(keyless):
    plain = keyless.create_app(f"azcli-plain-{uuid.uuid4().hex[:8]}")
    az = _signed_in(keyless, plain)
    result = az.run("ad", "app", "create", "--display-name", "not-allowed", check=False)
    assert result.returncode != 0, result.describe()
    assert "Insufficient privileges to complete the operation." in result.stderr, result.describe()
