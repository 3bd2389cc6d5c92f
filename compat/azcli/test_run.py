"""`keyless run` with the real Azure CLI: a pipeline whose AzureCLI@2 steps create and list
resource groups, a bash step running a Python azure-identity script, an output variable
passed between jobs, and a job whose ID token, requested when its step starts, is presented
after it expired: AADSTS700024, explained in the summary. The server runs with
`--id-token-lifetime 2s`, so the expiry takes its 2 s plus Entra's 60 s of clock skew.
A pipeline naming a connection that does not exist is refused before any step runs, and so
is one naming an existing connection closed to it (Azure DevOps' "needs permission" text),
which stays closed. AzureCLI@3 with `connectionType: azureDevOps` signs in with an Azure
DevOps connection and reads the organization's projects with an Entra token.

Environment:
  KEYLESS_COMPAT_PYTHON  a Python with azure-identity and azure-mgmt-resource (default: this
                         suite's own, compat/azcli/.venv, which scripts/test-azcli installs
                         with both)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from conftest import _python_compat

Keyless = _python_compat.Keyless

# The Azure CLI of the test's environment.
_AZ = str(Path(sys.executable).parent / "az")


def _sdk_python() -> str:
    p = os.environ.get("KEYLESS_COMPAT_PYTHON") or sys.executable
    assert Path(p).exists(), f"{p} is missing: set KEYLESS_COMPAT_PYTHON to a Python with azure-identity and azure-mgmt-resource"
    return p


@pytest.fixture(scope="module")
def short_lived():
    """A demo server whose ID tokens live 2 s."""
    with _python_compat.serve_demo("--id-token-lifetime", "2s", prefix="keyless-azcli-run-") as k:
        yield k


def run_pipeline(k: Keyless, yaml: str, files: dict[str, str], *extra: str) -> subprocess.CompletedProcess:
    repo = Path(tempfile.mkdtemp(prefix="keyless-run-repo-"))
    (repo / "azure-pipelines.yml").write_text(textwrap.dedent(yaml))
    for name, text in files.items():
        (repo / name).write_text(textwrap.dedent(text))
    env = k.cli_env(repo / ".no-login", KEYLESS_AZ=_AZ, AZURE_CORE_COLLECT_TELEMETRY="false")
    return subprocess.run(
        [_python_compat.keyless_binary(), "run", "azure-pipelines.yml", "--org", "contoso", "--project", "web", *extra],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _out(p: subprocess.CompletedProcess) -> str:
    return f"exit {p.returncode}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}"


PIPELINE = """
trigger: none
stages:
  - stage: deploy
    jobs:
      - job: groups
        steps:
          - task: AzureCLI@2
            displayName: create a group
            inputs:
              azureSubscription: demo-connection
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: az group create -n from-keyless-run -l westeurope -o none
          - task: AzureCLI@2
            name: list
            inputs:
              azureSubscription: demo-connection
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: |
                az group list --query "[].name" -o tsv
                echo "##vso[task.setvariable variable=count;isOutput=true]$(az group list --query 'length(@)' -o tsv)"
          - bash: $(sdkPython) sdk.py
            displayName: azure-identity
            env:
              SYSTEM_ACCESSTOKEN: $(System.AccessToken)
              CONNECTION_ID: $(connectionId)
              CLIENT_ID: $(clientId)
              TENANT_ID: $(tenantId)
              SUBSCRIPTION_ID: $(subscriptionId)
              AUTHORITY: $(authority)
      - job: consumer
        dependsOn: groups
        variables:
          groupCount: $[ dependencies.groups.outputs['list.count'] ]
        steps:
          - bash: |
              test "$(groupCount)" -ge 2 && echo "groups seen by the first job: $(groupCount)"
      - job: expiry
        steps:
          - task: AzureCLI@2
            displayName: an ID token presented after it expired
            inputs:
              azureSubscription: demo-connection
              scriptType: bash
              scriptLocation: inlineScript
              addSpnToEnvironment: true
              inlineScript: |
                sleep 64
                # A new sign-in, as a command that needs a token the cache lacks makes one.
                az account clear
                az login --service-principal -u "$servicePrincipalId" --tenant "$tenantId" --federated-token "$idToken" -o none
"""

SDK = """
import os
from azure.identity import AzurePipelinesCredential
from azure.mgmt.resource.resources import ResourceManagementClient

cred = AzurePipelinesCredential(
    tenant_id=os.environ["TENANT_ID"], client_id=os.environ["CLIENT_ID"],
    service_connection_id=os.environ["CONNECTION_ID"],
    system_access_token=os.environ["SYSTEM_ACCESSTOKEN"], authority=os.environ["AUTHORITY"],
)
arm = ResourceManagementClient(cred, os.environ["SUBSCRIPTION_ID"], base_url=os.environ["AUTHORITY"])
print("SDK GROUPS", sorted(g.name for g in arm.resource_groups.list()))
"""


def test_a_pipeline_runs_locally_with_the_real_azure_cli(short_lived: Keyless):
    k = short_lived
    p = run_pipeline(
        k,
        PIPELINE,
        {"sdk.py": SDK},
        "--var", f"sdkPython={_sdk_python()}",
        "--var", f"connectionId={k.connection_id}",
        "--var", f"clientId={k.client_id}",
        "--var", f"tenantId={k.tenant_id}",
        "--var", f"subscriptionId={k.subscription_id}",
        "--var", f"authority={k.url}",
    )
    out = _out(p)
    # The expiry job fails the run; everything else succeeded.
    assert p.returncode == 1, out
    assert "from-keyless-run" in p.stdout, out
    assert "SDK GROUPS ['demo-rg', 'from-keyless-run']" in p.stdout, out
    assert "groups seen by the first job: 2" in p.stdout, out
    assert "AADSTS700024" in p.stdout, out
    assert "ID token presented after it expired" in p.stdout and "✗ Failed" in p.stdout, out
    summary = p.stdout.split("══ Summary ══", 1)[1]
    assert "expiry ▸ an ID token presented after it expired: AADSTS700024" in summary, out
    assert "fix:" in summary, out
    assert "Run failed" in summary, out
    assert "kls_job_" not in out and "eyJ" not in out, out

    builds = k.request("GET", f"{k.url}/contoso/web/_apis/build/builds").json()
    assert builds["value"][0]["result"] == "failed", builds
    timeline = k.request("GET", f"{k.url}/contoso/web/_apis/build/builds/{builds['value'][0]['id']}/timeline").json()
    results = {r["name"]: r.get("result") for r in timeline["records"] if r["type"] == "Job"}
    assert results == {"groups": "succeeded", "consumer": "succeeded", "expiry": "failed"}, timeline


def test_a_pipeline_naming_a_connection_it_may_not_use_runs_no_step(short_lived: Keyless):
    p = run_pipeline(
        short_lived,
        """
        steps:
          - script: echo STEP-RAN
          - task: AzureCLI@2
            inputs:
              azureSubscription: prod-connection
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: az group list
        """,
        {},
    )
    out = _out(p)
    assert p.returncode == 1, out
    assert "references service connection prod-connection which could not be found" in out, out
    assert "STEP-RAN" not in p.stdout, out


def test_exec_with_az_signs_in_a_private_azure_cli(keyless: Keyless):
    env = keyless.cli_env(KEYLESS_AZ=_AZ)
    p = subprocess.run(
        [_python_compat.keyless_binary(), "exec", "--org", "contoso", "--project", "web", "--connection", "demo-connection", "--az", "--",
         "sh", "-c", 'az account show --query "[user.name, id]" -o tsv; echo "DIR=$AZURE_CONFIG_DIR"'],
        env=env, capture_output=True, text=True, timeout=300,
    )
    out = _out(p)
    assert p.returncode == 0, out
    assert keyless.client_id in p.stdout and keyless.subscription_id in p.stdout, out
    config_dir = p.stdout.split("DIR=", 1)[1].strip()
    assert not Path(config_dir).exists(), f"the private Azure CLI configuration outlived the command:\n{out}"


def _pipeline_id(k: Keyless, name: str) -> int:
    res = k.request("GET", f"{k.url}/keyless/v1/organizations/contoso/projects/web/pipelines")
    assert res.status_code == 200, res.text
    return next(p["id"] for p in res.json()["value"] if p["name"] == name)


def _permissions(k: Keyless, connection: str) -> dict:
    res = k.request("GET", f"{k.url}/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{connection}")
    assert res.status_code == 200, res.text
    return res.json()


def test_a_connection_closed_to_the_pipeline_refuses_the_run_and_stays_closed(keyless: Keyless):
    k = keyless
    # The pipeline exists (naming no connection), then the demo connection is closed to it.
    first = run_pipeline(k, "steps:\n  - script: echo first\n", {}, "--pipeline", "closed-to-it")
    assert first.returncode == 0, _out(first)
    pipeline = _pipeline_id(k, "closed-to-it")
    res = k.request(
        "PATCH",
        f"{k.url}/contoso/web/_apis/pipelines/pipelinePermissions/endpoint/{k.connection_id}",
        json={"allPipelines": {"authorized": False}, "pipelines": [{"id": pipeline, "authorized": False}]},
    )
    assert res.status_code == 200, res.text
    before = _permissions(k, k.connection_id)
    runs_before = k.request("GET", f"{k.url}/contoso/web/_apis/build/builds").json()["count"]

    p = run_pipeline(
        k,
        """
        steps:
          - script: echo STEP-RAN
          - task: AzureCLI@2
            inputs:
              azureSubscription: demo-connection
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: az group list
        """,
        {},
        "--pipeline", "closed-to-it",
    )
    out = _out(p)
    assert p.returncode == 1, out
    assert (
        "This pipeline needs permission to access a resource before this run can continue. "
        f"The service connection 'demo-connection' ({k.connection_id}) is not authorized for the pipeline 'closed-to-it'."
    ) in out, out
    assert "no step ran" in out and "STEP-RAN" not in p.stdout, out
    assert k.request("GET", f"{k.url}/contoso/web/_apis/build/builds").json()["count"] == runs_before
    assert _permissions(k, k.connection_id) == before


def test_azure_cli_3_with_an_azure_devops_connection_reads_azure_devops(keyless: Keyless):
    k = keyless
    # The demo identity is a user of the organization (a reader of web) with an Azure
    # DevOps connection whose federated credential its app holds.
    res = k.request(
        "PUT",
        f"{k.url}/keyless/v1/organizations/contoso/identities/{k.client_id}",
        json={"projects": {"web": "Readers"}},
    )
    assert res.status_code in (200, 201), res.text
    res = k.request(
        "POST",
        f"{k.url}/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1",
        json={
            "name": "ado-connection",
            "type": "AzureDevOps",
            "authorization": {
                "scheme": "WorkloadIdentityFederation",
                "parameters": {"tenantid": k.tenant_id, "serviceprincipalid": k.client_id},
            },
            "data": {},
        },
    )
    assert res.status_code == 200, res.text
    params = res.json()["authorization"]["parameters"]
    fic = k.graph(
        "POST",
        f"applications/{k.demo_app_object_id()}/federatedIdentityCredentials",
        {
            "name": "ado-connection",
            "issuer": params["workloadIdentityFederationIssuer"],
            "subject": params["workloadIdentityFederationSubject"],
            "audiences": ["api://AzureADTokenExchange"],
        },
    )
    assert fic.status_code == 201, fic.text

    p = run_pipeline(
        k,
        """
        steps:
          - task: AzureCLI@3
            inputs:
              connectionType: azureDevOps
              azureDevOpsServiceConnection: ado-connection
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: |
                az rest --method get --url "${SYSTEM_COLLECTIONURI}_apis/projects?api-version=7.1" \\
                  --resource 499b84ac-1321-427f-aa17-267ca6975798 --query "value[].name" -o tsv | sed 's/^/PROJECT /'
                token=$(az account get-access-token --resource 499b84ac-1321-427f-aa17-267ca6975798 --query accessToken -o tsv)
                test -n "$token" && echo "ADO TOKEN OK"
        """,
        {},
        "--pipeline", "ado-cli",
    )
    out = _out(p)
    assert p.returncode == 0, out
    assert "PROJECT web" in p.stdout, out
    assert "ADO TOKEN OK" in p.stdout, out
    assert "eyJ" not in out, out


MI_STEP = """
      - task: AzureCLI@2
        inputs:
          azureSubscription: vm-identity
          scriptType: bash
          scriptLocation: inlineScript
          inlineScript: |
            {script}
"""

MI_PIPELINE = (
    "trigger: none\njobs:\n"
    "  - job: onvm\n    pool:\n      name: azcli-builders\n      demands: Agent.Name -equals vm-agent\n    steps:"
    + MI_STEP.format(
        script='echo "MI USER $(az account show --query user.name -o tsv) $(az account show --query id -o tsv)"\n'
        '            echo "MI GROUPS $(az group list --query "[].name" -o tsv | tr \'\\n\' \' \')"'
    )
    + "  - job: hosted\n    pool:\n      vmImage: ubuntu-latest\n    steps:"
    + MI_STEP.format(script='echo "HOSTED STEP RAN"')
)


def test_azure_cli_with_a_managed_identity_connection_signs_in_as_the_vm(keyless: Keyless, agent_vm):
    """An AzureCLI@2 step of a ManagedServiceIdentity connection: `az login --identity` on
    the agent whose VM carries a system-assigned identity (a Reader of the subscription),
    then the script as that identity; on the hosted pool the task's failure, no script."""
    body = {
        "data": {"subscriptionId": keyless.subscription_id, "subscriptionName": "demo-subscription", "environment": "AzureCloud", "scopeLevel": "Subscription", "creationMode": "Manual"},
        "name": "vm-identity",
        "type": "AzureRM",
        "url": "https://management.azure.com/",
        "authorization": {"scheme": "ManagedServiceIdentity", "parameters": {"tenantid": keyless.tenant_id}},
        "serviceEndpointProjectReferences": [{"projectReference": {"name": "web"}, "name": "vm-identity"}],
    }
    res = keyless.request("POST", f"{keyless.url}/contoso/web/_apis/serviceendpoint/endpoints?api-version=7.1", json=body)
    assert res.status_code == 200, res.text
    p = run_pipeline(keyless, MI_PIPELINE, {})
    out = _out(p)
    assert p.returncode == 1, out
    assert f"MI USER systemAssignedIdentity {keyless.subscription_id}" in p.stdout, out
    assert "MI GROUPS " in p.stdout and "demo-rg" in p.stdout.split("MI GROUPS ", 1)[1], out
    assert "Could not fetch access token for Managed Service Principal" in p.stdout, out
    assert "HOSTED STEP RAN" not in p.stdout, out
    jobs = {r["name"]: r.get("result") for r in _timeline(keyless) if r["type"] == "Job"}
    assert jobs == {"onvm": "succeeded", "hosted": "failed"}, jobs


def _timeline(k: Keyless) -> list:
    builds = k.request("GET", f"{k.url}/contoso/web/_apis/build/builds").json()
    build = builds["value"][0]["id"]
    return k.request("GET", f"{k.url}/contoso/web/_apis/build/builds/{build}/timeline").json()["records"]
