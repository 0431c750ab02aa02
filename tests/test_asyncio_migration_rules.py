"""MCK219-MCK221 (issue #19, items 1-3): what the generic fixture tests cannot show.

``test_rules.py`` lints each fixture folder; its sub-folders are small projects
with their own ``pytest.ini`` and ``requirements.txt`` (the declarations that
say which pytest-asyncio, anyio or pytest-trio the tests run with).  Here:

- the readers: ``asyncio_mode``/``trio_mode`` in the pytest configuration, and
  the pytest-asyncio versions the project model allows (declared, pinned,
  installed, unknown);
- the one owner of a request of the removed ``event_loop`` (MCK301), the fix
  of MCK219, the cases where the rules must stay silent, ``might_report``;
- execution (``slow``): each fixture project runs under the releases its
  findings name, in virtualenvs cached outside the repository
  (``support.tool_venv``), and the tests the findings flag fail (or skip) with
  the error the finding quotes while every other test passes.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Set, Tuple

import pytest
from expectations import FIXTURES
from support import bin_dir, junit_outcomes, test_line_ranges, tool_venv

from mocklint.analysis.pytest_model import async_plugins as async_plugins_module
from mocklint.analysis.pytest_model import project
from mocklint.analysis.pytest_model.async_plugins import async_plugins
from mocklint.analysis.pytest_model.plugin_fixtures import InstalledPlugin
from mocklint.analysis.pytest_model.pytest_config import locate
from mocklint.engine import Engine
from mocklint.fixes import fix_source
from mocklint.registry import ALL_RULES
from mocklint.settings import Selection

EVENT_LOOP = FIXTURES / "pytest-asyncio-event-loop"
ASYNC_TESTS = FIXTURES / "async-test-without-plugin"
ASYNC_FIXTURES = FIXTURES / "async-fixture-without-plugin"

#: the releases the findings name, one cached virtualenv each (the first is test_new_rules.py's)
ASYNCIO_1_5 = ("async-projects", ("pytest==9.2.0", "pytest-asyncio==1.5.0", "pytest-mock==3.15.1"))
ASYNCIO_1_0 = ("asyncio-1.0", ("pytest==8.4.2", "pytest-asyncio==1.0.0"))
ASYNCIO_0_26 = ("asyncio-0.26", ("pytest==8.3.5", "pytest-asyncio==0.26.0"))
ASYNCIO_0_23 = ("asyncio-0.23", ("pytest==8.3.5", "pytest-asyncio==0.23.8"))
ANYIO = ("anyio-4", ("pytest==9.2.0", "anyio==4.16.0"))

NOT_SUPPORTED = "async def functions are not natively supported"
SKIPPED_8_3 = "async def function and no async plugin installed"


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    project.clear_caches()
    yield
    project.clear_caches()


def _lint(code: str, path: Path, source: str = "") -> List:
    text = source or path.read_text(encoding="utf-8")
    result = Engine(Selection(select=(code,))).lint(text, str(path))
    assert result.internal_error is None, result.internal_error
    return [d for d in result.diagnostics if d.code == code]


def _project(root: Path, files: Dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- the readers -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text", "mode", "trio_mode"),
    [
        ("pytest.ini", "[pytest]\nasyncio_mode = auto\n", "auto", False),
        ("pytest.ini", "[pytest]\nasyncio_mode = auto\naddopts = --asyncio-mode=strict\n", "strict", False),
        ("pytest.ini", "[pytest]\naddopts = -p no:cacheprovider --asyncio-mode auto\n", "auto", False),
        ("pytest.ini", "[pytest]\ntrio_mode = true\n", None, True),
        ("pytest.ini", "[pytest]\ntrio_mode = false\n", None, False),
        ("pyproject.toml", '[tool.pytest.ini_options]\nasyncio_mode = "auto"\ntrio_mode = true\n', "auto", True),
        ("pytest.ini", "[pytest]\n", None, False),
    ],
)
def test_async_modes_are_read_from_the_configuration(
    name: str, text: str, mode: str, trio_mode: bool, tmp_path: Path
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    config = locate(str(tmp_path))
    assert (config.asyncio_mode, config.trio_mode) == (mode, trio_mode)


def _plugins(root: Path, files: Dict[str, str]):  # type: ignore[no-untyped-def]
    _project(root, {"pytest.ini": "[pytest]\n", **files})
    model = project.model_for_path(str(root / "test_x.py"))
    assert model is not None
    return async_plugins(model)


@pytest.mark.parametrize(
    ("requirements", "at_least_0_24", "at_least_1_0", "at_least_1_4"),
    [
        ({"requirements.txt": "pytest-asyncio==0.23.8\n"}, False, False, False),
        ({"requirements.txt": "pytest-asyncio>=0.24,<1\n"}, True, False, False),
        ({"requirements.txt": "pytest-asyncio==1.3.0\n"}, True, True, False),
        ({"requirements.txt": "pytest-asyncio\n"}, True, True, True),  # unpinned: the newest, as MCK301 reads it
        ({"requirements.txt": "pytest-asyncio\n", "constraints.txt": ""}, True, True, True),
        ({"requirements.txt": "pytest-asyncio==0.23.8\n", "requirements-dev.txt": "pytest-asyncio>=1\n"},
         None, None, None),
    ],
)
def test_pytest_asyncio_versions_follow_the_declarations(
    requirements: Dict[str, str], at_least_0_24: object, at_least_1_0: object, at_least_1_4: object, tmp_path: Path
) -> None:
    plugins = _plugins(tmp_path, requirements)
    assert plugins.asyncio is True
    found = (plugins.asyncio_at_least("0.24"), plugins.asyncio_at_least("1.0"), plugins.asyncio_at_least("1.4"))
    assert found == (at_least_0_24, at_least_1_0, at_least_1_4)


def test_an_installed_pytest_asyncio_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where pytest-asyncio is installed next to mocklint, its version is the one."""
    plugin = InstalledPlugin("asyncio", "pytest-asyncio", "pytest_asyncio.plugin", frozenset({"event_loop_policy"}))
    monkeypatch.setattr(async_plugins_module, "installed_plugins", lambda: (plugin,))
    monkeypatch.setattr(project.plugin_fixtures, "installed_plugins", lambda: (plugin,))
    real = async_plugins_module.reads.installed_distributions
    monkeypatch.setattr(
        async_plugins_module.reads,
        "installed_distributions",
        lambda: {**real(), "pytest-asyncio": ("1.0.0", "")},
    )
    plugins = _plugins(tmp_path, {"requirements.txt": "pytest-asyncio==0.23.8\n"})
    assert (plugins.asyncio_at_least("1.0"), plugins.asyncio_at_least("1.4")) == (True, False)
    assert plugins.asyncio_label == "1.0.0 (installed here)"


def test_what_may_run_coroutines_besides(tmp_path: Path) -> None:
    """Another plugin that runs coroutine tests, an unknown async-sounding one,
    the project's own plugin: nothing is certain."""
    cases = {
        "aiohttp0": {"requirements.txt": "pytest-asyncio==1.5.0\npytest-aiohttp==0.3.0\n"},
        "tornasync": {"requirements.txt": "pytest-asyncio==1.5.0\npytest-tornasync\n"},
        "unknown": {"requirements.txt": "pytest-asyncio==1.5.0\npytest-async-magic\n"},
        "own": {
            "requirements.txt": "pytest-asyncio==1.5.0\n",
            "pyproject.toml": '[project]\nname = "p"\n[project.entry-points.pytest11]\np = "p.plugin"\n',
        },
    }
    for name, files in cases.items():
        project.clear_caches()
        assert not _plugins(tmp_path / name, files).quiet_others, name
    project.clear_caches()
    plain = _plugins(tmp_path / "plain", {"requirements.txt": "pytest-asyncio==1.5.0\npytest-aiohttp==1.1.0\n"})
    assert plain.quiet_others and plain.asyncio


# -- MCK219 ------------------------------------------------------------------------------------
def test_event_loop_requests_have_one_owner() -> None:
    """A request of the removed ``event_loop`` is MCK301's (it knows which
    definitions a test sees); a project's own ``event_loop`` is MCK219's, at its
    definition, and no rule reports the tests requesting it."""
    engine = Engine(Selection(select=("MCK219", "MCK301")))
    removed = FIXTURES / "projects" / "asyncio_from_1" / "tests" / "test_loop.py"
    found = engine.lint(removed.read_text(encoding="utf-8"), str(removed)).diagnostics
    assert [(d.line, d.code) for d in found] == [(4, "MCK301")]
    overridden = EVENT_LOOP / "from_1" / "test_custom_loop.py"
    assert engine.lint(overridden.read_text(encoding="utf-8"), str(overridden)).diagnostics == ()
    conftest = EVENT_LOOP / "from_1" / "conftest.py"
    found = engine.lint(conftest.read_text(encoding="utf-8"), str(conftest)).diagnostics
    assert [(d.line, d.code) for d in found] == [(7, "MCK219")]


def test_scope_fix_is_safe_and_only_offered_alone(tmp_path: Path) -> None:
    _project(tmp_path, {"pytest.ini": "[pytest]\n", "requirements.txt": "pytest-asyncio>=0.24\n"})
    source = (
        "import pytest\n\npytestmark = pytest.mark.asyncio(scope='module')\n\n\n"
        "@pytest.mark.asyncio(scope='class', loop_scope='class')\nclass TestA:\n    async def test_a(self):\n"
        "        pass\n"
    )
    path = tmp_path / "test_scope.py"
    findings = {d.line: d for d in _lint("MCK219", path, source)}
    assert sorted(findings) == [3, 6]
    assert findings[3].fix is not None and findings[3].fix.safe
    assert findings[6].fix is None
    fixed = fix_source(Engine(Selection(select=("MCK219",))), source, str(path)).source
    assert "pytestmark = pytest.mark.asyncio(loop_scope='module')" in fixed
    assert "@pytest.mark.asyncio(scope='class', loop_scope='class')" in fixed


@pytest.mark.parametrize(
    "requirements",
    ["pytest-asyncio==0.23.8\n", "pytest-asyncio<0.25\n", "pytest-mock\n", ""],
    ids=["0.23", "0.23-or-0.24", "no-pytest-asyncio", "nothing-declared"],
)
def test_silent_unless_the_version_is_known(requirements: str, tmp_path: Path) -> None:
    files = {"pytest.ini": "[pytest]\n", "requirements.txt": requirements}
    _project(tmp_path, files)
    source = (
        "import asyncio\nimport pytest\n\n\n@pytest.fixture\ndef event_loop():\n    return asyncio.new_event_loop()\n"
        "\n\n@pytest.mark.asyncio(scope='module')\nasync def test_a(event_loop):\n    pass\n"
    )
    assert _lint("MCK219", tmp_path / "test_a.py", source) == []


# -- MCK220 and MCK221: where they stay silent ------------------------------------------------------
UNMARKED = "import pytest\n\n\nasync def test_a():\n    pass\n"
ASYNC_FIXTURE = (
    "import pytest\n\n\n@pytest.fixture\nasync def value():\n    return 1\n\n\ndef test_a(value):\n    pass\n"
)


@pytest.mark.parametrize(
    ("files", "reported"),
    [
        ({"requirements.txt": "pytest-asyncio==1.5.0\n"}, True),
        ({"requirements.txt": "pytest\n"}, False),  # an async plugin the declarations do not name (as MCK301)
        ({"requirements.txt": "pytest-asyncio==1.5.0\n", "pytest.ini": "[pytest]\nasyncio_mode=auto\n"}, False),
        ({"requirements.txt": "pytest-asyncio==1.5.0\npytest-tornasync\n"}, False),
        ({"requirements.txt": "pytest-trio\n", "pytest.ini": "[pytest]\ntrio_mode = true\n"}, False),
        ({"requirements.txt": "pytest-asyncio\n", "conftest.py": "def pytest_pyfunc_call(item):\n    pass\n"}, False),
        ({"requirements.txt": "pytest-asyncio\n", "conftest.py": "pytest_plugins = ['aiohttp.pytest_plugin']\n"},
         False),
        ({"pyproject.toml": '[tool.mocklint]\nplugins = ["pytest-mock"]\n'}, True),
        ({"requirements.txt": "pytest-asyncio\n", "pytest.ini": "[pytest\n"}, False),  # unreadable
    ],
    ids=["strict", "undeclared", "auto", "tornasync", "trio-mode", "hook", "aiohttp-plugin", "listed", "unreadable"],
)
def test_when_an_unmarked_test_and_an_async_fixture_are_reported(
    files: Dict[str, str], reported: bool, tmp_path: Path
) -> None:
    _project(tmp_path, {"pytest.ini": "[pytest]\n", **files})
    assert bool(_lint("MCK220", tmp_path / "test_a.py", UNMARKED)) is reported
    project.clear_caches()
    assert bool(_lint("MCK221", tmp_path / "test_b.py", ASYNC_FIXTURE)) is reported


def test_anyio_backend_a_fixture_may_bring_in(tmp_path: Path) -> None:
    """anyio runs a test whose fixtures request ``anyio_backend``: a test with
    fixtures, near a mention of it, is left alone; one without is reported."""
    conftest = "import pytest\n\n\n@pytest.fixture\ndef client(anyio_backend):\n    return 1\n"
    _project(tmp_path, {"pytest.ini": "[pytest]\n", "requirements.txt": "anyio\n", "conftest.py": conftest})
    source = "async def test_client(client):\n    pass\n\n\nasync def test_alone():\n    pass\n"
    assert [d.line for d in _lint("MCK220", tmp_path / "test_a.py", source)] == [5]


def test_async_fixture_near_anyio_tests(tmp_path: Path) -> None:
    """A conftest.py fixture is left alone when a test module under it mentions anyio."""
    conftest = "import pytest\n\n\n@pytest.fixture\nasync def value():\n    return 1\n"
    files = {"pytest.ini": "[pytest]\n", "requirements.txt": "anyio\n", "tests/conftest.py": conftest}
    _project(tmp_path, {**files, "tests/test_a.py": "def test_a(value):\n    pass\n"})
    assert [d.line for d in _lint("MCK221", tmp_path / "tests" / "conftest.py")] == [5]
    project.clear_caches()
    (tmp_path / "tests" / "sub").mkdir()
    marked = "import pytest\n\n\n@pytest.mark.anyio\nasync def test_b(value):\n    pass\n"
    (tmp_path / "tests" / "sub" / "test_b.py").write_text(marked, encoding="utf-8")
    assert _lint("MCK221", tmp_path / "tests" / "conftest.py") == []


MIGHT = [
    ("MCK219", "test_a.py", "import pytest\n\n@pytest.mark.asyncio(scope='module')\nasync def test_a():\n    pass\n",
     "pytest-asyncio==0.23.8\n", False),
    ("MCK219", "conftest.py", "from pytest import fixture\n\n@fixture(name='event_loop')\ndef loop():\n    pass\n",
     "pytest-asyncio>=1\n", True),
    ("MCK220", "conftest.py", "async def test_a():\n    pass\n", "pytest-asyncio>=1\n", False),
    ("MCK220", "test_a.py", "class TestA:\n    async def test_a(self):\n        pass\n", "pytest-asyncio>=1\n", True),
    ("MCK221", "test_a.py", "def fixture():\n    pass\n\nasync def helper():\n    pass\n", "pytest-asyncio>=1\n",
     False),
    ("MCK221", "test_a.py", "import pytest as p\n\nclass TestA:\n    @p.fixture\n    async def f(self):\n"
     "        pass\n",
     "pytest-asyncio>=1\n", True),
]


@pytest.mark.parametrize(("code", "name", "source", "requirements", "might"), MIGHT,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MIGHT)])
def test_might_report(code: str, name: str, source: str, requirements: str, might: bool, tmp_path: Path) -> None:
    rule = next(r for r in ALL_RULES if r.code == code)
    _project(tmp_path, {"pytest.ini": "[pytest]\n", "requirements.txt": requirements, name: source})
    assert rule.gate.search(source), "the case must pass the gate"
    assert rule.might_report(ast.parse(source), source, str(tmp_path / name)) is might
    if might:
        assert _lint(code, tmp_path / name, source), "the full analysis reports it"


# -- execution --------------------------------------------------------------------------------------
#: a pytest run: its exit status, each test's (status, message) by ``Class::test``, its output
Run = Tuple[int, Dict[str, Tuple[str, str]], str]


def _python(venv: Tuple[str, Sequence[str]]) -> str:
    name, requirements = venv
    folder = tool_venv(name, requirements, with_checkout=False)
    return str(bin_dir(folder) / ("python.exe" if os.name == "nt" else "python"))


def _run(
    python: str, folder: Path, tmp_path: Path, args: Sequence[str] = (), autoload: bool = True
) -> Run:
    """Run pytest on a copy of ``folder`` (with its ``pytest.ini``): the exit
    status, ``{"Class::test": (status, message)}`` and the output."""
    work = tmp_path / folder.name
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns("__pycache__"))
    report = tmp_path / "report.xml"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH"):
        env.pop(name, None)
    if autoload:
        env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    else:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    command = [python, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "--rootdir", str(work)]
    command += [f"--junitxml={report}", *args]
    proc = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, junit_outcomes(report), proc.stdout + proc.stderr


def _flagged(folder: Path, files: Sequence[str]) -> Set[str]:
    """The tests of ``files`` holding an ``# expect:`` or ``# fails:`` line."""
    found: Set[str] = set()
    for name in files:
        source = (folder / name).read_text(encoding="utf-8")
        lines = source.splitlines()
        for test, (start, end) in test_line_ranges(source).items():
            if any(re.search(r"#\s*(?:expect|fails):", lines[n - 1]) for n in range(start, end + 1)):
                found.add(test)
    return found


def _agrees(run: Run, folder: Path, files: Sequence[str], status: str, text: str) -> None:
    """The flagged tests end with ``status`` and ``text`` in their report, the others pass."""
    _, outcomes, output = run
    flagged = _flagged(folder, files)
    assert flagged and flagged <= set(outcomes), output
    for test, (got, message) in outcomes.items():
        if test in flagged:
            assert got == status and text in message, f"{test}: {got} {message[:300]}\n{output[-2000:]}"
        else:
            assert got == "passed", f"{test}: {got} {message[:300]}\n{output[-2000:]}"


def _test_files(folder: Path) -> List[str]:
    return sorted(p.name for p in folder.glob("test_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("venv", [ASYNCIO_1_5, ASYNCIO_1_0], ids=["1.5", "1.0"])
def test_event_loop_findings_fail_from_1_0(venv: Tuple[str, Sequence[str]], tmp_path: Path) -> None:
    """The overridden ``event_loop`` is not the loop tests run in; ``scope=``
    warns (an error under ``-W error``); ``scope=`` with ``loop_scope=`` stops the run."""
    python = _python(venv)
    folder = EVENT_LOOP / "from_1"
    files = ["test_custom_loop.py", "test_clean_marks.py", "test_mark_scope.py"]
    _agrees(_run(python, folder, tmp_path, files), folder, ["test_custom_loop.py"], "failed", "AssertionError")
    strict = ["-W", "error::pytest.PytestDeprecationWarning", "test_mark_scope.py"]
    code, _, output = _run(python, folder, tmp_path, strict)
    assert code != 0 and 'The "scope" keyword argument to the asyncio marker has been deprecated' in output, output
    code, _, output = _run(python, folder, tmp_path, ["test_mark_both.py"])
    assert code != 0 and 'An asyncio pytest marker defines both "scope" and "loop_scope"' in output, output
    assert [d.line for d in _lint("MCK219", folder / "test_mark_both.py")] == [4]


@pytest.mark.slow
def test_event_loop_policy_override_warns_from_1_4(tmp_path: Path) -> None:
    folder = EVENT_LOOP / "policy_from_1_4"  # filterwarnings = error
    run = _run(_python(ASYNCIO_1_5), folder, tmp_path)
    _agrees(run, folder, ["test_policy.py"], "error", 'Overriding the "event_loop_policy" fixture is deprecated')


@pytest.mark.slow
@pytest.mark.parametrize(
    ("folder", "venv"),
    [(EVENT_LOOP / "before_1", ASYNCIO_0_23), (EVENT_LOOP / "two_lines", ASYNCIO_0_23),
     (EVENT_LOOP / "two_lines", ASYNCIO_1_5)],
    ids=["before_1-0.23", "two_lines-0.23", "two_lines-1.5"],
)
def test_event_loop_clean_twins_pass(folder: Path, venv: Tuple[str, Sequence[str]], tmp_path: Path) -> None:
    code, outcomes, output = _run(_python(venv), folder, tmp_path)
    assert code == 0 and outcomes and all(status == "passed" for status, _ in outcomes.values()), output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("venv", "status", "text"),
    [(ASYNCIO_0_26, "skipped", SKIPPED_8_3), (ASYNCIO_1_0, "failed", NOT_SUPPORTED),
     (ASYNCIO_1_5, "failed", NOT_SUPPORTED)],
    ids=["pytest-8.3", "pytest-8.4", "pytest-9.2"],
)
def test_unmarked_async_tests_under_strict_mode(
    venv: Tuple[str, Sequence[str]], status: str, text: str, tmp_path: Path
) -> None:
    folder = ASYNC_TESTS / "strict"
    _agrees(_run(_python(venv), folder, tmp_path), folder, _test_files(folder), status, text)


@pytest.mark.slow
def test_async_tests_under_anyio_and_without_any_plugin(tmp_path: Path) -> None:
    folder = ASYNC_TESTS / "anyio"
    _agrees(_run(_python(ANYIO), folder, tmp_path), folder, _test_files(folder), "failed", NOT_SUPPORTED)
    folder = ASYNC_TESTS / "listed"  # this process's pytest 9.2, no plugin
    run = _run(sys.executable, folder, tmp_path, autoload=False)
    _agrees(run, folder, _test_files(folder), "failed", NOT_SUPPORTED)


@pytest.mark.slow
@pytest.mark.parametrize("folder", [ASYNC_TESTS / "auto", ASYNC_TESTS / "hook", ASYNC_FIXTURES / "auto"],
                         ids=["tests-auto", "tests-hook", "fixtures-auto"])
def test_async_clean_twins_pass(folder: Path, tmp_path: Path) -> None:
    code, outcomes, output = _run(_python(ASYNCIO_1_5), folder, tmp_path)
    assert code == 0 and outcomes and all(status == "passed" for status, _ in outcomes.values()), output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("venv", "status", "text"),
    [(ASYNCIO_0_26, "failed", " object "), (ASYNCIO_1_0, "failed", " object "),
     (ASYNCIO_1_5, "error", "with no plugin or hook that handled it")],
    ids=["pytest-8.3", "pytest-8.4", "pytest-9.2"],
)
def test_async_fixtures_under_strict_mode(
    venv: Tuple[str, Sequence[str]], status: str, text: str, tmp_path: Path
) -> None:
    """The tests get a coroutine (or async generator) object before pytest 9, and an error on 9."""
    folder = ASYNC_FIXTURES / "strict"
    run = _run(_python(venv), folder, tmp_path)
    _agrees(run, folder, _test_files(folder), status, text)
    if status == "error":
        for test, fixture in (("test_async_test", "number"), ("test_sync_test", "resource"), ("test_local", "local")):
            assert f"requested an async fixture '{fixture}'" in run[1][test][1]


@pytest.mark.slow
def test_async_fixtures_under_anyio(tmp_path: Path) -> None:
    folder = ASYNC_FIXTURES / "anyio"
    run = _run(_python(ANYIO), folder, tmp_path)
    _agrees(run, folder, _test_files(folder), "error", "requested an async fixture 'number'")
