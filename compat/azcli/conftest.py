"""The Azure CLI against keyless: fixtures.

The server is the one compat/python starts (its `keyless` session fixture is loaded from
compat/python/conftest.py and reused as is: one `keyless serve --demo` per session on a free
loopback port, with a temporary data directory). The CLI runs as a subprocess, `python -m
azure.cli`, from this suite's own virtual environment (compat/azcli/.venv, azure-cli pinned),
with a configuration directory of its own per session and only these settings: the cloud
registered from the server's `/metadata/endpoints`, instance discovery off, the server's CA
bundle, telemetry off.

Environment:
  KEYLESS_BIN     the keyless binary (default: <repo>/target/debug/keyless)
  AZ_TIMEOUT_S    seconds one `az` command may take (default 180)
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CLOUD_NAME = "keyless"
AZ_TIMEOUT_S = float(os.environ.get("AZ_TIMEOUT_S") or 180)
DEMO_RESOURCE_GROUP = "demo-rg"

# Built-in role ids.
OWNER_ROLE_ID = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR_ROLE_ID = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER_ROLE_ID = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def _load_python_compat():
    """compat/python/conftest.py as a module of its own name (that file is not edited here)."""
    path = REPO_ROOT / "compat" / "python" / "conftest.py"
    spec = importlib.util.spec_from_file_location("keyless_compat_python", path)
    assert spec and spec.loader, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_python_compat = _load_python_compat()
Keyless = _python_compat.Keyless
App = _python_compat.App
describe = _python_compat.describe
jwt_claims = _python_compat.jwt_claims
# The server fixture and the failure report (server log tail), reused as they are.
keyless = _python_compat.keyless
pytest_terminal_summary = _python_compat.pytest_terminal_summary


# --------------------------------------------------------------------------------------------
# running az


@dataclass
class AzResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        def cut(text: str, limit: int = 6000) -> str:
            return text if len(text) <= limit else "…" + text[-limit:]

        return (
            f"$ az {shlex.join(self.args)}\n-> exit {self.returncode}\n"
            f"--- stdout\n{cut(self.stdout)}\n--- stderr\n{cut(self.stderr)}"
        )

    def json(self) -> Any:
        try:
            return json.loads(self.stdout) if self.stdout.strip() else None
        except ValueError as e:
            raise AssertionError(f"az printed no JSON ({e}):\n{self.describe()}") from None


# Settings of the machine that would change what the CLI does: never inherited.
_DROPPED_PREFIXES = ("AZURE_", "ARM_", "MSAL_", "IDENTITY_", "MSI_")


class Az:
    """`az` with an isolated configuration directory, pointed at one keyless server."""

    def __init__(self, keyless: Keyless, config_dir: Path):
        self.keyless = keyless
        self.config_dir = config_dir
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
        env.update(
            {
                "AZURE_CONFIG_DIR": str(config_dir),
                "AZURE_CORE_INSTANCE_DISCOVERY": "false",
                # Set explicitly: some machines export a bundle without the local CA.
                "REQUESTS_CA_BUNDLE": keyless.ca_bundle,
                "AZURE_CORE_COLLECT_TELEMETRY": "false",
                "AZURE_CORE_OUTPUT": "json",
                "AZURE_CORE_NO_COLOR": "true",
                "AZURE_CORE_SURVEY_MESSAGE": "false",
                "AZURE_CORE_DISABLE_CONFIRM_PROMPT": "true",
                "AZURE_EXTENSION_USE_DYNAMIC_INSTALL": "no",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        env.pop("CURL_CA_BUNDLE", None)  # requests prefers REQUESTS_CA_BUNDLE; keep one source
        self.env = env

    def run(self, *args: str, check: bool = True, timeout: float = AZ_TIMEOUT_S) -> AzResult:
        argv = [str(a) for a in args]
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "azure.cli", *argv],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                env=self.env,
                timeout=timeout,
                cwd=self.config_dir,
            )
        except subprocess.TimeoutExpired as e:
            raise AssertionError(
                f"$ az {shlex.join(argv)} did not finish within {timeout:.0f} s\n"
                f"--- stdout\n{e.stdout or ''}\n--- stderr\n{e.stderr or ''}"
            ) from None
        result = AzResult(argv, proc.returncode, proc.stdout, proc.stderr)
        if check:
            assert result.returncode == 0, result.describe()
        return result

    def json(self, *args: str) -> Any:
        return self.run(*args).json()

    # -- identities
    def login_federated(self, client_id: str, token: str, *, check: bool = True) -> AzResult:
        return self.run(
            "login",
            "--service-principal",
            "-u",
            client_id,
            "--tenant",
            self.keyless.tenant_id,
            "--federated-token",
            token,
            check=check,
        )

    def login_demo(self) -> Any:
        """The demo app, as a pipeline task logs in: a fresh ID token of the connection."""
        return self.login_federated(self.keyless.client_id, self.keyless.oidc_token()).json()

    def login_secret(self, app: App, *options: str) -> Any:
        """`az login` as `app` by its secret, with further `options`; the accounts."""
        assert app.secret, app
        return self.run(
            "login",
            "--service-principal",
            "-u",
            app.app_id,
            # Secrets may start with '-' (as Entra's do): the CLI's help says to attach them.
            f"--password={app.secret}",
            "--tenant",
            self.keyless.tenant_id,
            *options,
        ).json()


@pytest.fixture(scope="session")
def az_unregistered(keyless: Keyless):
    """The CLI with a fresh configuration directory for this session, before any cloud."""
    with tempfile.TemporaryDirectory(prefix="keyless-azcli-") as tmp:
        yield Az(keyless, Path(tmp))


@pytest.fixture(scope="session")
def az(az_unregistered: Az) -> Az:
    """The CLI with keyless registered from its metadata endpoint and set as the cloud."""
    origin = az_unregistered.keyless.url
    az_unregistered.run("cloud", "register", "-n", CLOUD_NAME, "--endpoint-resource-manager", f"{origin}/")
    az_unregistered.run("cloud", "set", "-n", CLOUD_NAME)
    return az_unregistered


@pytest.fixture
def az_demo(az: Az) -> Az:
    """Logged in as the demo app (Contributor on the demo subscription)."""
    az.login_demo()
    return az


# --------------------------------------------------------------------------------------------
# principals made for the tests with a world file (the admin cannot call ARM itself)

WORLD = """\
tenants:
  - name: contoso
    apps:
      - name: azcli-owner
      - name: azcli-reader
      - name: azcli-assignee
    subscriptions:
      - name: demo-subscription
        roleAssignments:
          - app: azcli-owner
            role: Owner
          - app: azcli-reader
            role: Reader
"""


def _world_app(keyless: Keyless, name: str, *, secret: bool) -> App:
    res = keyless.graph("GET", "applications", params={"$filter": f"displayName eq '{name}'"})
    assert res.status_code == 200, describe(res)
    found = res.json().get("value", [])
    assert len(found) == 1, describe(res)
    app = App(object_id=found[0]["id"], app_id=found[0]["appId"])
    sp = keyless.graph("GET", f"servicePrincipals(appId='{app.app_id}')")
    assert sp.status_code == 200, describe(sp)
    app.sp_object_id = sp.json()["id"]
    if secret:
        app.secret = keyless.add_password(app.object_id, display_name="azcli")
    return app


@pytest.fixture(scope="session")
def world(keyless: Keyless) -> dict[str, App]:
    """Apps of the contoso tenant made by `POST /keyless/v1/apply`: an Owner and a Reader of
    the demo subscription (each with a client secret), and one with no role."""
    keyless.apply_world(WORLD)
    return {
        "owner": _world_app(keyless, "azcli-owner", secret=True),
        "reader": _world_app(keyless, "azcli-reader", secret=True),
        "assignee": _world_app(keyless, "azcli-assignee", secret=False),
    }


@pytest.fixture(scope="session")
def demo_sp_object_id(keyless: Keyless) -> str:
    res = keyless.graph("GET", f"servicePrincipals(appId='{keyless.client_id}')")
    assert res.status_code == 200, describe(res)
    return res.json()["id"]


# --------------------------------------------------------------------------------------------
# a self-hosted agent on a VM with managed identities

AGENT_POOL = "azcli-builders"
AGENT_VM = "azcli-agent-vm"
AGENT_UAI = "azcli-agent-uai"


@pytest.fixture(scope="session")
def agent_vm(az: Az, world: dict[str, App], keyless: Keyless):
    """A VM made with `az rest` carrying a system-assigned and a user-assigned identity,
    each a Reader of the demo subscription, and the agent vm-agent of the pool
    azcli-builders on it: `{"vm_id", "system", "uai"}`."""
    az.login_secret(world["owner"])
    rg = DEMO_RESOURCE_GROUP
    uai = az.json("identity", "create", "-g", rg, "-n", AGENT_UAI)
    vm_id = f"/subscriptions/{keyless.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{AGENT_VM}"
    body = {
        "location": "westeurope",
        "identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {uai["id"]: {}}},
    }
    url = f"{keyless.url}{vm_id}?api-version=2024-07-01"
    vm = az.json("rest", "--method", "put", "--url", url, "--body", json.dumps(body))
    system = vm["identity"]["principalId"]
    for principal in (system, uai["principalId"]):
        az.run(
            "role", "assignment", "create",
            "--assignee-object-id", principal,
            "--assignee-principal-type", "ServicePrincipal",
            "--role", "Reader",
            "--scope", f"/subscriptions/{keyless.subscription_id}",
        )  # fmt: skip
    pools = f"{keyless.url}/keyless/v1/organizations/contoso/pools"
    res = keyless.request("POST", pools, json={"name": AGENT_POOL})
    assert res.status_code == 201, describe(res)
    res = keyless.request("POST", f"{pools}/{AGENT_POOL}/agents", json={"name": "vm-agent", "vm": vm_id})
    assert res.status_code == 201, describe(res)
    yield {"vm_id": vm_id, "system": system, "uai": uai}
    keyless.request("DELETE", f"{pools}/{AGENT_POOL}")
    az.login_secret(world["owner"])
    az.run("rest", "--method", "delete", "--url", url, check=False)
    az.run("identity", "delete", "-g", rg, "-n", AGENT_UAI, check=False)
