"""`az login --identity` in a job on a self-hosted agent whose VM carries identities.

The Azure CLI signs in with MSAL's managed identity client, which reads the App Service
shape's `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` when both are set (else the IMDS address,
`AZURE_POD_IDENTITY_AUTHORITY_HOST` or 169.254.169.254): keyless hands both to the jobs of
an agent on a VM. A VM made with `az rest` carries a system-assigned and a user-assigned
identity, each a Reader of the demo subscription; the CLI signs in as either (the
user-assigned one by `--client-id`, `--object-id` or `--resource-id`; azure-cli 2.91 itself
refuses `--username`), then lists the subscription's resource groups. A job on the hosted
pool has no such variables.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from conftest import AGENT_POOL as POOL
from conftest import CLOUD_NAME, DEMO_RESOURCE_GROUP, Az, describe, jwt_claims

PIPELINE = "azcli-mi-job"


def job_env(keyless, pool: dict) -> dict:
    base = f"{keyless.url}/keyless/v1/organizations/contoso/projects/web/pipelines"
    res = keyless.request("GET", base)
    if PIPELINE not in [p["name"] for p in res.json()["value"]]:
        res = keyless.request("POST", base, json={"name": PIPELINE, "yaml": "steps:\n  - script: echo hi\n"})
        assert res.status_code == 201, describe(res)
    job = keyless.request("POST", f"{base}/{PIPELINE}/jobs", json={"pool": pool})
    assert job.status_code == 201, describe(job)
    return job.json()["env"]


@pytest.fixture
def job_az(keyless):
    """The CLI as a step of a job on the agent sees it: a configuration of its own, keyless
    registered as the cloud, and the job's managed identity variables."""
    with tempfile.TemporaryDirectory(prefix="keyless-azcli-mi-") as tmp:
        cli = Az(keyless, Path(tmp))
        cli.run("cloud", "register", "-n", CLOUD_NAME, "--endpoint-resource-manager", f"{keyless.url}/")
        cli.run("cloud", "set", "-n", CLOUD_NAME)

        def enter(env: dict) -> Az:
            for k in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER"):
                if k in env:
                    cli.env[k] = env[k]
            return cli

        yield enter


def _signed_in(cli: Az, keyless, user: str, assigned: str | None) -> None:
    account = cli.json("account", "show")
    assert account["id"] == keyless.subscription_id, account
    assert account["tenantId"] == keyless.tenant_id, account
    assert account["user"]["type"] == "servicePrincipal", account
    assert account["user"]["name"] == user, account
    assert account["user"].get("assignedIdentityInfo") == assigned, account
    groups = [g["name"] for g in cli.json("group", "list")]
    assert DEMO_RESOURCE_GROUP in groups, groups


def test_system_assigned(keyless, agent_vm, job_az):
    cli = job_az(job_env(keyless, {"name": POOL}))
    accounts = cli.json("login", "--identity")
    assert [a["id"] for a in accounts] == [keyless.subscription_id], accounts
    _signed_in(cli, keyless, "systemAssignedIdentity", "MSI")
    token = cli.json("account", "get-access-token")["accessToken"]
    claims = jwt_claims(token)
    assert claims["oid"] == agent_vm["system"], claims
    assert claims["xms_mirid"].lower() == agent_vm["vm_id"].lower(), claims


def test_user_assigned_by_client_id_object_id_and_resource_id(keyless, agent_vm, job_az):
    uai = agent_vm["uai"]
    cli = job_az(job_env(keyless, {"name": POOL}))
    cli.json("login", "--identity", "--client-id", uai["clientId"])
    _signed_in(cli, keyless, "userAssignedIdentity", f"MSIClient-{uai['clientId']}")
    claims = jwt_claims(cli.json("account", "get-access-token")["accessToken"])
    assert claims["oid"] == uai["principalId"], claims
    cli.run("logout")
    cli.json("login", "--identity", "--resource-id", uai["id"])
    claims = jwt_claims(cli.json("account", "get-access-token")["accessToken"])
    assert claims["oid"] == uai["principalId"], claims
    cli.run("logout")
    # The older spelling is the CLI's own refusal now (azure-cli 2.91), before any request.
    old = cli.run("login", "--identity", "--username", uai["clientId"], check=False)
    assert "--username is no longer supported" in old.stderr, old.describe()
    cli.json("login", "--identity", "--object-id", uai["principalId"])
    claims = jwt_claims(cli.json("account", "get-access-token")["accessToken"])
    assert claims["oid"] == uai["principalId"], claims


def test_an_identity_the_vm_does_not_carry_is_refused(keyless, agent_vm, job_az):
    cli = job_az(job_env(keyless, {"name": POOL}))
    res = cli.run("login", "--identity", "--client-id", "00000000-0000-0000-0000-000000000001", check=False)
    assert res.returncode != 0, res.describe()
    assert "Identity not found" in res.stderr, res.describe()


def test_a_hosted_job_has_no_identity_endpoint(keyless, agent_vm):
    env = job_env(keyless, {"vmImage": "ubuntu-latest"})
    assert "IDENTITY_ENDPOINT" not in env and "IDENTITY_HEADER" not in env, env

