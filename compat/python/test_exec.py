"""`keyless exec`: real SDKs run as the step of a job, with only the variables exec sets.

The scripts run in a clean environment (no demo.env): everything they use comes from exec.
The last test runs a command for longer than an ID token is accepted (a server started with
`--id-token-lifetime 2s`, plus Entra's 60 s of clock skew): WorkloadIdentityCredential keeps
working because exec rewrites AZURE_FEDERATED_TOKEN_FILE, while the first ID token, presented
at the end, is refused with AADSTS700024.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap

import pytest

from conftest import Keyless, keyless_binary, serve_demo

EXEC = ["exec", "--org", "contoso", "--project", "web", "--connection", "demo-connection"]


def run_exec(k: Keyless, script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = k.cli_env()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(textwrap.dedent(script))
    try:
        return subprocess.run(
            [keyless_binary(), *EXEC, "--", sys.executable, f.name],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        os.unlink(f.name)


def _out(p: subprocess.CompletedProcess) -> str:
    return f"exit {p.returncode}\n--- stdout\n{p.stdout}\n--- stderr\n{p.stderr}"


SDK_SCRIPT = """
import os
from azure.identity import AzurePipelinesCredential, WorkloadIdentityCredential
from azure.mgmt.resource.resources import ResourceManagementClient

sub = os.environ["AZURE_SUBSCRIPTION_ID"]
base = os.environ["KEYLESS_ARM_URL"]
wi = ResourceManagementClient(WorkloadIdentityCredential(), sub, base_url=base)
wi.resource_groups.create_or_update("from-exec", {"location": "westeurope"})
pipelines = AzurePipelinesCredential(
    tenant_id=os.environ["AZURESUBSCRIPTION_TENANT_ID"],
    client_id=os.environ["AZURESUBSCRIPTION_CLIENT_ID"],
    service_connection_id=os.environ["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"],
    system_access_token=os.environ["SYSTEM_ACCESSTOKEN"],
)
names = [g.name for g in ResourceManagementClient(pipelines, sub, base_url=base).resource_groups.list()]
print("GROUPS", sorted(names))
"""


def test_sdk_credentials_work_under_exec(keyless: Keyless):
    p = run_exec(keyless, SDK_SCRIPT)
    assert p.returncode == 0, _out(p)
    assert "from-exec" in p.stdout and "demo-rg" in p.stdout, _out(p)
    assert "kls_job_" not in p.stdout + p.stderr, _out(p)


def test_the_command_exit_code_is_exec_exit_code(keyless: Keyless):
    p = run_exec(keyless, "import sys; sys.exit(5)")
    assert p.returncode == 5, _out(p)


@pytest.fixture(scope="module")
def short_lived() -> Keyless:
    """A second server whose ID tokens live 2 s."""
    with serve_demo("--id-token-lifetime", "2s", prefix="keyless-compat-short-") as k:
        yield k


LONG_SCRIPT = """
import os, time
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientAssertionCredential, WorkloadIdentityCredential
from azure.mgmt.resource.resources import ResourceManagementClient

token_file = os.environ["AZURE_FEDERATED_TOKEN_FILE"]
early = open(token_file).read()
sub, base = os.environ["AZURE_SUBSCRIPTION_ID"], os.environ["KEYLESS_ARM_URL"]
start = time.monotonic()
rounds = 0
while time.monotonic() - start < 66:
    # A new credential each round reads the file again, as a long deployment's new clients do.
    arm = ResourceManagementClient(WorkloadIdentityCredential(), sub, base_url=base)
    assert "demo-rg" in [g.name for g in arm.resource_groups.list()]
    rounds += 1
    time.sleep(6)
print("ROUNDS", rounds)
stale = ClientAssertionCredential(
    os.environ["AZURE_TENANT_ID"], os.environ["AZURE_CLIENT_ID"], lambda: early,
    authority=os.environ["AZURE_AUTHORITY_HOST"],
)
try:
    stale.get_token("https://management.azure.com/.default")
    print("STALE ACCEPTED")
except ClientAuthenticationError as e:
    print("STALE", "AADSTS700024" if "AADSTS700024" in str(e) else str(e)[:300])
"""


def test_workload_identity_works_for_longer_than_an_id_token_lives(short_lived: Keyless):
    p = run_exec(short_lived, LONG_SCRIPT, timeout=180)
    assert p.returncode == 0, _out(p)
    rounds = [int(line.split()[1]) for line in p.stdout.splitlines() if line.startswith("ROUNDS ")]
    assert rounds and rounds[0] >= 10, _out(p)
    assert "STALE AADSTS700024" in p.stdout, _out(p)
