"""Real-client compatibility tests: fixtures.

One `keyless serve --demo` is started per test session on a free loopback port with a temporary
data directory; the tests talk to it only through public HTTP shapes and unmodified Azure SDKs.

Environment:
  KEYLESS_BIN               the keyless binary (default: <repo>/target/debug/keyless)
  KEYLESS_COMPAT_RUST_BIN   the Rust client driver (default: <repo>/target/debug/keyless-compat-rust)
"""

from __future__ import annotations

import atexit
import contextlib
import base64
import json
import os
import shlex
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 30.0
ARM_SCOPE = "https://management.azure.com/.default"
ARM_AUDIENCE = "https://management.azure.com"
DEMO_RESOURCE_GROUP = "demo-rg"

# Keys `keyless serve --demo` promises in DIR/demo.env.
DEMO_ENV_KEYS = (
    "KEYLESS_URL",
    "KEYLESS_TOKEN",
    "AZURE_AUTHORITY_HOST",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_SUBSCRIPTION_ID",
    "KEYLESS_ARM_URL",
    "SYSTEM_OIDCREQUESTURI",
    "SYSTEM_ACCESSTOKEN",
    "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
    "AZURESUBSCRIPTION_CLIENT_ID",
    "AZURESUBSCRIPTION_TENANT_ID",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "NODE_EXTRA_CA_CERTS",
    "AZURE_CORE_INSTANCE_DISCOVERY",
)

# CA trust variables: some machines export them pointing at the system bundle,
# so the test process always overrides them with the server's bundle.
CA_ENV_KEYS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS")

# Filled at session teardown, printed by pytest_terminal_summary when something failed.
_SERVER_LOG_TAIL: list[str] = []
_SERVER_NOTES: list[str] = []


# --------------------------------------------------------------------------------------------
# demo.env parsing


def parse_env_file(text: str) -> dict[str, str]:
    """Parse `export NAME='value'` lines (sh syntax, as keyless writes demo.env).

    Blank lines and `#` comments are skipped. Quoting follows sh (shlex in POSIX mode), so a
    value containing a single quote written as `'it'\\''s'` comes back as `it's`.
    Raises ValueError on any other line shape.
    """
    env: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            words = shlex.split(stripped, comments=True, posix=True)
        except ValueError as e:
            raise ValueError(f"line {number}: {e}: {line!r}") from None
        if not words:
            continue
        if len(words) != 2 or words[0] != "export" or "=" not in words[1]:
            raise ValueError(f"line {number}: expected `export NAME='value'`, got {line!r}")
        name, value = words[1].split("=", 1)
        if not name.replace("_", "a").isalnum() or name[0].isdigit():
            raise ValueError(f"line {number}: invalid variable name {name!r}")
        env[name] = value
    return env


# --------------------------------------------------------------------------------------------
# small helpers shared by tests


def jwt_claims(token: str) -> dict[str, Any]:
    """Decode a JWT's payload without verifying it."""
    parts = token.split(".")
    assert len(parts) == 3, f"not a compact JWT: {token[:40]}…"
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def _env_value(name: str) -> property:
    """A read-only property: the demo.env value `name`."""
    return property(lambda self: self.env[name])


def describe(res: requests.Response) -> str:
    """`METHOD URL -> STATUS body` for assertion messages."""
    body = res.text
    if len(body) > 2000:
        body = body[:2000] + "…"
    return f"{res.request.method} {res.request.url} -> {res.status_code} {body}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 120) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return list(deque(f, maxlen=lines))
    except OSError as e:
        return [f"(cannot read {path}: {e})\n"]


# --------------------------------------------------------------------------------------------
# the server


@dataclass
class App:
    """An app registration created through Graph for one test."""

    object_id: str
    app_id: str
    sp_object_id: str | None = None
    secret: str | None = None


@dataclass
class Keyless:
    env: dict[str, str]
    data_dir: Path
    log_path: Path
    session: requests.Session = field(default_factory=requests.Session)

    # -- demo.env shortcuts
    @property
    def url(self) -> str:
        return self.env["KEYLESS_URL"].rstrip("/")

    tenant_id = _env_value("AZURE_TENANT_ID")
    client_id = _env_value("AZURE_CLIENT_ID")
    subscription_id = _env_value("AZURE_SUBSCRIPTION_ID")
    connection_id = _env_value("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
    ca_bundle = _env_value("REQUESTS_CA_BUNDLE")

    def cli_env(self, config_dir: Path | None = None, **extra: str) -> dict[str, str]:
        """The environment of a `keyless` command pointed at this server, with nothing of a
        pipeline or an Azure sign-in inherited from the test process."""
        dropped = ("AZURE_", "ARM_", "SYSTEM_", "AZURESUBSCRIPTION_", "KEYLESS_", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
        env = {key: v for key, v in os.environ.items() if not key.startswith(dropped)}
        env["KEYLESS_URL"] = self.url
        env["KEYLESS_TOKEN"] = self.env["KEYLESS_TOKEN"]
        env["KEYLESS_CA_FILE"] = str(self.data_dir / "tls" / "ca.pem")
        env["KEYLESS_CONFIG_DIR"] = str(config_dir or self.data_dir / "no-login")
        return env | extra

    # -- raw HTTP
    def request(self, method: str, url: str, *, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        headers.setdefault("Authorization", f"Bearer {token or self.env['KEYLESS_TOKEN']}")
        return self.session.request(
            method, url, headers=headers, verify=self.ca_bundle, timeout=HTTP_TIMEOUT_S, **kwargs
        )

    def graph(self, method: str, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """Graph shapes at {origin}/v1.0/…, as the administrator (KEYLESS_TOKEN)."""
        return self.request(method, f"{self.url}/v1.0/{path.lstrip('/')}", json=json, **kwargs)

    def arm(self, method: str, path: str, json: Any = None, *, token: str | None = None, **kwargs: Any) -> requests.Response:
        """ARM at {origin}/…; path includes the query (api-version)."""
        return self.request(method, f"{self.url}/{path.lstrip('/')}", json=json, token=token, **kwargs)

    def oidc_request(self, connection_id: str | None = None, access_token: str | None = None) -> requests.Response:
        """What a pipeline job sends to its OIDC endpoint."""
        uri = self.env["SYSTEM_OIDCREQUESTURI"].rstrip("/")
        url = f"{uri}?api-version=7.1&serviceConnectionId={connection_id or self.connection_id}"
        return self.session.post(
            url,
            headers={
                "Authorization": f"Bearer {access_token or self.env['SYSTEM_ACCESSTOKEN']}",
                "Content-Type": "application/json",
                "X-TFS-FedAuthRedirect": "Suppress",
            },
            verify=self.ca_bundle,
            timeout=HTTP_TIMEOUT_S,
        )

    def oidc_token(self, connection_id: str | None = None) -> str:
        """A fresh pipeline ID token for the (demo) service connection."""
        res = self.oidc_request(connection_id)
        assert res.status_code == 200, describe(res)
        token = res.json().get("oidcToken")
        assert token, describe(res)
        return token

    # -- pipelines
    def start_job(self, pipeline: str, connections: list[str], org: str = "contoso", project: str = "web") -> dict[str, str]:
        """Saves a pipeline whose YAML has one AzureCLI@2 step per connection (name or id) and
        starts a job of it: the job's environment."""
        steps = "".join(
            "  - task: AzureCLI@2\n    inputs:\n"
            f"      azureSubscription: '{c}'\n"
            "      scriptType: bash\n      scriptLocation: inlineScript\n      inlineScript: az account show\n"
            for c in connections
        )
        base = f"{self.url}/keyless/v1/organizations/{org}/projects/{project}/pipelines"
        res = self.request("POST", base, json={"name": pipeline, "yaml": f"trigger: none\nsteps:\n{steps}"})
        assert res.status_code == 201, describe(res)
        job = self.request("POST", f"{base}/{res.json()['id']}/jobs", json={})
        assert job.status_code == 201, describe(job)
        env = job.json()["env"]
        assert env.get("SYSTEM_OIDCREQUESTURI") and env.get("SYSTEM_ACCESSTOKEN"), describe(job)
        return env

    # -- admin API
    def apply_world(self, text: str) -> dict:
        """`POST /keyless/v1/apply` of a world file; its report."""
        res = self.request(
            "POST", f"{self.url}/keyless/v1/apply", data=text.encode(), headers={"Content-Type": "application/yaml"}
        )
        assert res.status_code == 200, describe(res)
        return res.json()

    def add_directory_role(self, app_id: str, role: str) -> None:
        """Gives an app a directory role in the demo tenant."""
        res = self.request("POST", f"{self.url}/keyless/v1/tenants/{self.tenant_id}/roles", json={"app": app_id, "role": role})
        assert res.status_code in (200, 201), describe(res)

    # -- Graph helpers
    def demo_app_object_id(self) -> str:
        """Object id of the demo app registration (AZURE_CLIENT_ID is its appId)."""
        res = self.graph("GET", f"applications(appId='{self.client_id}')")
        if res.status_code == 200:
            return res.json()["id"]
        # Fallback so that one missing route does not hide every secret-based test;
        # test_graph.py checks the alternate-key route on its own.
        listed = self.graph("GET", "applications")
        assert listed.status_code == 200, f"{describe(res)}\n{describe(listed)}"
        for app in listed.json().get("value", []):
            if app.get("appId") == self.client_id:
                return app["id"]
        raise AssertionError(f"demo app {self.client_id} not found:\n{describe(res)}\n{describe(listed)}")

    def add_password(self, app_object_id: str, display_name: str = "ci") -> str:
        res = self.graph(
            "POST",
            f"applications/{app_object_id}/addPassword",
            {"passwordCredential": {"displayName": display_name}},
        )
        assert res.status_code == 200, describe(res)
        body = res.json()
        assert body.get("secretText") and body.get("keyId"), describe(res)
        return body["secretText"]

    def create_app(self, display_name: str, *, service_principal: bool = True, secret: bool = True) -> App:
        res = self.graph("POST", "applications", {"displayName": display_name})
        assert res.status_code == 201, describe(res)
        app = App(object_id=res.json()["id"], app_id=res.json()["appId"])
        if service_principal:
            sp = self.graph("POST", "servicePrincipals", {"appId": app.app_id})
            assert sp.status_code == 201, describe(sp)
            app.sp_object_id = sp.json()["id"]
        if secret:
            app.secret = self.add_password(app.object_id)
        return app

    def delete_app(self, app: App) -> requests.Response:
        return self.graph("DELETE", f"applications/{app.object_id}")

    # -- credentials pointed at keyless
    def pipelines_credential(self, connection_id: str | None = None):
        from azure.identity import AzurePipelinesCredential

        return AzurePipelinesCredential(
            tenant_id=self.tenant_id,
            client_id=self.client_id,
            service_connection_id=connection_id or self.connection_id,
            system_access_token=self.env["SYSTEM_ACCESSTOKEN"],
            authority=self.url,
        )

    def secret_credential(self, client_id: str, secret: str):
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(
            self.tenant_id, client_id, secret, authority=self.url, disable_instance_discovery=True
        )


def _wait_ready(proc: subprocess.Popen, data_dir: Path, port: int, log_path: Path) -> dict[str, str]:
    """Wait for DIR/demo.env (complete) and a 200 from /healthz verified against DIR/tls/ca.pem."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    env_path = data_dir / "demo.env"
    ca_path = data_dir / "tls" / "ca.pem"
    last = "nothing yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"keyless exited with status {proc.returncode} during startup; log tail:\n"
                + "".join(_tail(log_path))
            )
        if ca_path.exists():
            try:
                res = requests.get(f"https://127.0.0.1:{port}/healthz", verify=str(ca_path), timeout=2)
                last = f"/healthz -> {res.status_code}"
                if res.status_code == 200 and env_path.exists():
                    env = parse_env_file(env_path.read_text(encoding="utf-8"))
                    missing = [k for k in DEMO_ENV_KEYS if k not in env]
                    if not missing:
                        return env
                    last = f"demo.env lacks {missing}"
            except (requests.RequestException, ValueError, OSError) as e:
                last = f"{type(e).__name__}: {e}"
        else:
            last = f"{ca_path} not written yet"
        time.sleep(0.2)
    raise RuntimeError(
        f"keyless not ready within {STARTUP_TIMEOUT_S:.0f} s (last: {last}); log tail:\n" + "".join(_tail(log_path))
    )


def _die_with_parent() -> None:
    """In the server's child process: get SIGTERM when the test process dies (Linux)."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:  # not Linux: the atexit hook and the fixture teardown still stop it
        pass


def _sigterm_to_keyboard_interrupt(signum, frame):
    # A SIGTERM to pytest (CI time limit, `timeout`) must still run fixture teardown.
    raise KeyboardInterrupt(f"signal {signum}")


def _stop(proc: subprocess.Popen) -> int | None:
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _SERVER_NOTES.append(f"keyless did not stop within {SHUTDOWN_TIMEOUT_S:.0f} s of SIGTERM; killed")
        proc.kill()
        proc.wait()
        return None


def keyless_binary() -> str:
    """The keyless under test: KEYLESS_BIN, else the workspace's debug build."""
    return os.environ.get("KEYLESS_BIN") or str(REPO_ROOT / "target" / "debug" / "keyless")


@contextlib.contextmanager
def serve_demo(*flags: str, prefix: str = "keyless-compat-extra-"):
    """Another `keyless serve --demo` with `flags`, beside the session's; stopped on exit."""
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    data_dir = Path(tmp.name) / "data"
    log_path = Path(tmp.name) / "server.log"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYLESS_")}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [keyless_binary(), "serve", "--demo", "--data", str(data_dir), "--addr", f"127.0.0.1:{port}", *flags],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp.name,
        )
        try:
            yield Keyless(env=_wait_ready(proc, data_dir, port, log_path), data_dir=data_dir, log_path=log_path)
        finally:
            _stop(proc)
            tmp.cleanup()


@pytest.fixture(scope="session")
def keyless(request: pytest.FixtureRequest):
    binary = Path(os.environ.get("KEYLESS_BIN") or REPO_ROOT / "target" / "debug" / "keyless")
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.exists():
        pytest.fail(f"keyless binary not found at {binary} (build it, or set KEYLESS_BIN)", pytrace=False)

    tmp = tempfile.TemporaryDirectory(prefix="keyless-compat-")
    data_dir = Path(tmp.name) / "data"
    log_path = Path(tmp.name) / "server.log"
    port = _free_port()

    # The server reads KEYLESS_* variables as flags: never let the caller's leak in.
    server_env = {k: v for k, v in os.environ.items() if not k.startswith("KEYLESS_")}
    server_env.setdefault("RUST_BACKTRACE", "1")
    server_env["NO_COLOR"] = "1"  # plain log lines in the failure report
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(binary), "serve", "--demo", "--data", str(data_dir), "--addr", f"127.0.0.1:{port}"],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=server_env,
        cwd=tmp.name,
        preexec_fn=_die_with_parent,
    )
    signal.signal(signal.SIGTERM, _sigterm_to_keyboard_interrupt)
    atexit.register(lambda: proc.poll() is None and proc.kill())

    saved_environ = dict(os.environ)
    try:
        env = _wait_ready(proc, data_dir, port, log_path)
        # Trust the server's bundle, whatever the machine exported.
        for key in CA_ENV_KEYS:
            os.environ[key] = env.get(key) or env["REQUESTS_CA_BUNDLE"]
        os.environ["SYSTEM_OIDCREQUESTURI"] = env["SYSTEM_OIDCREQUESTURI"]
        os.environ["AZURE_CORE_INSTANCE_DISCOVERY"] = "false"
        # Loopback must never go through a proxy the machine may define.
        for key in ("NO_PROXY", "no_proxy"):
            os.environ[key] = ",".join(filter(None, [os.environ.get(key), "127.0.0.1", "localhost"]))
        yield Keyless(env=env, data_dir=data_dir, log_path=log_path)
    finally:
        status = _stop(proc)
        if status not in (0, None):
            _SERVER_NOTES.append(f"keyless exited with status {status} after SIGTERM (expected 0)")
        log.close()
        os.environ.clear()
        os.environ.update(saved_environ)
        if request.session.testsfailed or _SERVER_NOTES:
            _SERVER_LOG_TAIL[:] = _tail(log_path)
        tmp.cleanup()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _SERVER_NOTES:
        terminalreporter.section("keyless server notes")
        for note in _SERVER_NOTES:
            terminalreporter.write_line(note)
    if _SERVER_LOG_TAIL and exitstatus != 0:
        terminalreporter.section("keyless server log (tail)")
        for line in _SERVER_LOG_TAIL:
            terminalreporter.write(line)


# --------------------------------------------------------------------------------------------
# shared fixtures


@pytest.fixture(scope="session")
def demo_secret(keyless: Keyless) -> str:
    """A client secret of the demo app, created through Graph addPassword."""
    return keyless.add_password(keyless.demo_app_object_id(), display_name="compat-tests")


@pytest.fixture(scope="session")
def pipelines_credential(keyless: Keyless):
    return keyless.pipelines_credential()


def pipeline_client(client_class):
    """A module-scoped fixture: an azure-mgmt `client_class` on the demo subscription, signed in
    as the pipeline identity (AzurePipelinesCredential)."""

    @pytest.fixture(scope="module")
    def client(keyless, pipelines_credential):
        with client_class(pipelines_credential, keyless.subscription_id, base_url=keyless.url) as c:
            yield c

    return client


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:10]}"
