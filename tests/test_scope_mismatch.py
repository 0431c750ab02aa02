"""What the generic fixture tests cannot show for MCK303 fixture-scope-mismatch (issue #19, item 4).

``test_rules.py`` lints ``tests/fixtures/fixture-scope-mismatch/`` and
``test_runtime.py`` runs its top-level files and conftest.py files under the
repository's pytest, without plugins.  Here:

- the scopes mocklint reads: fixture definitions, pytest's built-in fixtures
  (installed and from the bundled tables) and plugin fixtures (the table
  ``scripts/generate_plugin_fixtures.py`` writes);
- the places it stays silent (a scope decided at run time, an unknown plugin,
  an ``addopts`` that may set the loop scope, a pytest-asyncio older than
  0.24) and ``might_report`` on both sides;
- slow: the pytest-mock and pytest-asyncio fixture folders run under those
  plugins (pytest-asyncio 0.24 and 1.x), and the plugin-free files under the
  oldest pytest mocklint supports, each in a cached virtualenv
  (``support.tool_venv``): every flagged test errors with pytest's
  ``ScopeMismatch`` and every other test passes.
"""

from __future__ import annotations

import ast
import os
import re
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
from expectations import FIXTURES, labels
from support import bin_dir, test_line_ranges, tool_venv
from test_new_rules import PLUGIN_REQUIREMENTS, _copy, _run

from mocklint.analysis.pytest_model import builtin_fixtures, project
from mocklint.analysis.pytest_model.fixture_defs import parse_and_extract
from mocklint.analysis.pytest_model.plugin_fixtures import plugin_scope, scan_scopes
from mocklint.engine import Engine
from mocklint.rules.fixture_scope_mismatch import FixtureScopeMismatch
from mocklint.settings import Selection

FOLDER = FIXTURES / "fixture-scope-mismatch"
_FAILS = re.compile(r"#\s*fails:")
_SCOPE_MISMATCH = re.compile(r"ScopeMismatch: You tried to access the \w+ scoped fixture \w+ with a \w+ scoped request")


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    project.clear_caches()
    yield
    project.clear_caches()


def _lint(root: Path, files: Dict[str, str], target: str) -> List[Tuple[int, str]]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    path = root / target
    result = Engine(Selection(select=("MCK303",))).lint(path.read_text(encoding="utf-8"), str(path))
    assert result.internal_error is None, result.internal_error
    return [(d.line, d.message) for d in result.diagnostics if d.code == "MCK303"]


# -- the scopes mocklint reads -------------------------------------------------------------
def test_fixture_definitions_carry_their_literal_scope(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import pytest
        import pytest_asyncio

        @pytest.fixture
        def plain(): ...

        @pytest.fixture(scope="session", autouse=True)
        def wide(): ...

        @pytest.fixture(scope=lambda fixture_name, config: "module")
        def dynamic(): ...

        SCOPE = "module"

        @pytest.fixture(scope=SCOPE)
        def by_name(): ...

        @pytest.fixture("module")
        def positional(): ...

        @pytest_asyncio.fixture(scope="class", loop_scope="class")
        async def asynchronous(): ...

        def _impl(): ...

        called = pytest.fixture(_impl, scope="package")
        options_first = pytest.fixture(scope="module")(_impl)
        """
    )
    facts = parse_and_extract(source, str(tmp_path / "conftest.py"))
    assert facts is not None
    scopes = {name: defs[-1].scope for name, defs in facts.fixtures.items()}
    assert scopes == {
        "plain": "function",
        "wide": "session",
        "dynamic": None,
        "by_name": None,
        "positional": None,
        "asynchronous": "class",
        "called": "package",
        "options_first": "module",
    }


def test_scan_scopes_reads_what_plugins_write() -> None:
    source = textwrap.dedent(
        """\
        import pytest

        def _mocker(pytestconfig): ...

        mocker = pytest.fixture()(_mocker)
        class_mocker = pytest.fixture(scope="class")(_mocker)

        @pytest.fixture(scope="session")
        def factory(): ...

        class Plugin:
            @pytest.fixture
            def twice(self): ...

        class Other:
            @pytest.fixture(scope="module")
            def twice(self): ...
        """
    )
    assert scan_scopes(source) == {"mocker": "function", "class_mocker": "class", "factory": "session", "twice": None}


def test_builtin_scopes_from_the_installed_pytest_and_from_the_tables() -> None:
    for builtins in (builtin_fixtures.builtins(), builtin_fixtures._from_tables()):
        assert builtins.scopes["monkeypatch"] == builtins.scopes["tmp_path"] == builtins.scopes["cache"] == "function"
        assert builtins.scopes["tmp_path_factory"] == builtins.scopes["pytestconfig"] == "session"
        assert "request" not in builtins.scopes


def test_plugin_scopes_from_the_bundled_table() -> None:
    assert plugin_scope("mocker") == "function"
    assert plugin_scope("class_mocker") == "class"
    assert plugin_scope("session_mocker") == "session"
    assert plugin_scope("django_db_setup") == "session"
    assert plugin_scope("no_plugin_defines_this") is None


# -- silence where unsure, and the lookup ----------------------------------------------------
def test_an_unknown_plugin_fixture_and_a_dynamic_scope_are_left_alone(tmp_path: Path) -> None:
    files = {
        "pytest.ini": "[pytest]\n",
        "requirements-test.txt": "pytest\npytest-unknown-to-mocklint\n",
        "test_a.py": """\
            import pytest

            @pytest.fixture(scope="module")
            def wide(something_a_plugin_defines):
                return 1

            @pytest.fixture(scope=lambda fixture_name, config: "module")
            def dynamic(monkeypatch):
                return 1

            @pytest.fixture(scope="module")
            def known(monkeypatch):
                return 1
            """,
    }
    assert [line for line, _ in _lint(tmp_path, files, "test_a.py")] == [12]


def test_the_definition_pytest_picks_is_the_nearest_to_the_requesting_fixture(tmp_path: Path) -> None:
    """``port`` is function-scoped in the root conftest.py and session-scoped in
    ``api/conftest.py``: a module-scoped fixture of ``api/`` is fine, one of the
    root folder is not, and neither is one in a module that overrides ``port``
    with a narrower scope again."""
    files = {
        "pytest.ini": "[pytest]\n",
        "conftest.py": """\
            import pytest

            @pytest.fixture
            def port():
                return 1

            @pytest.fixture(scope="module")
            def root_server(port):
                return port
            """,
        "api/conftest.py": """\
            import pytest

            @pytest.fixture(scope="session")
            def port():
                return 2
            """,
        "api/test_api.py": """\
            import pytest

            @pytest.fixture(scope="module")
            def api_server(port):
                return port
            """,
        "api/test_local.py": """\
            import pytest

            @pytest.fixture
            def port():
                return 3

            @pytest.fixture(scope="module")
            def local_server(port):
                return port
            """,
    }
    assert [line for line, _ in _lint(tmp_path, files, "conftest.py")] == [8]
    assert _lint(tmp_path, files, "api/test_api.py") == []
    assert [line for line, _ in _lint(tmp_path, files, "api/test_local.py")] == [8]


def test_a_fixture_pytest_asyncio_leaves_alone_is_not_checked_for_its_loop(tmp_path: Path) -> None:
    """Strict mode: an async ``@pytest.fixture`` is no pytest-asyncio fixture (MCK221's
    concern); a loop scope ``addopts`` may set, or a pytest-asyncio before 0.24, is unknown."""
    fixture = """\
        import pytest
        import pytest_asyncio

        @pytest.fixture(scope="module")
        async def plain():
            return 1

        @pytest_asyncio.fixture(scope="module")
        async def handled():
            return 1
        """
    strict = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    found = _lint(tmp_path / "strict", {"pytest.ini": strict, "test_a.py": fixture}, "test_a.py")
    assert [line for line, _ in found] == [9]
    addopts = strict + "addopts = -o asyncio_default_fixture_loop_scope=module\n"
    assert _lint(tmp_path / "addopts", {"pytest.ini": addopts, "test_a.py": fixture}, "test_a.py") == []
    old = {"pytest.ini": strict, "requirements.txt": "pytest\npytest-asyncio<0.24\n", "test_a.py": fixture}
    assert _lint(tmp_path / "old", old, "test_a.py") == []


@pytest.mark.parametrize(
    ("source", "might"),
    [
        ("import pytest\n\n@pytest.fixture(scope='module')\ndef a(monkeypatch):\n    pass\n", True),
        ("import pytest\n\nclass TestA:\n    @pytest.fixture(scope='class')\n    def a(self):\n        pass\n", True),
        ("import pytest\n\nx = pytest.fixture(scope='session')(len)\n", True),
        ("import pytest\n\n@pytest.fixture(scope='function')\ndef a(monkeypatch):\n    pass\n", False),
        ("import pytest\n\ndef helper():\n    return dict(scope='module')\n", False),
    ],
)
def test_might_report(source: str, might: bool, tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    path = str(tmp_path / "test_a.py")
    assert FixtureScopeMismatch.might_report(ast.parse(source), source, path) is might
    assert not FixtureScopeMismatch.might_report(ast.parse(source), source, str(tmp_path / "helpers.py"))


# -- execution under the plugins and the oldest pytest -------------------------------------------
def _flagged_tests(path: Path) -> Set[str]:
    """The tests of a fixture file that hold a label or say ``# fails:``."""
    flagged = {label.line for label in labels(path, path.parent)}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {
        name
        for name, (first, last) in test_line_ranges(path.read_text(encoding="utf-8")).items()
        if any(first <= line <= last for line in flagged)
        or any(_FAILS.search(lines[i - 1]) for i in range(first, last + 1))
    }


def _check_run(python: str, folder: Path, target: str, tmp_path: Path, autoload: bool) -> None:
    work = _copy(folder, tmp_path)
    _, outcomes, output = _run(python, work, target, autoload=autoload)
    path = folder / target
    flagged = _flagged_tests(path)
    assert flagged and set(test_line_ranges(path.read_text(encoding="utf-8"))) == set(outcomes), output
    for name, (status, message) in outcomes.items():
        if name in flagged:
            assert status == "error" and _SCOPE_MISMATCH.search(message), f"{name}: {status} {message}\n{output}"
        else:
            assert status == "passed", f"{name}: {status} {message}\n{output}"


#: pytest-asyncio 0.24, the first release with loop scopes, on the pytest it supports; and 1.x
ASYNCIO_VENVS = {
    "0.24": ("scope-asyncio-0.24", ("pytest==8.3.5", "pytest-asyncio==0.24.0")),
    "1.x": ("async-projects", PLUGIN_REQUIREMENTS),
}


def _python(name: str, requirements: Tuple[str, ...]) -> str:
    venv = tool_venv(name, requirements, with_checkout=False)
    return str(bin_dir(venv) / ("python.exe" if os.name == "nt" else "python"))


@pytest.mark.slow  # installs pytest-mock into a cached virtualenv
def test_mocker_scopes_under_pytest_mock(tmp_path: Path) -> None:
    _check_run(_python(*ASYNCIO_VENVS["1.x"]), FOLDER / "pytest_mock", "test_mocker.py", tmp_path, autoload=True)


@pytest.mark.slow  # installs pytest-asyncio into cached virtualenvs
@pytest.mark.parametrize("release", sorted(ASYNCIO_VENVS))
@pytest.mark.parametrize(
    ("folder", "target"),
    [
        ("asyncio_function_default", "test_default_loop_scope.py"),
        ("asyncio_unset", "test_loop_scope.py"),
        ("asyncio_auto", "test_auto_mode.py"),
    ],
)
def test_loop_scopes_under_pytest_asyncio(release: str, folder: str, target: str, tmp_path: Path) -> None:
    _check_run(_python(*ASYNCIO_VENVS[release]), FOLDER / folder, target, tmp_path, autoload=True)


@pytest.mark.slow  # installs the oldest pytest mocklint supports into a cached virtualenv
@pytest.mark.parametrize("target", ["test_builtin_fixtures.py", "test_project_fixtures.py"])
def test_scope_mismatch_under_pytest_8_0(target: str, tmp_path: Path) -> None:
    _check_run(_python("scope-pytest-8.0", ("pytest==8.0.0",)), FOLDER, target, tmp_path, autoload=False)


def test_the_message_names_the_wider_stand_in() -> None:
    path = FOLDER / "pytest_mock" / "test_mocker.py"
    result = Engine(Selection(select=("MCK303",))).lint(path.read_text(encoding="utf-8"), str(path))
    messages = [d.message for d in result.diagnostics]
    assert len(messages) == 2 and messages[0].endswith(
        'pytest errors at setup with "ScopeMismatch: You tried to access the function scoped fixture mocker '
        'with a module scoped request object"; use `module_mocker` instead'
    ), messages
