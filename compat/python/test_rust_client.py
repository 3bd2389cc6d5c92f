"""The Rust azure_identity crate (compat/rust) against the same server."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT

RUST_TIMEOUT_S = 300


def rust_binary() -> Path:
    binary = Path(os.environ.get("KEYLESS_COMPAT_RUST_BIN") or REPO_ROOT / "target" / "debug" / "keyless-compat-rust")
    if not binary.is_absolute():
        binary = REPO_ROOT / binary
    if not binary.exists():
        pytest.fail(f"{binary} not found (cargo build -p keyless-compat-rust, or set KEYLESS_COMPAT_RUST_BIN)")
    return binary


def test_rust_azure_identity(keyless, demo_secret):
    binary = rust_binary()

    env = dict(os.environ)  # already carries the CA overrides set by the keyless fixture
    env.update(keyless.env)
    env["KEYLESS_COMPAT_SECRET"] = demo_secret
    env.pop("AZURE_CLIENT_SECRET", None)
    res = subprocess.run(
        [str(binary)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUST_TIMEOUT_S,
    )
    output = res.stdout + res.stderr
    print(output)
    assert res.returncode == 0, output
    summary = re.findall(r"^(\d+) passed, (\d+) failed$", res.stdout, re.MULTILINE)
    assert summary, f"no `N passed, M failed` line:\n{output}"
    passed, failed = map(int, summary[-1])
    assert failed == 0 and passed > 0, output
