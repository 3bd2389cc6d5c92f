"""The demo.env parser of conftest.py (no server needed)."""

import pytest

from conftest import parse_env_file


def test_parses_export_lines_with_single_quoted_values():
    text = (
        "# keyless demo environment\n"
        "export KEYLESS_URL='https://127.0.0.1:8443'\n"
        "\n"
        "export KEYLESS_TOKEN='kls_abc=def'\n"
        "export EMPTY=''\n"
        "export SPACES='a b  c'\n"
        "export QUOTE='it'\\''s'\n"
        "export AZURE_CORE_INSTANCE_DISCOVERY='false'\n"
    )
    assert parse_env_file(text) == {
        "KEYLESS_URL": "https://127.0.0.1:8443",
        "KEYLESS_TOKEN": "kls_abc=def",
        "EMPTY": "",
        "SPACES": "a b  c",
        "QUOTE": "it's",
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
    }


def test_value_may_contain_shell_metacharacters_verbatim():
    assert parse_env_file("export X='$HOME `id` \"q\" ; #no-comment'") == {"X": '$HOME `id` "q" ; #no-comment'}


@pytest.mark.parametrize(
    "line",
    [
        "KEYLESS_URL='https://x'",  # no export
        "export KEYLESS_URL",  # no value
        "export A='1' B='2'",  # two assignments
        "export 1A='x'",  # bad name
        "export A='unterminated",
    ],
)
def test_rejects_other_shapes(line):
    with pytest.raises(ValueError):
        parse_env_file(line)
