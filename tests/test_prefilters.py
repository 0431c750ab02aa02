"""The cheap steps before libcst never change an answer.

mocklint decides most files without a libcst parse: the gates (regular
expressions, sped up by literal prefixes in ``rule.literal_prefix``) and each
rule's ``might_report`` (on the ``ast`` tree and the project model).  Both
must over-approximate: a file they let go unparsed is one the full analysis
would report nothing on.  These tests hold them to that on every fixture file
and project of the suite (and the mock rules' answer to whether a file may
hand a mock to project code), in the ``slow`` set (the suite linted four times);
the everyday set checks every label with the prefilters on (``test_rules.py``),
each rule's dropped bodies on its own fixture folder (below) and both sides of
each ``might_report`` (``test_might_report.py``).  ``scripts/check_prefilters.py``
does the same on real corpora.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import List, Set, Tuple

import pytest
from expectations import FIXTURES

from mocklint.analysis.mock_values import candidates
from mocklint.analysis.pytest_model import project
from mocklint.diagnostic import Diagnostic
from mocklint.engine import Engine
from mocklint.registry import ALL_RULES
from mocklint.rule import AllOf, AnyOf, Rule, gate, gate_all, literal_prefix
from mocklint.settings import Selection

FILES = sorted(p for p in FIXTURES.rglob("*.py") if "crashes" not in p.parts)


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [
        (r"\bdef\s+test", "def"),
        (r"usefixtures", "usefixtures"),
        (r"(?:abc)?def", ""),  # an optional group
        (r"a|bcd", ""),  # top-level alternation
        (r"(?:foo|bar)x", ""),
        (r"abcd?e", "abc"),  # the optional `d` is cut
        (r"ab", ""),  # too short to be worth it
        (r"asyncio\.run\b", "asyncio.run"),
        (r"\.\s*addcall\b", ""),
        (r"(?i)mock", ""),  # flags: no prefix
        (r"x*yz", ""),
        (r"[ab]cd", ""),
    ],
)
def test_literal_prefix(pattern: str, prefix: str) -> None:
    assert literal_prefix(pattern) == prefix


def _plain(compiled: "AnyOf | AllOf") -> List[re.Pattern]:
    """The gate as plain regular expressions, all of which must match."""
    if isinstance(compiled, AllOf):
        return [re.compile(part) for part in compiled.pattern.split(" AND ")]
    return [re.compile(compiled.pattern)]


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_fast_gates_agree_with_the_plain_regex(rule: type) -> None:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in FILES]
    # near misses for the \b and literal-prefix logic
    texts += ["_pytest.config", "xdef test_a(): pass", "monkeypatch.setattr", "def  test", "from pytest import (\n"]
    plain = _plain(rule.gate)
    for text in texts:
        assert bool(rule.gate.search(text)) == all(p.search(text) for p in plain), (rule.code, text[:80])


def test_gate_helpers_match_like_re() -> None:
    g = gate(r"\bpytest\s*\.\s*config\b", r"\bdef\s+test")
    assert g.search("x = _pytest.config; pytest.config").group() == "pytest.config"
    assert not g.search("_pytest.config")
    assert g.search("xdef test") is None and g.search("def  test")
    both = gate_all(r"\byield\b", r"\bdef\s+test")
    assert both.search("def test(): yield") and not both.search("def test(): yielded")


#: (path, diagnostic) for every finding of a lint of the suite
Linted = Set[Tuple[str, Diagnostic]]


def _lint_all(engine: Engine) -> Linted:
    """Every fixture file and project linted by ``engine``, with a fresh project model."""
    project.clear_caches()
    try:
        return {(str(p), d) for p in FILES for d in engine.lint(p.read_text(encoding="utf-8"), str(p)).diagnostics}
    finally:
        project.clear_caches()


@pytest.fixture(scope="module")
def as_shipped() -> Tuple[Linted, Engine]:
    """The whole suite linted with every prefilter on, as mocklint runs: what
    the two comparisons below share (one lint of the suite instead of two)."""
    engine = Engine()
    assert engine.skip_bodies, "the default engine drops unread bodies"
    return _lint_all(engine), engine


@pytest.mark.slow  # every fixture file through the engine, with and without the prefilters
def test_might_report_never_changes_a_finding(
    as_shipped: Tuple[Linted, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every fixture file and project, linted with the prefilters and with every
    ``might_report`` forced to True: the same findings."""
    for rule in ALL_RULES:
        monkeypatch.setattr(rule, "might_report", classmethod(lambda cls, tree, source, path: True))
    without = {(path, d.line, d.column, d.code) for path, d in _lint_all(Engine())}
    assert {(path, d.line, d.column, d.code) for path, d in as_shipped[0]} == without
    assert len(without) > 300  # the suite's findings, not an empty comparison


@pytest.mark.slow  # every fixture file through the engine, with the matching everywhere
def test_matching_only_where_mocks_may_reach_project_code_never_changes_a_finding(
    as_shipped: Tuple[Linted, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cross-module matching runs only where the mock rules' candidate
    index (``analysis.mock_values.candidates``) says a mock may reach project
    code, and such a file is read whole: with that answer forced to yes
    everywhere, the same findings."""
    monkeypatch.setattr(candidates.CandidateIndex, "hands_mocks_to_project", lambda self: True)
    everywhere = {(path, d.line, d.column, d.code) for path, d in _lint_all(Engine())}
    assert {(path, d.line, d.column, d.code) for path, d in as_shipped[0]} == everywhere


@pytest.mark.slow  # every fixture file through the engine, with and without the unread bodies
def test_dropping_unread_bodies_never_changes_a_diagnostic(as_shipped: Tuple[Linted, Engine]) -> None:
    """Every fixture file and project, linted with the bodies no rule reads
    replaced by ``pass`` and in full: the same diagnostics, messages and fixes
    included (``test_bodies.py`` checks the reduction itself)."""
    (reduced, engine), full = as_shipped, _lint_all(Engine(skip_bodies=False))
    assert reduced == full
    assert len(full) > 300 and engine.skipped_lines > 50  # something was dropped, and nothing lost


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_each_rule_alone_reads_the_bodies_it_needs(rule: type) -> None:
    """With one rule selected, only its own filter keeps bodies: its fixture
    folder gives the same diagnostics with the unread bodies dropped."""
    files = sorted(p for p in (FIXTURES / rule.name).rglob("*.py") if "crashes" not in p.parts)
    assert files
    results = []
    for skip in (True, False):
        project.clear_caches()
        engine = Engine(Selection(select=(rule.code,)), skip_bodies=skip)
        results.append(
            {(str(p), d) for p in files for d in engine.lint(p.read_text(encoding="utf-8"), str(p)).diagnostics}
        )
    project.clear_caches()
    assert results[0] == results[1]
    assert results[1]


def test_async_mocks_reached_through_a_magic_mock_are_seen(tmp_path: Path) -> None:
    """Only `MagicMock` is imported, yet `async with factory() as session` makes
    `session` an AsyncMock (what its `__aenter__` returns)."""
    source = (
        "from unittest.mock import MagicMock\n\n\n"
        "async def test_fetch():\n"
        "    factory = MagicMock()\n"
        "    async with factory() as session:\n"
        "        async with session.get('/x'):\n"
        "            pass\n"
    )
    path = tmp_path / "test_session.py"
    path.write_text(source, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    project.clear_caches()
    found = [d.code for d in Engine().lint(source, str(path)).diagnostics]
    assert found == ["MCK101"]


def test_might_report_spares_libcst() -> None:
    """The point of it: a test module whose fixtures all come from its conftest
    and that holds no mock reaches no libcst parse; a missing fixture does."""
    root = FIXTURES / "projects" / "dependency_chain"
    project.clear_caches()
    engine = Engine()
    tests = sorted(root.rglob("test_*.py"))
    assert tests
    results = [engine.lint(p.read_text(encoding="utf-8"), str(p)) for p in tests]
    flagged = [r for r in results if r.diagnostics]
    clean_unparsed = [r for r in results if not r.diagnostics and not r.parsed]
    assert flagged and all(r.parsed for r in flagged)
    assert clean_unparsed, "some clean test module should be decided without libcst"


def test_default_might_report_is_true() -> None:
    class Plain(Rule):
        pass

    assert Plain.might_report(ast.parse(""), "", None) is True
