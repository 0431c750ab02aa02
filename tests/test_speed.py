"""Speed where users feel it (#22), checked for what it must keep exact.

- Positions come from one code generation for the reported nodes only
  (``mocklint.analysis.syntax.positions``): they must be exactly libcst's
  ``PositionProvider`` ranges, for every node of every fixture file, and the
  engine's findings and fixes must not change.
- The flake8 plugin is cheap to load (the engine is imported when a file needs
  it) and keeps its results in the command's result cache: an unchanged file
  is answered from it, a changed dependency (a conftest.py) is linted again,
  and ``--mocklint-no-cache`` or ``cache = false`` turns it off.

Nothing here asserts a duration: what is counted is imports and engine runs.
Imports are counted in new processes; engine runs also in this process, in
the everyday set (``front_ends.MODES``; the new processes in the ``slow`` set).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import front_ends
import libcst as cst
import pytest

from mocklint import engine as engine_module
from mocklint.analysis.syntax import positions as positions_module
from mocklint.analysis.syntax.positions import positions_of
from mocklint.analysis.syntax.tree import descendants
from mocklint.engine import Engine
from mocklint.files import SourceError, read_source
from support import count_statement_answers, provider_positions

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.rglob("*.py"))


def _sources() -> Dict[Path, str]:
    """The fixture files, as the command reads them."""
    found = {}
    for path in FIXTURE_FILES:
        try:
            found[path] = read_source(str(path))
        except SourceError:
            continue
    return found


def _parsed(source: str) -> Optional[cst.Module]:
    """The libcst tree of ``source``, when the engine would parse it (some
    fixtures are built to be too deep or too large for libcst)."""
    problem, tree = engine_module._syntax_tree(source, None)
    if problem or tree is None or engine_module._beyond_limits(tree, source):
        return None
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: List[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


# -- 2. positions without the metadata pass ----------------------------------------
@pytest.mark.slow  # every fixture file through libcst, twice
def test_positions_are_the_providers_for_every_node_of_every_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every node at once (the whole module generated: the module node is asked
    for), then the meaningful nodes at once and some on their own, without and
    with the text and ``ast`` tree the engine passes (the module generated up to
    the nodes; only the statements holding them)."""
    answered = count_statement_answers(monkeypatch)
    compared = files = 0
    for path, source in _sources().items():
        module = _parsed(source)
        if module is None:
            continue
        collector = _Nodes()
        module.visit(collector)
        expected = provider_positions(module)
        found = positions_of(module, collector.nodes)
        assert dict(found) == {node: expected[node] for node in collector.nodes}, path
        compared += len(collector.nodes)
        tree = ast.parse(source.lstrip("\ufeff"))
        meaningful = [node for node in descendants(module) if node is not module]
        before = len(answered)
        for nodes in [meaningful, *([node] for node in meaningful[::23])]:
            found = positions_of(module, nodes, source, tree)
            assert dict(found) == {node: expected[node] for node in nodes}, (path, nodes[0])
        for nodes in [meaningful, *([node] for node in meaningful[::92])]:
            found = positions_of(module, nodes)  # the module generated from its start, up to the nodes
            assert dict(found) == {node: expected[node] for node in nodes}, (path, nodes[0])
        files += bool(meaningful)
        # every file with a statement (none has a carriage return): all from the statements alone
        assert answered[before:] == ([True] * (len(meaningful[::23]) + 1) if meaningful else []), path
    assert compared > 100_000
    assert files > 450


@pytest.mark.parametrize(
    "source",
    [
        "x = 1",  # no final newline: the last token is popped
        "@decorator\n# a comment\ndef f(a,\n      b):  # x\n    return (a +\n            b)\n",
        "class C(Base, metaclass=M):\n\n    async def m(self): await x\n",
        "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n",
        "x = 1\r\ny = 2\r\n",  # carriage returns: the provider itself answers
        "s = f'{a!r:>{width}}' 'b' \"c\"\n",
        "\ufeffimport os\n",
    ],
)
def test_positions_of_edge_cases(source: str) -> None:
    module = cst.parse_module(source)
    collector = _Nodes()
    module.visit(collector)
    expected = provider_positions(module)
    assert dict(positions_of(module, collector.nodes)) == {node: expected[node] for node in collector.nodes}


def test_positions_of_only_the_nodes_asked_for() -> None:
    module = cst.parse_module("def f():\n    return g(1)\n")
    call = module.body[0].body.body[0].body[0].value  # type: ignore[attr-defined]
    found = positions_of(module, [call])
    assert list(found) == [call]
    assert found[call] == provider_positions(module)[call]
    assert positions_of(module, []) == {}


@pytest.mark.slow  # every fixture file through the engine, twice
def test_findings_and_fixes_are_those_of_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fixture file through the engine with positions from the new code and
    from the provider: the same diagnostics, and the same fixes (TextEdits)."""
    sources = _sources()

    def lint_all() -> Dict[Path, list]:
        engine = Engine()
        return {
            path: [(d, d.fix) for d in engine.lint(source, str(path)).diagnostics]
            for path, source in sources.items()
        }

    answered = count_statement_answers(monkeypatch)
    new = lint_all()
    # the engine passes its text and tree: the statements holding the nodes answered
    assert answered.count(True) > 100 and answered.count(False) == 0
    # the engine imports positions_of where it needs it (libcst's metadata only with findings)
    provided: List[int] = []

    def provider(module, nodes, *text_and_tree):  # type: ignore[no-untyped-def]
        provided.append(1)
        return provider_positions(module)

    monkeypatch.setattr(positions_module, "positions_of", provider)
    old = lint_all()
    assert provided, "the engine did not take its positions from the provider"
    assert new == old
    assert sum(len(found) for found in new.values()) > 300
    assert sum(fix is not None for found in new.values() for _, fix in found) > 50


# -- 1. and 3. the flake8 plugin: loading, and the result cache ---------------------
def _flake8(args: List[str], cwd: Path, env: Mapping[str, str] = {}) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "MCK", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


#: run flake8 in-process and say which modules it imported, and how many files the engine linted
COUNTING_FLAKE8 = textwrap.dedent(
    """
    import json, sys
    from flake8.main.cli import main
    linted = []
    def count():
        from mocklint.engine import Engine
        lint = Engine.lint
        def counting(self, source, path=None, tree=None):
            linted.append(path)
            return lint(self, source, path, tree)
        Engine.lint = counting
    if sys.argv[1] == "count":
        count()
    try:
        main(sys.argv[2:])
    except SystemExit:
        pass
    print(json.dumps({"linted": linted, "libcst": "libcst" in sys.modules,
                      "engine": "mocklint.engine" in sys.modules}))
    """
)


def _counted(project: Path, *args: str, count: bool = True) -> Dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", COUNTING_FLAKE8, "count" if count else "plain", "-j1", "--select", "MCK", *args, "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    last = proc.stdout.strip().splitlines()[-1]
    result: Dict[str, object] = json.loads(last)
    result["output"] = proc.stdout
    return result


def _linted(project: Path, *args: str, mode: str) -> Dict[str, object]:
    """What ``_counted`` says of the engine's runs (``linted``, ``output``): from a
    new process, or from flake8 in this one (``front_ends``) with ``Engine.lint`` counted."""
    if mode == front_ends.SUBPROCESS:
        return _counted(project, *args)
    linted: List[Optional[str]] = []
    lint = Engine.lint

    def counting(self: Engine, source: str, path: Optional[str] = None, tree: object = None) -> object:
        linted.append(path)
        return lint(self, source, path, tree)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(Engine, "lint", counting)
        done = front_ends.run("flake8", ["-j1", "--select", "MCK", *args, "."], project, mode=mode)
    return {"linted": linted, "output": front_ends.as_text(done).stdout}


FLAGGED = "import pytest\n\nX = pytest.config\n"
FIXTURE_TEST = "def test_one(shared):\n    assert shared\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    (root / "tests" / "test_flagged.py").write_text(FLAGGED, encoding="utf-8")
    (root / "tests" / "test_fixture.py").write_text(FIXTURE_TEST, encoding="utf-8")
    (root / "tests" / "conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef shared():\n    return 1\n", encoding="utf-8"
    )
    return root


def test_loading_the_plugin_imports_neither_the_engine_nor_libcst(tmp_path: Path) -> None:
    """flake8 loads every plugin at start-up; mocklint's must not import the
    engine (libcst and the rules) before a file needs it: ``--version`` does not."""
    code = (
        "import sys\nfrom flake8.main.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print('libcst' in sys.modules, 'mocklint.engine' in sys.modules, 'mocklint.flake8_plugin' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "mocklint" in proc.stdout  # flake8 --version names its plugins: it loaded ours
    assert proc.stdout.strip().splitlines()[-1].split() == ["False", "False", "True"], proc.stdout


def test_an_unchanged_project_is_answered_from_the_cache(project: Path) -> None:
    cold = _counted(project)
    # the conftest.py matches no rule's gate: the shipped gates answer it, without the engine
    assert sorted(os.path.basename(str(p)) for p in cold["linted"]) == [  # type: ignore[union-attr]
        "test_fixture.py", "test_flagged.py"]
    assert "MCK201" in str(cold["output"])
    warm = _counted(project, count=False)
    assert warm["linted"] == [] and warm["libcst"] is False and warm["engine"] is False
    assert "MCK201" in str(warm["output"])
    assert (project / ".mocklint_cache" / "CACHEDIR.TAG").is_file()


@pytest.mark.parametrize("mode", front_ends.MODES)  # flake8 in this process (everyday), in new ones (slow)
def test_a_changed_dependency_lints_the_dependent_file_again(project: Path, mode: str) -> None:
    _linted(project, mode=mode)
    unchanged = _linted(project, mode=mode)
    assert unchanged["linted"] == [] and "MCK301" not in str(unchanged["output"])
    # the conftest no longer defines `shared`: test_fixture.py must be linted again and get MCK301
    (project / "tests" / "conftest.py").write_text("import pytest\n", encoding="utf-8")
    again = _linted(project, mode=mode)
    linted = sorted(os.path.basename(str(p)) for p in again["linted"])  # type: ignore[union-attr]
    assert "test_fixture.py" in linted
    assert "MCK301" in str(again["output"])


@pytest.mark.parametrize("mode", front_ends.MODES)  # flake8 in this process (everyday), in new ones (slow)
def test_the_cache_can_be_turned_off(project: Path, mode: str) -> None:
    _linted(project, "--mocklint-no-cache", mode=mode)
    assert not (project / ".mocklint_cache").exists()
    # every file but the conftest.py, which no rule's gate matches
    assert len(_linted(project, "--mocklint-no-cache", mode=mode)["linted"]) == 2  # type: ignore[arg-type]
    (project / "pyproject.toml").write_text("[tool.mocklint]\ncache = false\n", encoding="utf-8")
    _linted(project, mode=mode)
    assert len(_linted(project, mode=mode)["linted"]) == 2  # type: ignore[arg-type]
    assert not (project / ".mocklint_cache").exists()


@pytest.mark.slow  # three flake8 processes, two with --jobs workers
def test_jobs_share_the_cache_and_give_the_same_findings(project: Path) -> None:
    for n in range(6):
        (project / "tests" / f"test_more_{n}.py").write_text(FLAGGED, encoding="utf-8")
    serial = _flake8(["--mocklint-no-cache", "."], project).stdout
    parallel = _flake8(["-j2", "."], project).stdout
    warm = _flake8(["-j2", "."], project).stdout
    assert sorted(serial.splitlines()) == sorted(parallel.splitlines()) == sorted(warm.splitlines())
    assert serial.count("MCK201") == 7
    entries = list((project / ".mocklint_cache").rglob("*.json"))
    # one entry per file some rule's gate matches (not the conftest.py, which the shipped gates answer)
    assert len(entries) == 8 and not list((project / ".mocklint_cache").rglob("*.tmp"))


@pytest.mark.parametrize("mode", front_ends.MODES)  # the command in this process (everyday), in a new one (slow)
def test_the_command_honours_cache_false(project: Path, mode: str) -> None:
    (project / "pyproject.toml").write_text("[tool.mocklint]\ncache = false\n", encoding="utf-8")
    proc = front_ends.as_text(front_ends.run("mocklint", ["tests"], project, timeout=300, mode=mode))
    assert "MCK201" in proc.stdout
    assert not (project / ".mocklint_cache").exists()


def test_the_gate_table_answers_what_the_gates_answer() -> None:
    """The gates shipped as data (``mocklint.gates``) are the rules' own, and
    match exactly the files some selected rule's gate matches: every fixture
    file, and each file cut short, for every rule alone and for all of them."""
    from mocklint import gates
    from mocklint.registry import ALL_RULES

    table = gates.GateTable.of_rules(ALL_RULES)
    assert table is not None
    stored = gates.shipped()
    assert stored is not None and stored.to_json() == table.to_json()
    assert gates.GateTable.from_json(json.loads(table.render())).to_json() == table.to_json()
    texts = [text for source in _sources().values() for text in (source, source[: len(source) // 3], source[-200:])]
    texts += ["", "x = 1\n", '"""Settings."""\nTIMEOUT = 3\n']
    for text in texts:
        assert stored.matches(text) == any(rule.gate.search(text) for rule in ALL_RULES), text[:200]
        for rule in ALL_RULES:
            alone = stored.matches(text, lambda code, rule=rule: code == rule.code)  # type: ignore[misc]
            assert alone == bool(rule.gate.search(text)), (rule.code, text[:200])
    assert not stored.matches("x = 1\n") and stored.matches(FLAGGED)


@pytest.mark.parametrize("broken", ["", "{}", '[["MCK101", []]]', '[["MCK101", [["x", "("]]]]', "[" * 10_000])
def test_an_unreadable_gate_table_leaves_the_answer_to_the_engine(
    broken: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A damaged ``gates.json`` is not trusted (the callers then import the engine)."""
    from mocklint import gates

    (tmp_path / "gates.json").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(gates, "SHIPPED", str(tmp_path / "gates.json"))
    monkeypatch.setattr(gates, "_SHIPPED", [])
    assert gates.shipped() is None


def test_a_gate_whose_pattern_does_not_compile_leaves_the_answer_to_the_engine() -> None:
    """Patterns are compiled when first searched: one that does not compile matches (the engine decides)."""
    from mocklint import gates

    table = gates.GateTable.from_json([["MCK101", [[["x", "x("]]]], ["MCK102", [[["y", "y"]]]]])
    assert not table.matches("nothing here")  # the literal is missing: never compiled
    assert table.matches("x marks the spot")
    assert table.matches("y", lambda code: code == "MCK102") and not table.matches("x", lambda code: code == "MCK102")


@pytest.mark.parametrize("cache", [[], ["--mocklint-no-cache"]])
def test_a_new_file_no_gate_matches_is_answered_without_the_engine(project: Path, cache: List[str]) -> None:
    """One new module without tests or mocks, as pre-commit hands it over: on
    the first run, cache or not, flake8 imports neither the engine nor libcst
    for it (the gates are shipped as data), and writes no cache entry for it."""
    settings = project / "settings.py"
    settings.write_text('"""Settings."""\nTIMEOUT = 3\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", COUNTING_FLAKE8, "plain", "--select", "MCK", *cache, "settings.py"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["engine"] is False and found["libcst"] is False, proc.stdout + proc.stderr
    assert not list((project / ".mocklint_cache").rglob("*.json")), "nothing to keep for such a file"
    # and a new file that does need the rules gets them
    (project / "tests" / "test_new.py").write_text(FLAGGED, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", COUNTING_FLAKE8, "plain", "--select", "MCK", "tests/test_new.py"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )
    assert "MCK201" in proc.stdout and json.loads(proc.stdout.strip().splitlines()[-1])["engine"] is True
