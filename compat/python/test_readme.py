"""The README's examples, run as written: every Python heredoc (`python - <<'PY' … PY`) runs
with the demo environment sourced and the newest SDKs the venv pins (every package the
README's `pip install` names is pinned in requirements.txt), and every `keyless explain`
line finds its catalogue entry."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_SNIPPETS = re.findall(r"<<'PY'\n(.*?)\nPY\n", README, flags=re.S)
PIP_PACKAGES = [
    word
    for line in README.splitlines()
    if "pip install " in line
    for word in line.split("pip install ", 1)[1].split()
    if not word.startswith("-")
]
PINNED = {
    line.split("==")[0].strip().lower()
    for line in (REPO_ROOT / "compat" / "python" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    if "==" in line and not line.lstrip().startswith("#")
}
EXPLAIN_LINES = [
    line.split("#")[0].strip()
    for line in README.splitlines()
    if line.startswith("keyless explain ")
]


def test_the_readme_has_snippets():
    assert PYTHON_SNIPPETS, "no Python heredoc in README.md"
    assert EXPLAIN_LINES, "no keyless explain line in README.md"
    assert PIP_PACKAGES, "no pip install line in README.md"


def test_the_suite_pins_every_package_the_readme_installs():
    # The snippets run in this venv, so it must hold what a reader installs.
    assert {p.lower() for p in PIP_PACKAGES} <= PINNED, (PIP_PACKAGES, sorted(PINNED))


@pytest.mark.parametrize("snippet", PYTHON_SNIPPETS, ids=lambda s: s.splitlines()[0][:40])
def test_python_snippet_runs_as_written(keyless, snippet):
    env = {**os.environ, **keyless.env}
    done = subprocess.run(
        [sys.executable, "-"], input=snippet, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    if "from-python" in snippet:
        assert "from-python" in done.stdout, done.stdout


@pytest.mark.parametrize("line", EXPLAIN_LINES)
def test_explain_line_finds_its_entry(line):
    binary = Path(os.environ.get("KEYLESS_BIN") or REPO_ROOT / "target" / "debug" / "keyless")
    args = shlex.split(line)[1:]
    done = subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{line}: {done.stderr}"
    assert "Fix:" in done.stdout, done.stdout
