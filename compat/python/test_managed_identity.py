"""Managed identities on self-hosted agents: azure-mgmt-compute creates a VM with a
system-assigned (and a user-assigned) identity, an agent registered on that VM runs a job,
and unmodified azure-identity credentials in the job (ManagedIdentityCredential through the
App Service and the IMDS shapes, DefaultAzureCredential) get the VM's identities' tokens. A
job on the Microsoft-hosted pool gets no managed identity endpoint, and the credential
fails there. @azure/identity (compat/node) and the Rust azure_identity crate (compat/rust,
the App Service shape: its IMDS source has a fixed address) do the same."""

import os
import subprocess
from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError, DefaultAzureCredential, ManagedIdentityCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.msi import ManagedServiceIdentityClient

from conftest import ARM_SCOPE, DEMO_RESOURCE_GROUP, describe, jwt_claims, pipeline_client

compute_client = pipeline_client(ComputeManagementClient)
msi_client = pipeline_client(ManagedServiceIdentityClient)

MI_ENV = ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "AZURE_POD_IDENTITY_AUTHORITY_HOST", "MSI_ENDPOINT", "MSI_SECRET")
# What would make the credentials pick another identity than the VM's.
OTHER_ENV = ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_USERNAME")


@pytest.fixture(scope="module")
def agent_vm(keyless, compute_client, msi_client):
    """A VM with both kinds of identity, created by azure-mgmt-compute, and an agent on it."""
    uai = msi_client.user_assigned_identities.create_or_update(DEMO_RESOURCE_GROUP, "agent-uai", {"location": "westeurope"})
    poller = compute_client.virtual_machines.begin_create_or_update(
        DEMO_RESOURCE_GROUP,
        "agent-vm",
        {
            "location": "westeurope",
            "identity": {"type": "SystemAssigned, UserAssigned", "user_assigned_identities": {uai.id: {}}},
        },
    )
    vm = poller.result()
    assert vm.identity.type == "SystemAssigned, UserAssigned", vm.as_dict()
    assert vm.identity.principal_id and vm.identity.tenant_id == keyless.tenant_id, (vm.as_dict(), vm.identity.as_dict())
    assert vm.identity.user_assigned_identities[uai.id].client_id == uai.client_id, vm.as_dict()
    pools = f"{keyless.url}/keyless/v1/organizations/contoso/pools"
    res = keyless.request("POST", pools, json={"name": "compat-builders"})
    assert res.status_code == 201, describe(res)
    res = keyless.request("POST", f"{pools}/compat-builders/agents", json={"name": "vm-agent", "vm": vm.id})
    assert res.status_code == 201, describe(res)
    yield vm, uai
    compute_client.virtual_machines.begin_delete(DEMO_RESOURCE_GROUP, "agent-vm").result()
    msi_client.user_assigned_identities.delete(DEMO_RESOURCE_GROUP, "agent-uai")
    keyless.request("DELETE", f"{pools}/compat-builders")


def job_env(keyless, pool: dict) -> dict:
    base = f"{keyless.url}/keyless/v1/organizations/contoso/projects/web/pipelines"
    res = keyless.request("GET", base)
    if "compat-mi-job" not in [p["name"] for p in res.json()["value"]]:
        res = keyless.request("POST", base, json={"name": "compat-mi-job", "yaml": "steps:\n  - script: echo hi\n"})
        assert res.status_code == 201, describe(res)
    job = keyless.request("POST", f"{base}/compat-mi-job/jobs", json={"pool": pool})
    assert job.status_code == 201, describe(job)
    return job.json()["env"]


@pytest.fixture
def in_job(keyless, monkeypatch):
    """Sets a job's managed identity variables (and only those) as the agent would."""

    def enter(env: dict, keys=MI_ENV):
        for k in MI_ENV + OTHER_ENV:
            monkeypatch.delenv(k, raising=False)
        for k in keys:
            if k in env:
                monkeypatch.setenv(k, env[k])

    return enter


def test_system_assigned_through_the_app_service_shape(keyless, agent_vm, in_job):
    vm, _ = agent_vm
    in_job(job_env(keyless, {"name": "compat-builders"}))
    token = ManagedIdentityCredential().get_token(ARM_SCOPE)
    claims = jwt_claims(token.token)
    assert claims["oid"] == vm.identity.principal_id, claims
    assert claims["xms_mirid"].lower() == vm.id.lower(), claims
    # A managed identity's token lives a day.
    assert claims["exp"] - claims["iat"] == 86400, claims


def test_user_assigned_through_the_imds_shape(keyless, agent_vm, in_job):
    _, uai = agent_vm
    in_job(job_env(keyless, {"name": "compat-builders"}), keys=("AZURE_POD_IDENTITY_AUTHORITY_HOST",))
    token = ManagedIdentityCredential(client_id=uai.client_id).get_token(ARM_SCOPE)
    claims = jwt_claims(token.token)
    assert claims["oid"] == uai.principal_id, claims
    system = ManagedIdentityCredential().get_token(ARM_SCOPE)
    assert jwt_claims(system.token)["oid"] == agent_vm[0].identity.principal_id


def test_default_credential_uses_the_vm_identity(keyless, agent_vm, in_job):
    vm, _ = agent_vm
    in_job(job_env(keyless, {"name": "compat-builders"}))
    cred = DefaultAzureCredential(exclude_cli_credential=True, exclude_developer_cli_credential=True, exclude_powershell_credential=True)
    claims = jwt_claims(cred.get_token(ARM_SCOPE).token)
    assert claims["oid"] == vm.identity.principal_id, claims


def test_an_identity_the_vm_does_not_carry_is_refused(keyless, agent_vm, in_job):
    in_job(job_env(keyless, {"name": "compat-builders"}), keys=("AZURE_POD_IDENTITY_AUTHORITY_HOST",))
    with pytest.raises(ClientAuthenticationError) as e:
        ManagedIdentityCredential(client_id="00000000-0000-0000-0000-000000000001").get_token(ARM_SCOPE)
    assert "Identity not found" in str(e.value), str(e.value)


def test_a_hosted_job_has_no_managed_identity(keyless, agent_vm, in_job):
    env = job_env(keyless, {"vmImage": "ubuntu-latest"})
    assert not any(k in env for k in MI_ENV), env
    in_job(env)
    # Nothing in the environment names an endpoint: the credential would ask the real IMDS
    # address, which is not there; point it at keyless without an agent's secret instead.
    monkeypatch_host = f"{keyless.url}/_agents/none"
    os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = monkeypatch_host
    try:
        with pytest.raises((ClientAuthenticationError, CredentialUnavailableError)) as e:
            ManagedIdentityCredential().get_token(ARM_SCOPE)
        assert "Identity not found" in str(e.value), str(e.value)
    finally:
        del os.environ["AZURE_POD_IDENTITY_AUTHORITY_HOST"]


def app_service_job(keyless, agent_vm, in_job) -> dict:
    """Enters a job of the agent with the App Service shape's variables only: the process
    environment, plus what the other clients are to find (EXPECT_*)."""
    vm, uai = agent_vm
    in_job(job_env(keyless, {"name": "compat-builders"}), keys=("IDENTITY_ENDPOINT", "IDENTITY_HEADER"))
    return dict(
        os.environ,
        EXPECT_SYSTEM_OID=vm.identity.principal_id,
        EXPECT_USER_CLIENT_ID=uai.client_id,
        EXPECT_USER_OID=uai.principal_id,
        EXPECT_USER_RESOURCE_ID=uai.id,
    )


NODE_DIR = Path(__file__).resolve().parent.parent / "node"


def test_node_managed_identity_credential(keyless, agent_vm, in_job):
    """compat/node: @azure/identity's ManagedIdentityCredential (system- and user-assigned)."""
    if not (NODE_DIR / "node_modules" / "@azure" / "identity").is_dir():
        if os.environ.get("KEYLESS_NODE_REQUIRED"):
            pytest.fail("compat/node is not installed (npm ci in compat/node)")
        pytest.skip("compat/node is not installed (npm ci in compat/node)")
    env = app_service_job(keyless, agent_vm, in_job)
    run = subprocess.run(
        ["node", "managed_identity.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_rust_managed_identity_credential(keyless, agent_vm, in_job):
    """compat/rust: azure_identity's ManagedIdentityCredential (the App Service shape, which
    the crate picks from IDENTITY_ENDPOINT + IDENTITY_HEADER), system- and user-assigned."""
    from test_rust_client import rust_binary

    env = app_service_job(keyless, agent_vm, in_job)
    run = subprocess.run(
        [str(rust_binary()), "managed-identity"], env=env, capture_output=True, text=True, timeout=300
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "6 passed, 0 failed" in run.stdout, output
