"""What a finding says (issue #23): a first sentence for the editor's hover and
flake8, the chain and the fix in the detail.

Every fixture file is linted with every rule, and every finding's ``message``
must be one sentence of at most ``FIRST_SENTENCE_MAX`` characters with the
user's names filled in: the issue asks for "under about 100"; a sentence that
says what fails and why and names two things of the user's fits in 100 with
names of ordinary length, and the slack is for long ones
(``InvoiceService.send_reminders``).  The median must stay well below (ruff's
is 62; these are 76 on the fixtures, from 260 before).  A rule whose template
has a detail must fill it: the chain and the fix moved there from the message.

Also checked: the two template forms of ``Rule.messages`` (a pair, or a plain
string that is the first sentence alone, for rules written before the pair),
``brief`` on the quoted code of first sentences, and that flake8 is handed the
first sentence only.
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

import libcst as cst
import pytest
from expectations import FIXTURES

from mocklint.diagnostic import Diagnostic
from mocklint.engine import Engine
from mocklint.registry import ALL_RULES
from mocklint.rule import FileContext, Rule, brief, format_message, gate
from mocklint.settings import Selection

FIRST_SENTENCE_MAX = 110
#: the codes whose templates this issue rewrote (rules added since follow rule.py's convention on their own)
REWRITTEN = frozenset(
    {
        *(f"MCK{n}" for n in range(101, 104)),
        *(f"MCK{n}" for n in range(201, 219)),
        "MCK301",
        "MCK302",
        *(f"MCK{n}" for n in range(401, 408)),
    }
)
#: code spans and quotations, where a period or a semicolon is not the end of a sentence
_QUOTED = re.compile(r"`[^`]*`|\"[^\"]*\"")


@lru_cache(maxsize=None)
def _findings() -> Tuple[Tuple[str, Diagnostic], ...]:
    engine = Engine(Selection())
    found: List[Tuple[str, Diagnostic]] = []
    for path in sorted(FIXTURES.rglob("*.py")):
        if "crashes" in path.parts:  # files mocklint leaves alone
            continue
        result = engine.lint(path.read_text(encoding="utf-8"), str(path))
        assert result.internal_error is None, f"{path}: {result.internal_error}"
        rel = path.relative_to(FIXTURES).as_posix()
        found.extend((rel, d) for d in result.diagnostics if d.code in REWRITTEN)
    return tuple(found)


def _sentences_in(message: str) -> int:
    """How many sentences ``message`` holds, code and quotations aside."""
    prose = _QUOTED.sub("x", message)
    return 1 + len(re.findall(r"[.;!?](?:\s|$)", prose))


def test_every_first_sentence_is_short_and_alone() -> None:
    found = _findings()
    assert {d.code for _, d in found} == REWRITTEN, "a rule has no finding in the fixtures"
    too_long = [
        f"{rel}:{d.line} ({len(d.message)}) {d.message}" for rel, d in found if len(d.message) > FIRST_SENTENCE_MAX
    ]
    assert not too_long, "\n".join(too_long)
    several = [f"{rel}:{d.line} {d.message}" for rel, d in found if _sentences_in(d.message) != 1 or "\n" in d.message]
    assert not several, "\n".join(several)
    lengths = [len(d.message) for _, d in found]
    # the bulk is well under the bound, not pressed against it
    assert statistics.median(lengths) <= 85, statistics.median(lengths)
    assert sum(length > 100 for length in lengths) <= len(lengths) // 100, sorted(lengths)[-10:]


def test_every_finding_with_a_detailed_template_has_a_detail() -> None:
    rules = {rule.code: rule for rule in ALL_RULES}
    missing = []
    for rel, d in _findings():
        templates = rules[d.code].messages.values()
        if all(not isinstance(t, str) for t in templates) and not d.detail.strip():
            missing.append(f"{rel}:{d.line} {d.code}")
        if d.detail:
            # a sentence: a capital, a quotation, or a name written in lower case
            assert d.detail[0].isupper() or d.detail[0] in "`\"" or d.detail.startswith("pytest "), d.detail
            assert d.detail.endswith((".", "?")), f"{rel}:{d.line}: {d.detail!r}"
    assert not missing, missing


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.code in REWRITTEN], ids=lambda r: r.code)
def test_rewritten_templates_are_pairs(rule: "type[Rule]") -> None:
    """The chain and the fix of every rewritten rule live in its detail."""
    for variant, template in rule.messages.items():
        assert isinstance(template, tuple) and len(template) == 2 and all(template), (rule.code, variant)


def test_a_plain_string_template_is_the_first_sentence_alone() -> None:
    """Rules written to the old convention keep working: no detail."""
    assert format_message("`{name}` is {what}", {"name": "db", "what": "odd"}) == ("`db` is odd", "")
    fields = {"call": "s.get(" + "x" * 60 + ")", "fix": "use y"}
    assert format_message(("`{call!b}` fails", "{fix!c}."), fields) == ("`s.get(...)` fails", "Use y.")


class _Plain(Rule):
    code = "MCK999"
    name = "plain-template"
    summary = "a rule with a plain string template"
    messages = {"default": "`{name}` is flagged"}
    gate = gate(r"flagged")


def test_a_rule_with_a_plain_string_template_reports_no_detail() -> None:
    module = cst.parse_module("flagged = 1\n")
    context = FileContext("t.py", module.code, module, names=None)  # type: ignore[arg-type]
    _Plain(context).report(module.body[0], name="flagged")
    (report,) = context.reports
    assert (report.message, report.detail) == ("`flagged` is flagged", "")


@pytest.mark.parametrize(
    ("code", "short"),
    [
        ('session.get("https://api.example.org/health")', "session.get(...)"),
        ("client_session.return_value.__aenter__.return_value.get", "client_session...get"),
        ('patch.multiple("billing.gateway", charge=DEFAULT).start()', "patch.multiple(...).start()"),
        ("pool.acquire()", "pool.acquire()"),
        ("x\n  .y(\n 1)", "x .y( 1)"),
    ],
)
def test_brief_keeps_the_names_and_drops_the_arguments(code: str, short: str) -> None:
    assert brief(code) == short
    assert len(brief("a" * 200)) <= 30


def test_flake8_is_handed_the_first_sentence_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ast

    from mocklint.flake8_plugin import Plugin

    monkeypatch.setattr(Plugin, "_cache", None)
    path = tmp_path / "test_config.py"
    text = "import pytest\n\n\ndef test_a():\n    assert pytest.config\n"
    path.write_text(text, encoding="utf-8")
    (diagnostic,) = Engine(Selection()).lint(text, str(path)).diagnostics
    found = [m for _, _, m, _ in Plugin(ast.parse(text), text.splitlines(True), str(path)).run()]
    assert diagnostic.detail and found == [f"{diagnostic.code} {diagnostic.message}"]


# -- the other two #23 items: CPython's warnings about linted code, and the grammar a syntax error is for --------
_INVALID_ESCAPES = {
    "pytest.ini": "[pytest]\n",
    # aiohttp 2.3's tests: old code with invalid escape sequences, in the modules mocklint reads for the
    # project model (the patched module, a conftest.py) as well as in the linted file itself
    "app/__init__.py": 'import re\n\nWORD = re.compile("\\w+")\n\n\ndef thing():\n    return "\\d"\n',
    "tests/conftest.py": 'import pytest\n\nPATTERN = "\\s"\n\n\n@pytest.fixture\ndef db():\n    return "\\d"\n',
    "tests/test_a.py": (
        "from unittest.mock import patch\n\nimport pytest\n\nDIGITS = '\\d'\n\n\n"
        "@patch('app.thing')\ndef test_a(thing, db, not_defined):\n    assert pytest.config\n"
    ),
}


def test_warnings_about_the_linted_code_do_not_reach_stderr(tmp_path: Path) -> None:
    """Before, ``<unknown>:2: SyntaxWarning: invalid escape sequence '\\w'``
    (DeprecationWarning before 3.12) came from the project model's parses."""
    import subprocess
    import sys

    for rel, text in _INVALID_ESCAPES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "default", "-m", "mocklint", "tests"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert "MCK201" in done.stdout and "MCK301" in done.stdout, done.stdout + done.stderr
    assert "Warning" not in done.stderr, done.stderr


def test_a_syntax_error_names_the_grammar_it_is_one_for() -> None:
    """``match`` is a syntax error for Python 3.9's grammar and none for 3.10's: the note says which."""
    import sys

    result = Engine(Selection()).lint("import pytest\n\ndef f(:\n    pytest.config\n", "test_x.py")
    grammar = f"Python {sys.version_info[0]}.{sys.version_info[1]}'s grammar"
    assert result.parse_error == f"syntax error for {grammar} at line 3: invalid syntax"
