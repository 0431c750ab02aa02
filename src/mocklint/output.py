"""The output formats: text, JSON, SARIF 2.1.0 and GitHub workflow commands.

Formatters are pure functions from diagnostics to text, so the CLI decides
where things go (stdout, stderr, streaming or at the end) and the tests can
check each format without running a process.

Columns: :class:`~mocklint.diagnostic.Diagnostic` columns are 0-based (what
flake8 wants from a plugin); every format here prints them 1-based, as
flake8, ruff, SARIF and GitHub all do.  End columns are exclusive, so a finding
on ``pytest.config`` at the start of a line has ``column`` 1 and ``end_column``
14.  The JSON schema is documented in ``docs/output-formats.md`` and is a
stable interface: change it only by bumping :data:`JSON_SCHEMA_VERSION`.

File names: Python holds the bytes of a name that is not valid in the file
system's encoding as lone surrogates (``test_\\xff.py`` is ``"test_\\udcff.py"``),
which no output can encode.  Every format shows such a byte as ``\\xff``
(:func:`printable`), and SARIF's URIs percent-encode the name's real bytes, so
one bad name never costs the run its output.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from mocklint import __version__
from mocklint.diagnostic import INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME, Diagnostic
from mocklint.files import Note, to_posix

TOOL_NAME = "mocklint"
JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"

INTERNAL_ERROR_SUMMARY = "mocklint itself failed on a file"
INTERNAL_ERROR_DOC = """\
## What it does
Reports that mocklint failed while analysing a file: a bug in mocklint, not in
the file. The file's other findings, if any, are lost; the run exits with
status 2.

## What to do
Report it with the file (or a reduced copy) that triggers it. Until it is
fixed, exclude that file to get a clean run.
"""


# -- shared -----------------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: "re.Match[str]") -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with each byte Python could not decode in a file name (a lone
    surrogate, ``\\udcff``) shown as ``\\xff``: valid Unicode for any output."""
    return _SURROGATE.sub(_escape_surrogate, text)


def shown_path(path: str) -> str:
    """A path as every format prints it: forward slashes, :func:`printable`."""
    return printable(to_posix(path))


def one_based(diagnostic: Diagnostic) -> Tuple[int, int, int, int]:
    """``(line, column, end_line, end_column)``, all 1-based, ends exclusive.

    A diagnostic with no end (``end_line`` 0) ends where it starts.
    """
    line = max(diagnostic.line, 1)
    column = max(diagnostic.column, 0) + 1
    if diagnostic.end_line < line or (diagnostic.end_line == line and diagnostic.end_column + 1 < column):
        return line, column, line, column
    return line, column, diagnostic.end_line, max(diagnostic.end_column, 0) + 1


def summary(diagnostics: Sequence[Diagnostic]) -> Optional[str]:
    """``Found 3 problems in 2 files.`` or ``None`` when there is nothing."""
    if not diagnostics:
        return None
    count = len(diagnostics)
    files = len({d.path for d in diagnostics})
    return f"Found {count} problem{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}."


def _rules() -> Sequence[Any]:
    from mocklint.registry import ALL_RULES

    return ALL_RULES


# -- text -------------------------------------------------------------------
def text_line(diagnostic: Diagnostic) -> str:
    """``path:line:col: CODE message``, as flake8 prints it."""
    line, column, _, _ = one_based(diagnostic)
    return f"{shown_path(diagnostic.path)}:{line}:{column}: {diagnostic.code} {printable(diagnostic.message)}"


# -- GitHub -----------------------------------------------------------------
def escape_data(value: str) -> str:
    """GitHub's escaping of a workflow command's message (actions/toolkit)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """GitHub's escaping of a workflow command's property value."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_line(diagnostic: Diagnostic) -> str:
    """``::error file=..,line=..,col=..,endLine=..,endColumn=..,title=..::message``."""
    line, column, end_line, end_column = one_based(diagnostic)
    title = f"{diagnostic.code} {diagnostic.name}".strip()
    properties = [
        ("file", shown_path(diagnostic.path)),
        ("line", str(line)),
        ("col", str(column)),
        ("endLine", str(end_line)),
        ("endColumn", str(end_column)),
        ("title", title),
    ]
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::error {rendered}::{escape_data(printable(diagnostic.message))}"


# -- JSON -------------------------------------------------------------------
def json_document(diagnostics: Sequence[Diagnostic], files_checked: int) -> Dict[str, Any]:
    """The versioned JSON document (see docs/output-formats.md)."""
    items = []
    for diagnostic in diagnostics:
        line, column, end_line, end_column = one_based(diagnostic)
        items.append(
            {
                "path": shown_path(diagnostic.path),
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "code": diagnostic.code,
                "name": diagnostic.name,
                "message": printable(diagnostic.message),
            }
        )
    return {
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "diagnostics": items,
        "files_checked": files_checked,
    }


def dumps(document: Dict[str, Any]) -> str:
    """Pretty, stable, ASCII-only JSON: valid whatever the terminal's encoding."""
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


# -- SARIF ------------------------------------------------------------------
def camel_case(kebab: str) -> str:
    """``pytest-config-global`` -> ``PytestConfigGlobal`` (SARIF wants identifiers)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", kebab) if part)


def _section(markdown: str, title: str) -> Optional[str]:
    """The body of the ``## title`` section of a rule's documentation."""
    match = re.search(rf"^##\s+{re.escape(title)}\s*$(?P<body>.*?)(?=^##\s|\Z)", markdown, re.M | re.S)
    if not match:
        return None
    body = match.group("body").strip()
    return body or None


def _descriptor(code: str, name: str, summary_text: str, documentation: str) -> Dict[str, Any]:
    what = _section(documentation, "What it does") or summary_text
    return {
        "id": code,
        "name": camel_case(name) if name else code,
        "shortDescription": {"text": summary_text},
        # plain text is read unwrapped (a run of whitespace with a newline, tried at the run's start
        # only: `\s*\n` alone reads the run again from each of its spaces); the markdown keeps the lines
        "fullDescription": {"text": re.sub(r"(?<!\s)\s*\n\s*", " ", what), "markdown": what},
        "help": {"text": documentation or summary_text, "markdown": documentation or summary_text},
        "defaultConfiguration": {"level": "error"},
        "properties": {"kebabName": name},
    }


def sarif_rules(rules: Optional[Sequence[Any]] = None) -> List[Dict[str, Any]]:
    """Descriptors of every registered rule, then ``MCK000``."""
    descriptors = [
        _descriptor(rule.code, rule.name, rule.summary, rule.documentation())
        for rule in (_rules() if rules is None else rules)
    ]
    internal = _descriptor(INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME, INTERNAL_ERROR_SUMMARY, INTERNAL_ERROR_DOC)
    descriptors.append(internal)
    return descriptors


def artifact_location(path: str) -> Dict[str, str]:
    """A relative POSIX URI under ``%SRCROOT%`` (the current directory), or an
    absolute ``file:`` URI for a file outside it; percent-encoded from the
    name's bytes (``os.fsencode``), so that a name that is not UTF-8 keeps them."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        relative = absolute
    if os.path.isabs(relative) or relative == ".." or relative.startswith(".." + os.sep):
        return {"uri": Path(absolute).as_uri()}
    return {"uri": quote(os.fsencode(to_posix(relative)), safe="/"), "uriBaseId": SRCROOT}


def _physical_location(path: str, region: Optional[Dict[str, int]] = None) -> Dict[str, Any]:
    location: Dict[str, Any] = {"artifactLocation": artifact_location(path)}
    if region is not None:
        location["region"] = region
    return {"physicalLocation": location}


def sarif_document(
    diagnostics: Sequence[Diagnostic],
    notes: Sequence[Note] = (),
    execution_successful: bool = True,
    rules: Optional[Sequence[Any]] = None,
) -> Dict[str, Any]:
    """One SARIF 2.1.0 log with one run.

    Every rule is described (not only those that fired), so code-scanning UIs
    can show the documentation of a rule a later run reports.  Notes (files
    skipped or not parsable) become tool execution notifications rather than
    results: they are not problems in the code.
    """
    descriptors = sarif_rules(rules)
    index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
    results = []
    for diagnostic in diagnostics:
        if diagnostic.code not in index:  # a code no rule declares: still describe it
            index[diagnostic.code] = len(descriptors)
            descriptors.append(
                _descriptor(diagnostic.code, diagnostic.name, diagnostic.name or diagnostic.code, "")
            )
        line, column, end_line, end_column = one_based(diagnostic)
        region = {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}
        results.append(
            {
                "ruleId": diagnostic.code,
                "ruleIndex": index[diagnostic.code],
                "level": "error",
                "message": {"text": printable(diagnostic.message)},
                "locations": [_physical_location(diagnostic.path, region)],
            }
        )
    notifications = [
        {
            "level": "error" if note.kind == "internal-error" else "warning",
            "message": {"text": printable(note.line())},
            "locations": [_physical_location(note.path)],
        }
        for note in notes
    ]
    invocation: Dict[str, Any] = {"executionSuccessful": execution_successful}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


#: ``--format`` choices whose output is one line per diagnostic (printed as
#: files are done) rather than one document at the end.
LINE_FORMATS: Dict[str, Any] = {"text": text_line, "github": github_line}
DOCUMENT_FORMATS: Tuple[str, ...] = ("json", "sarif")
