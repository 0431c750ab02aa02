"""The output formats: text, JSON, SARIF 2.1.0 and GitHub workflow commands.

Formatters are pure functions from diagnostics to text, so the CLI decides
where things go (stdout, stderr, streaming or at the end) and the tests can
check each format without running a process.  Where a format links to a
rule's page (JSON ``url``, SARIF ``helpUri``), the CLI passes a ``docs``
function from code to URL (:class:`mocklint.rule_docs.DocsPages`), so the
formatters neither write files nor import the rules for it.

A diagnostic's ``message`` is a first sentence; its ``detail`` (the chain of
reasoning, the way out) and ``related`` places (the application code where a
mock fails) go where there is room: JSON ``detail``/``related``, SARIF's
message after a blank line and ``relatedLocations``, and text output under
``--show-source``.

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
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from mocklint import __version__
from mocklint.diagnostic import INTERNAL_ERROR_CODE, INTERNAL_ERROR_NAME, Diagnostic, Related, TextFix, split_lines
from mocklint.files import Note, to_posix

TOOL_NAME = "mocklint"
JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"

#: a rule's documentation URL from its code, or None (no page, or none could be written)
Docs = Callable[[str], Optional[str]]

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


def _plural(count: int, word: str, suffix: str = "s") -> str:
    return f"{count} {word}{suffix if count != 1 else ''}"


def all_passed(files_checked: int) -> str:
    """The line of a clean text run (ruff's ``All checks passed!``, with the count)."""
    return f"All checks passed! ({_plural(files_checked, 'file')} checked)"


def applicable(fix: Optional[TextFix], unsafe_fixes: bool) -> bool:
    """Whether ``fix`` is applied by ``--fix`` (with ``unsafe_fixes``: ``--fix --unsafe-fixes``)."""
    return fix is not None and (fix.safe or unsafe_fixes)


def fix_hint(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool) -> Optional[str]:
    """How many findings ``--fix`` would fix, how many need ``--unsafe-fixes``
    and how many have no fix, as ruff says it; None when no finding has a fix."""
    fixable = sum(applicable(d.fix, unsafe_fixes) for d in diagnostics)
    hidden = sum(d.fix is not None and not applicable(d.fix, unsafe_fixes) for d in diagnostics)
    if not fixable and not hidden:
        return None
    option = "`--fix --unsafe-fixes`" if unsafe_fixes else "`--fix`"
    line = f"[*] {fixable} fixable with {option}" if fixable else "No fixes available"
    if hidden:
        line += f" ({_plural(hidden, 'hidden fix', 'es')} can be enabled with `--unsafe-fixes`)"
    without = len(diagnostics) - fixable - hidden
    if without:
        line += f"; {without} without a fix"
    return line + "."


def fixed_summary(fixed: int, hidden: int, diff: bool) -> Optional[str]:
    """``Fixed 3 problems.`` (``Would fix`` under ``--diff``, which writes
    nothing) and the unsafe fixes left out; None when there is nothing to say."""
    if not fixed and not hidden:
        return None
    verb = ("Would fix" if diff else "Fixed") if fixed else ("No problems would be fixed" if diff else "No problems fixed")
    line = f"{verb} {_plural(fixed, 'problem')}." if fixed else f"{verb}."
    if hidden:
        line += f"\n{_plural(hidden, 'hidden fix', 'es')} can be enabled with `--unsafe-fixes`."
    return line


def _rules() -> Sequence[Any]:
    from mocklint.registry import ALL_RULES

    return ALL_RULES


# -- colour -------------------------------------------------------------------
class Style:
    """ANSI colours for text output, or none (``enabled`` false): the CLI
    decides from ``--color``, ``NO_COLOR``/``FORCE_COLOR`` and the terminal."""

    CODES = {"bold": "1", "dim": "2", "red": "31", "cyan": "36", "green": "32", "yellow": "33"}

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not text:
            return text
        codes = ";".join(self.CODES[style] for style in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


PLAIN = Style()


# -- text -------------------------------------------------------------------
def text_line(diagnostic: Diagnostic, style: Style = PLAIN) -> str:
    """``path:line:col: CODE message``, as flake8 prints it."""
    line, column, _, _ = one_based(diagnostic)
    path = style(shown_path(diagnostic.path), "bold")
    where = f"{path}{style(':', 'cyan')}{line}{style(':', 'cyan')}{column}{style(':', 'cyan')}"
    return f"{where} {style(diagnostic.code, 'red', 'bold')} {printable(diagnostic.message)}"


def source_block(diagnostic: Diagnostic, source: Optional[str], style: Style = PLAIN) -> str:
    """``--show-source``: the finding's line, a caret under its span (to the
    end of the line when it goes on), then its detail, related places and fix,
    each line ending in a newline; ruff's layout."""
    line, column, end_line, end_column = one_based(diagnostic)
    lines = split_lines(source) if source is not None else []
    out: List[str] = []
    if 0 < line <= len(lines):
        text = printable(lines[line - 1].rstrip("\r\n"))
        stop = end_column if end_line == line else len(text) + 1
        width = len(str(line))
        gutter = style(" " * width + " |", "cyan")
        lead = "".join("\t" if char == "\t" else " " for char in text[: column - 1])
        carets = "^" * max(1, min(stop, len(text) + 1) - column)
        out += [gutter, f"{style(str(line).rjust(width) + ' |', 'cyan')} {text}", f"{gutter} {lead}{style(carets, 'red', 'bold')}", gutter]
    for paragraph in (printable(diagnostic.detail).strip().splitlines() if diagnostic.detail else []):
        out.append(f"  {style('=', 'cyan')} {paragraph}" if paragraph.strip() else "")
    for related in diagnostic.related:
        out.append(f"  {style('=', 'cyan')} {style('related', 'bold')}: {related_line(related)}")
    if diagnostic.fix is not None:
        safety = "" if diagnostic.fix.safe else " (unsafe)"
        out.append(f"  {style('=', 'cyan')} {style('fix', 'bold')}{safety}: {printable(diagnostic.fix.title)}")
    return "".join(f"{row}\n" for row in out) + ("\n" if out else "")


def related_line(related: Related) -> str:
    """``app/x.py:7:5: message``."""
    return f"{shown_path(related.path)}:{max(related.line, 1)}:{max(related.column, 0) + 1}: {printable(related.message)}"


def statistics(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool) -> List[Dict[str, Any]]:
    """One row per code, most frequent first (then by code): ``code``,
    ``name``, ``count`` and ``fixable`` (some finding of it has a fix
    ``--fix`` applies), as ruff's ``--statistics``."""
    rows: Dict[str, Dict[str, Any]] = {}
    for d in diagnostics:
        row = rows.setdefault(d.code, {"code": d.code, "name": d.name, "count": 0, "fixable": False})
        row["count"] += 1
        row["fixable"] = row["fixable"] or applicable(d.fix, unsafe_fixes)
    return sorted(rows.values(), key=lambda row: (-row["count"], row["code"]))


def statistics_text(rows: Sequence[Dict[str, Any]], style: Style = PLAIN) -> str:
    """``3\tMCK201\t[*] pytest-config-global`` lines (ruff's, after flake8's)."""
    if not rows:
        return ""
    count_width = max(len(str(row["count"])) for row in rows)
    code_width = max(len(row["code"]) for row in rows)
    any_fixable = any(row["fixable"] for row in rows)
    lines = []
    for row in rows:
        mark = (f"[{style('*', 'cyan')}] " if row["fixable"] else "[ ] ") if any_fixable else ""
        count = style(str(row["count"]).rjust(count_width), "bold")
        code = style(row["code"].ljust(code_width), "red", "bold")
        lines.append(f"{count}\t{code}\t{mark}{row['name']}\n")
    return "".join(lines)


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
def _no_docs(code: str) -> Optional[str]:
    return None


def json_document(diagnostics: Sequence[Diagnostic], files_checked: int, docs: Docs = _no_docs) -> Dict[str, Any]:
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
                "detail": printable(diagnostic.detail),
                "related": [_json_related(related) for related in diagnostic.related],
                "url": docs(diagnostic.code),
                "fix": _json_fix(diagnostic.fix),
            }
        )
    return {
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "diagnostics": items,
        "files_checked": files_checked,
    }


def _json_related(related: Related) -> Dict[str, Any]:
    return {
        "path": shown_path(related.path),
        "line": max(related.line, 1),
        "column": max(related.column, 0) + 1,
        "message": printable(related.message),
    }


def _json_fix(fix: Optional[TextFix]) -> Optional[Dict[str, Any]]:
    """ruff's shape: ``applicability``, ``message`` (the fix's title) and the
    ``edits`` (1-based, end exclusive; ``path`` for an edit of another file)."""
    if fix is None:
        return None
    edits = []
    for edit in fix.edits:
        shown: Dict[str, Any] = {
            "line": edit.line,
            "column": edit.column + 1,
            "end_line": edit.end_line,
            "end_column": edit.end_column + 1,
            "content": printable(edit.text),
        }
        if edit.path is not None:
            shown["path"] = shown_path(_relative(edit.path))
        edits.append(shown)
    return {"applicability": "safe" if fix.safe else "unsafe", "message": printable(fix.title), "edits": edits}


def _relative(path: str) -> str:
    """``path`` relative to the current folder when below it, as it is typed."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith(os.pardir) else relative


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


def _descriptor(
    code: str, name: str, summary_text: str, documentation: str, help_uri: Optional[str] = None
) -> Dict[str, Any]:
    what = _section(documentation, "What it does") or summary_text
    descriptor: Dict[str, Any] = {
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
    if help_uri:
        descriptor["helpUri"] = help_uri
    return descriptor


def sarif_rules(rules: Optional[Sequence[Any]] = None, docs: Docs = _no_docs) -> List[Dict[str, Any]]:
    """Descriptors of every registered rule, then ``MCK000``."""
    descriptors = [
        _descriptor(rule.code, rule.name, rule.summary, rule.documentation(), docs(rule.code))
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
    docs: Docs = _no_docs,
) -> Dict[str, Any]:
    """One SARIF 2.1.0 log with one run.

    Every rule is described (not only those that fired), so code-scanning UIs
    can show the documentation of a rule a later run reports.  Notes (files
    skipped or not parsable) become tool execution notifications rather than
    results: they are not problems in the code.
    """
    descriptors = sarif_rules(rules, docs)
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
        text = printable(diagnostic.message) + (f"\n\n{printable(diagnostic.detail)}" if diagnostic.detail else "")
        result: Dict[str, Any] = {
            "ruleId": diagnostic.code,
            "ruleIndex": index[diagnostic.code],
            "level": "error",
            "message": {"text": text},
            "locations": [_physical_location(diagnostic.path, region)],
        }
        if diagnostic.related:
            result["relatedLocations"] = [
                {
                    "id": number,
                    **_physical_location(
                        related.path, {"startLine": max(related.line, 1), "startColumn": max(related.column, 0) + 1}
                    ),
                    "message": {"text": printable(related.message)},
                }
                for number, related in enumerate(diagnostic.related, 1)
            ]
        results.append(result)
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
