"""What the generic fixture tests cannot show for MCK201 and MCK215-MCK218, MCK405-MCK407 (issue #19, items 5-10).

``test_rules.py`` and ``test_runtime.py`` check each fixture folder, but run pytest
only with the repository's own pytest, no plugin and an empty ``pytest.ini``.
Here:

- fixture files whose flagged lines stand outside the tests they break (a class's
  parametrize mark, a module's ``pytestmark``) are run, and the tests the
  finding names are the ones pytest skips;
- fixture projects with their own ``pytest.ini`` (``filterwarnings = error``) are
  run with it, and linted with and without it;
- the pytest-asyncio and pytest-mock fixtures run under those plugins, from the
  virtualenv ``test_interprocedural_runtime.py`` uses (``support.tool_venv``);
- fixes, the warning-filter reader and the module-attribute reader are
  checked on small texts, and ``might_report`` on both sides of each rule.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from expectations import FIXTURES, expectations
from support import bin_dir, junit_outcomes, tool_venv

from mocklint.analysis.pytest_model import project
from mocklint.analysis.mock_values.module_attributes import missing_attribute
from mocklint.analysis.pytest_model.warning_filters import turned_into_errors
from mocklint.engine import Engine
from mocklint.fixes import fix_source
from mocklint.settings import Selection

#: pytest and plugins as test_interprocedural_runtime.py installs them (the same cached venv)
PLUGIN_REQUIREMENTS = ("pytest==9.2.0", "pytest-asyncio==1.5.0", "pytest-mock==3.15.1")


@pytest.fixture(autouse=True)
def fresh_model() -> Iterator[None]:
    project.clear_caches()
    yield
    project.clear_caches()


def _lint(code: str, source: str, path: Path) -> List:
    result = Engine(Selection(select=(code,))).lint(source, str(path))
    assert result.internal_error is None, result.internal_error
    return [d for d in result.diagnostics if d.code == code]


def _lint_file(code: str, path: Path) -> List:
    return _lint(code, path.read_text(encoding="utf-8"), path)


def _run(python: str, work: Path, target: str, autoload: bool) -> Tuple[int, Dict[str, Tuple[str, str]], str]:
    """Run pytest on ``target`` in ``work`` (with the ``pytest.ini`` there); each
    test's (status, message) from the junit report, by ``Class::test`` or ``test``."""
    report = work / "report.xml"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_PLUGINS", None)
    if autoload:
        env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    else:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    command = [python, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "--rootdir", str(work)]
    command += ["-c", str(work / "pytest.ini"), f"--junitxml={report}", target]
    proc = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, junit_outcomes(report), proc.stdout + proc.stderr


def _copy(folder: Path, tmp_path: Path, ini: str = "[pytest]\n") -> Path:
    work = tmp_path / folder.name
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns("__pycache__"))
    if not (work / "pytest.ini").exists():
        (work / "pytest.ini").write_text(ini, encoding="utf-8")
    return work


@pytest.fixture(scope="module")
def plugin_python() -> str:
    venv = tool_venv("async-projects", PLUGIN_REQUIREMENTS, with_checkout=False)
    return str(bin_dir(venv) / ("python.exe" if os.name == "nt" else "python"))


# -- MCK217: the shapes where a one-shot iterator is read by several tests ---------------
ONE_SHOT = FIXTURES / "parametrize-one-shot-iterator"


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
@pytest.mark.parametrize("name", ["test_class_decorator.py", "test_pytestmark.py"])
def test_one_shot_iterators_skip_exactly_the_tests_the_finding_names(name: str, tmp_path: Path) -> None:
    """Each finding names the test that uses the iterator up and one that it
    leaves empty; pytest passes the first and skips every other test the mark
    applies to ("got empty parameter set"); an unflagged single use passes."""
    work = _copy(ONE_SHOT, tmp_path)
    code, outcomes, output = _run(sys.executable, work, name, autoload=False)
    assert code == 0, output
    findings = _lint_file("MCK217", ONE_SHOT / name)
    assert len(findings) == len(expectations(ONE_SHOT / name, ONE_SHOT))
    skipped = {test for test, (status, _) in outcomes.items() if status == "skipped"}
    victims = set()
    for finding in findings:
        named = re.search(r"used up by `([^`]+)`, so `([^`]+)`", finding.message)
        assert named is not None, finding.message
        first, victim = named.groups()
        assert outcomes[first][0] == "passed", output
        assert victim in skipped, output
        owner = first.split("::", 1)[0] if "::" in first else None
        victims |= {t for t in outcomes if t != first and (owner is None or t.startswith(owner + "::"))}
    assert skipped == victims, output
    assert all("got empty parameter set" in outcomes[test][1] for test in skipped), output
    assert all(status == "passed" for test, (status, _) in outcomes.items() if test not in skipped)


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
def test_one_shot_iterator_used_once_fails_where_warnings_are_errors(tmp_path: Path) -> None:
    """Used once, a generator is a collection error under ``filterwarnings =
    error`` on pytest 9.1+, and reported there; without that configuration it
    runs (with a warning) and is not reported."""
    folder = ONE_SHOT / "warnings_are_errors"
    work = _copy(folder, tmp_path)
    code, _, output = _run(sys.executable, work, "test_single_use.py", autoload=False)
    assert code != 0 and "PytestRemovedIn10Warning: Passing a non-Collection iterable to parametrize" in output
    source = (folder / "test_single_use.py").read_text(encoding="utf-8")
    assert [d.line for d in _lint("MCK217", source, work / "test_single_use.py")] == [8]

    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    project.clear_caches()
    code, outcomes, output = _run(sys.executable, work, "test_single_use.py", autoload=False)
    assert code == 0 and outcomes["test_word"][0] == "passed", output
    assert _lint("MCK217", source, work / "test_single_use.py") == []


def test_one_shot_fix(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n", encoding="utf-8")
    source = textwrap.dedent(
        """\
        import itertools
        import pytest

        @pytest.mark.parametrize("n", map(int, "12"))
        def test_once(n):
            pass

        @pytest.mark.parametrize("n", itertools.count())
        class TestEndless:
            def test_a(self, n):
                pass

            def test_b(self, n):
                pass

        @pytest.mark.parametrize("n", (x for x in "ab"))
        class TestTwice:
            def test_a(self, n):
                pass

            def test_b(self, n):
                pass
        """
    )
    path = tmp_path / "test_fix.py"
    findings = {d.line: d for d in _lint("MCK217", source, path)}
    assert sorted(findings) == [4, 8, 16]
    assert findings[4].fix is not None and not findings[4].fix.safe
    assert findings[8].fix is None  # list(itertools.count()) never returns
    assert findings[16].fix is not None and not findings[16].fix.safe
    fixed = fix_source(Engine(Selection(select=("MCK217",))), source, str(path), unsafe=True).source
    assert 'parametrize("n", list(map(int, "12")))' in fixed
    assert 'parametrize("n", ([x for x in "ab"]))' in fixed


# -- MCK405: behind pytest-asyncio, and at import where warnings are errors -----------------
EVENT_LOOP = FIXTURES / "get-event-loop-in-sync-test"


@pytest.mark.slow  # installs pytest-asyncio and pytest-mock (plugin_python)
def test_get_event_loop_fails_after_pytest_asyncio_tests(plugin_python: str, tmp_path: Path) -> None:
    """Under pytest-asyncio 1.x: the sync test after an asyncio test fails, and so
    does an asyncio test requesting a sync fixture that gets the loop."""
    folder = EVENT_LOOP / "pytest_asyncio"
    ini = "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    work = _copy(folder, tmp_path, ini=ini)
    _, outcomes, output = _run(plugin_python, work, "test_after_async_tests.py", autoload=True)
    assert outcomes["test_async_first"][0] == "passed", output
    for test in ("test_sync_after", "test_async_requesting_a_sync_fixture"):
        status, message = outcomes[test]
        assert status in ("failed", "error") and "There is no current event loop" in message, output
    assert [d.line for d in _lint_file("MCK405", folder / "test_after_async_tests.py")] == [16, 22]


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
def test_get_event_loop_at_import_is_reported_where_warnings_are_errors(tmp_path: Path) -> None:
    folder = EVENT_LOOP / "warnings_are_errors"
    work = _copy(folder, tmp_path)
    code, _, output = _run(sys.executable, work, "test_module_level.py", autoload=False)
    if sys.version_info >= (3, 12):
        assert code != 0 and "DeprecationWarning: There is no current event loop" in output, output
    else:  # Python 3.10 and 3.11 create the loop without a warning
        assert code == 0, output
    source = (folder / "test_module_level.py").read_text(encoding="utf-8")
    assert [d.line for d in _lint("MCK405", source, work / "test_module_level.py")] == [7]

    ignoring = "[pytest]\nfilterwarnings =\n    error\n    ignore:There is no current:DeprecationWarning\n"
    (work / "pytest.ini").write_text(ignoring, encoding="utf-8")
    project.clear_caches()
    assert _lint("MCK405", source, work / "test_module_level.py") == []
    code, _, output = _run(sys.executable, work, "test_module_level.py", autoload=False)
    assert code == 0, output


# -- MCK406 under pytest-mock -----------------------------------------------------------------
@pytest.mark.slow  # installs pytest-asyncio and pytest-mock (plugin_python)
def test_mocker_patch_fails_the_same_way(plugin_python: str, tmp_path: Path) -> None:
    folder = FIXTURES / "patch-call-always-fails" / "pytest_mock"
    work = _copy(folder, tmp_path)
    _, outcomes, output = _run(plugin_python, work, "test_mocker.py", autoload=True)
    assert outcomes["test_mocker_fine"][0] == "passed", output
    assert "autospec creates the mock for you" in outcomes["test_mocker_new_and_autospec"][1], output
    assert "'auto_spec' might be a typo" in outcomes["test_mocker_typo"][1], output
    assert [d.line for d in _lint_file("MCK406", folder / "test_mocker.py")] == [9, 14]


def test_patch_typo_fix_is_unsafe(tmp_path: Path) -> None:
    source = 'from unittest import mock\n\nwith mock.patch("os.getcwd", autospect=True):\n    pass\n'
    (finding,) = _lint("MCK406", source, tmp_path / "test_typo.py")
    assert finding.fix is not None and not finding.fix.safe
    fixed = fix_source(Engine(Selection(select=("MCK406",))), source, str(tmp_path / "test_typo.py"), unsafe=True)
    assert 'mock.patch("os.getcwd", autospec=True)' in fixed.source


# -- MCK201: every read, and string conditions -------------------------------------------------
def test_pytest_config_every_read_and_string_conditions(tmp_path: Path) -> None:
    """Reads inside a branch whose own condition reads ``pytest.config`` used to
    be taken for a compatibility guard, and string conditions were not read."""
    source = textwrap.dedent(
        """\
        import pytest

        def helper():
            if pytest.config.getoption("verbose"):
                return pytest.config.getoption("quiet") and pytest.config.rootpath

        @pytest.mark.skipif("pytest.config.getoption('--slow') or pytest.config.option.x", reason="slow")
        def test_slow():
            if hasattr(pytest, "config"):
                pytest.config.getoption("verbose")
        """
    )
    path = tmp_path / "test_config.py"
    findings = _lint("MCK201", source, path)
    assert [(d.line, d.column) for d in findings] == [(4, 7), (5, 15), (5, 52), (7, 20)]
    fixed = fix_source(Engine(Selection(select=("MCK201",))), source, str(path)).source
    assert "@pytest.mark.skipif(\"config.getoption('--slow') or config.option.x\", reason=\"slow\")" in fixed


def test_string_condition_fix_leaves_a_module_config_alone(tmp_path: Path) -> None:
    source = (
        'import pytest\n\nconfig = {}\n\n@pytest.mark.skipif("pytest.config.getoption(\'x\')", reason="r")\n'
        "def test_x():\n    pass\n"
    )
    (finding,) = _lint("MCK201", source, tmp_path / "test_own_config.py")
    assert finding.fix is None


# -- MCK215: only where pytest loads hooks ----------------------------------------------------------
def test_hook_argument_in_a_test_module_is_not_reported(tmp_path: Path) -> None:
    assert _lint("MCK215", "def pytest_collect_file(parent, path):\n    pass\n", tmp_path / "test_x.py") == []
    assert _lint("MCK215", "def pytest_collect_file(parent, path):\n    pass\n", tmp_path / "plugin.py")


# -- MCK216 and MCK218 fixes ---------------------------------------------------------------------
def test_class_fixture_fix(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import pytest

        class TestA:
            @pytest.fixture(scope="class")
            def value(self):
                return 1

            @pytest.fixture(scope="class", autouse=True)
            def load(self):
                self.items = [1]

            def test_a(self, value):
                assert value
        """
    )
    path = tmp_path / "test_fix.py"
    findings = {d.line: d for d in _lint("MCK216", source, path)}
    assert findings[5].fix is not None and not findings[5].fix.safe
    assert findings[9].fix is not None and not findings[9].fix.safe
    fixed = fix_source(Engine(Selection(select=("MCK216",))), source, str(path), unsafe=True).source
    expected = '@pytest.fixture(scope="class", autouse=True)\n    @classmethod\n    def load(cls):\n'
    assert expected + "        cls.items = [1]" in fixed


def test_raises_message_fix_keeps_the_failure_text(tmp_path: Path) -> None:
    source = 'import pytest\n\n\ndef test_x():\n    with pytest.raises(ValueError, message="boom"):\n        int("x")\n'
    path = tmp_path / "test_raises.py"
    (finding,) = _lint("MCK218", source, path)
    assert finding.fix is not None and not finding.fix.safe
    fixed = fix_source(Engine(Selection(select=("MCK218",))), source, str(path), unsafe=True).source
    assert fixed.endswith('    with pytest.raises(ValueError):\n        int("x")\n        pytest.fail("boom")\n')


# -- the readers -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("config", "raises"),
    [
        ("[pytest]\nfilterwarnings = error\n", True),
        ("[pytest]\nfilterwarnings =\n    error\n    ignore::DeprecationWarning\n", False),
        ("[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning\n    error\n", True),
        ("[pytest]\nfilterwarnings = error::DeprecationWarning\n", True),
        ("[pytest]\nfilterwarnings = error::builtins.UserWarning\n", False),
        ("[pytest]\nfilterwarnings = error:There is no:DeprecationWarning\n", True),
        ("[pytest]\nfilterwarnings = error:.*no current:DeprecationWarning\n", False),  # a regex: not read
        ("[pytest]\nfilterwarnings = error::DeprecationWarning:app\n", False),  # a module: not read
        ("[pytest]\naddopts = -W error::DeprecationWarning\n", True),
        ("[pytest]\nfilterwarnings = error\naddopts = -W ignore::DeprecationWarning\n", False),
        ('[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n', True),
        ("[pytest]\n", False),
    ],
)
def test_warning_filters(config: str, raises: bool, tmp_path: Path) -> None:
    name = "pyproject.toml" if config.startswith("[tool") else "pytest.ini"
    (tmp_path / name).write_text(config, encoding="utf-8")
    path = str(tmp_path / "test_x.py")
    assert turned_into_errors(path, ("DeprecationWarning", "Warning"), "There is no current event loop") is raises


def test_module_attributes(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .core import run\n", encoding="utf-8")
    core = "import os as system\n\ndef run():\n    global STATE\n    STATE = 1\n"
    (package / "core.py").write_text(core, encoding="utf-8")
    (package / "sub.py").write_text("", encoding="utf-8")
    (package / "dyn.py").write_text("globals()['late'] = 1\n", encoding="utf-8")
    test = tmp_path / "test_x.py"
    source = "def helper():\n    pass\n"

    def missing(dotted: str) -> bool:
        return missing_attribute(dotted, str(test), source) is not None

    assert missing("pkg.core.runn") and missing("pkg.nope") and missing("test_x.helpr")
    assert not missing("pkg.core.run") and not missing("pkg.core.STATE") and not missing("pkg.core.system")
    assert not missing("pkg.sub") and not missing("pkg.dyn.late") and not missing("pkg.core.__file__")
    assert not missing("test_x.helper") and not missing("os.path.nope")
    assert missing_attribute("pkg.core.runn", str(test), source).suggestion == "run"  # type: ignore[union-attr]


# -- might_report: what each new rule spares libcst, and what it must not ---------------------------
MIGHT = [
    ("MCK215", "conftest.py", "def pytest_collect_file(parent, file_path):\n    pass\n", False),
    ("MCK215", "test_hooks.py", "def pytest_collect_file(parent, path):\n    pass\n", False),
    ("MCK215", "conftest.py", "class P:\n    def pytest_report_header(self, config, startdir):\n        pass\n", True),
    (
        "MCK216",
        "test_a.py",
        "import pytest\n\nclass TestA:\n    @pytest.fixture(scope='class')\n    @classmethod\n"
        "    def f(cls):\n        return 1\n",
        False,
    ),
    (
        "MCK216",
        "test_a.py",
        "from pytest import fixture\n\nclass TestA:\n    @fixture(scope='session')\n"
        "    def f(self):\n        return 1\n",
        True,
    ),
    ("MCK217", "test_a.py", "import pytest\n\n@pytest.mark.parametrize('x', [1, 2])\nclass TestA:\n    pass\n", False),
    (
        "MCK217",
        "test_a.py",
        "from pytest import mark\n\nXS = map(int, '12')\n\n@mark.parametrize('x', XS)\ndef test_a(x):\n    pass\n\n"
        "@mark.parametrize('x', XS)\ndef test_b(x):\n    pass\n",
        True,
    ),
    ("MCK218", "test_a.py", "import pytest\n\ndef test_a():\n    pytest.raises(OSError, int, 'x', message=1)\n", False),
    (
        "MCK218",
        "test_a.py",
        "from pytest import raises as r\n\ndef test_a():\n    with r(ValueError, message='m'):\n        int('x')\n",
        True,
    ),
    ("MCK405", "helpers.py", "import asyncio\n\ndef test_like():\n    return asyncio.get_event_loop()\n", False),
    (
        "MCK405",
        "test_a.py",
        "import asyncio as aio\n\ndef test_run():\n    aio.run(aio.sleep(0))\n\n"
        "def test_a():\n    aio.get_event_loop_policy().get_event_loop()\n",
        True,
    ),
    ("MCK406", "test_a.py", "from unittest.mock import patch\n\nwith patch('os.getcwd'):\n    pass\n", False),
    ("MCK406", "test_a.py", "from unittest import mock\n\n@mock.patch('os.getcwd')\ndef test_a():\n    pass\n", True),
    ("MCK407", "test_a.py", "from unittest.mock import patch\n\nTARGET = 'x'\n\nwith patch(TARGET):\n    ...\n", False),
    (
        "MCK407",
        "test_a.py",
        "from unittest import mock\n\nimport test_a\n\ndef helper():\n    pass\n\n"
        "def test_patch():\n    with mock.patch.object(test_a, 'helpr'):\n        pass\n",
        True,
    ),
    (
        "MCK201",
        "test_a.py",
        "import pytest\n\n@pytest.mark.skipif('pytest.config.getoption(\"x\")', reason='r')\ndef test_a():\n    pass\n",
        True,
    ),
]


@pytest.mark.parametrize(("code", "name", "source", "might"), MIGHT, ids=[f"{m[0]}-{i}" for i, m in enumerate(MIGHT)])
def test_might_report(code: str, name: str, source: str, might: bool, tmp_path: Path) -> None:
    """A text that passes the gate: spared when nothing can be reported, and
    never spared when the full analysis reports it."""
    import ast

    from mocklint.registry import ALL_RULES

    rule = next(r for r in ALL_RULES if r.code == code)
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    assert rule.gate.search(source), "the case must pass the gate"
    assert rule.might_report(ast.parse(source), source, str(path)) is might
    if might:
        assert _lint(code, source, path), "an unusual spelling the analysis reports"
