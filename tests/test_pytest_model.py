"""The pytest model behind MCK301/MCK302: which plugins a project runs with, where pytest's rootdir is, and
the errors pytest itself reports for parametrize marks and unittest methods.

- **Declared dependencies decide** (``analysis/pytest_model/declared.py``): every declaration
  format is read (``pyproject.toml`` tables, PEP 735 groups with includes,
  Poetry, PDM, Hatch, uv, requirements files with ``-r``/``-c``, ``tox.ini``,
  ``setup.cfg``, literal ``setup.py``, ``Pipfile``, ``noxfile.py``, lock files);
  a bundled plugin neither declared nor installed provides nothing; a declared
  plugin mocklint cannot read keeps it silent on names the project does not
  define; ``[tool.mocklint] plugins`` wins; version specifiers pick the release
  line of the bundled table (pytest-asyncio before and after 1.0).
- **Rootdir as pytest finds it**: a ``setup.py`` is the rootdir when there is no
  configuration file; with neither, every conftest.py above a test may be
  loaded, and MCK302 stays silent.
- **pytest's own diagnoses**, each message quoting what pytest prints.

The projects are written to ``tmp_path``, whose parents hold no pytest
configuration (checked), and linted in this process, where pytest is installed
and no third-party plugin is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
from expectations import finding_text

from mocklint.analysis.pytest_model import project

from mocklint.analysis import reads
from mocklint.engine import Engine
from mocklint.settings import Selection

CONFIG_NAMES = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", "setup.py", "pytest.toml")


@pytest.fixture(autouse=True)
def _fresh_model():  # type: ignore[no-untyped-def]
    project.clear_caches()
    yield
    project.clear_caches()


def write(root: Path, files: Dict[str, str]) -> Path:
    for folder in root.parents:
        assert not [n for n in CONFIG_NAMES if (folder / n).exists()], f"{folder} holds a configuration file"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def lint(path: Path, select: str = "MCK3") -> List[str]:
    """``"line:code message. detail"`` of each finding in the file at ``path``."""
    result = Engine(Selection(select=(select,))).lint(path.read_text(encoding="utf-8"), str(path))
    assert result.internal_error is None, result.internal_error
    return [f"{d.line}:{d.code} {finding_text(d)}" for d in result.diagnostics]


def named(findings: List[str]) -> List[str]:
    """The fixture each MCK301 finding names (its first backquoted word)."""
    return [finding.split("`")[1] for finding in findings]


PLUGIN_TESTS = (
    "def test_mocker(mocker):\n    pass\n\n\n"
    "def test_loop(event_loop):\n    pass\n\n\n"
    "def test_db(db):\n    pass\n\n\n"
    "def test_respx(respx_mock):\n    pass\n"
)


# -- declared dependencies decide -----------------------------------------------------
@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"requirements.txt": "pytest\npytest-mock==3.15.1\n"}, id="requirements"),
        pytest.param(
            {"requirements.txt": "-r requirements/test.in\n", "requirements/test.in": "pytest\npytest_mock>=3\n"},
            id="requirements-include",
        ),
        pytest.param(
            {
                "pyproject.toml": '[project]\nname = "p"\n'
                '[project.optional-dependencies]\ntest = ["pytest", "pytest-mock"]\n'
            },
            id="optional-dependencies",
        ),
        pytest.param(
            {
                "pyproject.toml": '[dependency-groups]\nmocks = ["pytest-mock"]\n'
                'test = ["pytest", {include-group = "mocks"}]\n'
            },
            id="dependency-groups-include",
        ),
        pytest.param(
            {
                "pyproject.toml": "[tool.poetry.group.test.dependencies]\n"
                'pytest = "^8.0"\npytest-mock = { version = "^3.14" }\n'
            },
            id="poetry-group",
        ),
        pytest.param(
            {"pyproject.toml": '[tool.poetry.dev-dependencies]\npytest = "*"\npytest-mock = "3.15.1"\n'},
            id="poetry-dev-dependencies",
        ),
        pytest.param({"pyproject.toml": '[tool.pdm.dev-dependencies]\ntest = ["pytest", "pytest-mock"]\n'}, id="pdm"),
        pytest.param(
            {
                "pyproject.toml": '[tool.hatch.envs.test]\ndependencies = ["pytest"]\n'
                'extra-dependencies = ["pytest-mock"]\n'
            },
            id="hatch",
        ),
        pytest.param({"pyproject.toml": '[tool.uv]\ndev-dependencies = ["pytest", "pytest-mock"]\n'}, id="uv"),
        pytest.param(
            {
                "pyproject.toml": '[project]\nname = "p"\ndynamic = ["optional-dependencies"]\n'
                '[tool.setuptools.dynamic.optional-dependencies]\ntest = { file = ["dev.txt"] }\n',
                "dev.txt": "pytest\npytest-mock\n",
            },
            id="setuptools-dynamic",
        ),
        pytest.param(
            {"tox.ini": "[tox]\nenvlist = py312\n[testenv]\ndeps =\n    pytest\n    py312: pytest-mock\n"},
            id="tox-ini-factors",
        ),
        pytest.param(
            {
                "tox.ini": "[testenv]\ndeps =\n    -r{toxinidir}/ci/test-deps.txt\ncommands = pytest\n",
                "ci/test-deps.txt": "pytest\npytest-mock\n",
            },
            id="tox-ini-requirements",
        ),
        pytest.param(
            {
                "setup.cfg": "[options]\ntests_require =\n    pytest\n"
                "[options.extras_require]\ntest =\n    pytest-mock\n"
            },
            id="setup-cfg",
        ),
        pytest.param(
            {
                "setup.py": "from setuptools import setup\n\nTESTS = ['pytest', 'pytest-mock']\n"
                "setup(name='p', extras_require={'test': TESTS})\n"
            },
            id="setup-py-literal",
        ),
        pytest.param({"Pipfile": '[dev-packages]\npytest = "*"\npytest-mock = "==3.15.1"\n'}, id="pipfile"),
        pytest.param(
            {
                "noxfile.py": "import nox\n\n\n@nox.session\ndef tests(session):\n"
                "    session.install('pytest', 'pytest-mock')\n"
            },
            id="noxfile",
        ),
    ],
)
def test_every_declaration_format_is_read(tmp_path: Path, files: Dict[str, str]) -> None:
    """pytest-mock declared: ``mocker`` is provided; pytest-asyncio and
    pytest-django (bundled, not declared) and respx provide nothing."""
    root = write(tmp_path / "proj", {"pytest.ini": "[pytest]\n", "tests/test_a.py": PLUGIN_TESTS, **files})
    assert named(lint(root / "tests" / "test_a.py")) == ["event_loop", "db", "respx_mock"]


def test_constraints_pick_versions_and_declare_nothing(tmp_path: Path) -> None:
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "requirements.txt": "pytest\npytest-asyncio\n-c constraints.txt\n",
            "constraints.txt": "pytest-asyncio==0.23.8\npytest-django==4.11.1\n",
            "tests/test_a.py": PLUGIN_TESTS,
        },
    )
    assert named(lint(root / "tests" / "test_a.py")) == ["mocker", "db", "respx_mock"]


def test_without_a_declaration_bundled_plugins_provide_nothing(tmp_path: Path) -> None:
    """pytest is installed here, so the environment is taken as the tests' own:
    before, every bundled plugin's names were taken as maybe available."""
    root = write(tmp_path / "proj", {"pytest.ini": "[pytest]\n", "tests/test_a.py": PLUGIN_TESTS})
    findings = lint(root / "tests" / "test_a.py")
    assert named(findings) == ["mocker", "event_loop", "db", "respx_mock"]
    assert "comes from the pytest-mock plugin, which the project does not declare" in findings[0]


def test_a_helper_fixture_with_a_plugins_name_is_reported(tmp_path: Path) -> None:
    """The case the product was made for: a fixture in a helper module no
    conftest imports, named as some bundled plugin's fixture (pytest-flask's
    ``client``): before, that name was excused as maybe a plugin's."""
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "requirements.txt": "pytest\n",
            "tests/helpers.py": "import pytest\n\n\n@pytest.fixture\ndef client():\n    return object()\n",
            "tests/test_a.py": "def test_client(client):\n    pass\n",
        },
    )
    findings = lint(root / "tests" / "test_a.py")
    assert named(findings) == ["client"] and "tests/helpers.py" in findings[0]


def test_the_mocklint_table_wins_over_the_declarations(tmp_path: Path) -> None:
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "requirements.txt": "pytest\npytest-mock\n",
            "pyproject.toml": '[tool.mocklint]\nplugins = ["pytest-django", "respx"]\n',
            "tests/test_a.py": PLUGIN_TESTS,
        },
    )
    assert named(lint(root / "tests" / "test_a.py")) == ["mocker", "event_loop"]


def test_nothing_known_keeps_bundled_names_maybe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing declares pytest and it is not installed next to mocklint
    (pre-commit's own environment): which plugins the tests have is unknown."""
    from mocklint.analysis.pytest_model.builtin_fixtures import _from_tables

    monkeypatch.setattr(project, "builtins", _from_tables)
    test = PLUGIN_TESTS + "\n\ndef test_x(nothing_defines_it):\n    pass\n"
    root = write(tmp_path / "proj", {"pytest.ini": "[pytest]\n", "tests/test_a.py": test})
    assert named(lint(root / "tests" / "test_a.py")) == ["nothing_defines_it"]


def test_a_declared_plugin_mocklint_cannot_read_silences_unplaced_names(tmp_path: Path) -> None:
    """pytest-widgets is neither bundled nor installed: any name the project does
    not define may be its fixture; a name defined in a helper module is still
    reported, and so is a pytest fixture of a plugin pytest has turned off."""
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\n",
            "requirements.txt": "pytest\npytest-widgets==2.0\n",
            "tests/helpers.py": "import pytest\n\n\n@pytest.fixture\ndef helper_made():\n    return 1\n",
            "tests/test_a.py": "def test_widget(widget, any_name):\n    pass\n\n\n"
            "def test_helper(helper_made):\n    pass\n\n\ndef test_cache(cache):\n    pass\n",
        },
    )
    assert named(lint(root / "tests" / "test_a.py")) == ["helper_made", "cache"]


def test_a_declared_distribution_may_be_a_plugin_of_its_own_name(tmp_path: Path) -> None:
    """aiogram declares aresponses-like plugins: a distribution whose name says
    nothing of pytest, whose fixture is named like it."""
    root = write(
        tmp_path / "proj",
        {
            "pyproject.toml": '[project]\nname = "p"\n[dependency-groups]\ntest = ["pytest", "widgetmock==1.0"]\n',
            "tests/test_a.py": "def test_it(widgetmock):\n    pass\n\n\ndef test_other(widget_mock_other):\n    pass\n",
        },
    )
    assert named(lint(root / "tests" / "test_a.py")) == ["widget_mock_other"]


@pytest.mark.parametrize(
    ("specifier", "missing"),
    [
        ("==0.23.8", []),
        ("<1", []),
        (">=0.21,<0.24", []),
        ("", ["event_loop"]),  # unpinned: the newest line
        (">=1.0", ["event_loop"]),
        ("~=1.2", ["event_loop"]),
    ],
)
def test_version_specifiers_pick_the_release_line(tmp_path: Path, specifier: str, missing: List[str]) -> None:
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "requirements.txt": f"pytest\npytest-asyncio{specifier}\n",
            "tests/test_a.py": "def test_loop(event_loop, event_loop_policy, unused_tcp_port):\n    pass\n",
        },
    )
    findings = lint(root / "tests" / "test_a.py")
    assert named(findings) == missing
    if missing:
        assert "is a fixture of pytest-asyncio up to 0.26.0 (1.0.0 removed it)" in findings[0]


def test_a_lock_file_pins_the_version(tmp_path: Path) -> None:
    root = write(
        tmp_path / "proj",
        {
            "pyproject.toml": '[project]\nname = "p"\n[dependency-groups]\ntest = ["pytest", "pytest-asyncio"]\n',
            "uv.lock": '[[package]]\nname = "pytest-asyncio"\nversion = "0.23.8"\n\n[[package]]\nname = "pytest"\n'
            'version = "8.4.2"\n',
            "tests/test_a.py": "def test_loop(event_loop):\n    pass\n",
        },
    )
    assert lint(root / "tests" / "test_a.py") == []


def test_versions_some_candidate_lacks_stay_silent(tmp_path: Path) -> None:
    """Two environments, one before 1.0 and one after: ``event_loop`` exists in one."""
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "tox.ini": "[testenv:old]\ndeps =\n    pytest-asyncio<1\n[testenv:new]\ndeps =\n    pytest-asyncio>=1\n",
            "requirements.txt": "pytest\n",
            "tests/test_a.py": "def test_loop(event_loop):\n    pass\n",
        },
    )
    assert lint(root / "tests" / "test_a.py") == []


def test_a_declared_plugin_brings_the_plugins_it_depends_on(tmp_path: Path) -> None:
    """pytest-aiohttp requires pytest-asyncio: its fixtures are there too."""
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "requirements.txt": "pytest\npytest-aiohttp==1.1.0\n",
            "tests/test_a.py": "def test_it(aiohttp_client, unused_tcp_port, event_loop):\n    pass\n",
        },
    )
    assert lint(root / "tests" / "test_a.py") == []  # event_loop: pytest-asyncio at any release: maybe


@pytest.mark.parametrize(
    "files",
    [
        {"setup.py": "from setuptools import setup\n\nsetup(name='p', extras_require=compute())\n"},
        {"noxfile.py": "def tests(session):\n    session.install(*DEPENDENCIES)\n"},
        {"pyproject.toml": "[project\nname = 'broken'\n"},
    ],
    ids=["setup-py-computed", "noxfile-computed", "pyproject-broken"],
)
def test_an_unreadable_declaration_keeps_mocklint_silent(tmp_path: Path, files: Dict[str, str]) -> None:
    """A plugin may be declared where mocklint cannot read: bundled plugins' names
    and names the project does not define stay unreported.  (A setup.py that
    computes its requirements next to requirements files is taken to read them.)"""
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            **files,
            "tests/test_a.py": "def test_it(mocker, some_plugin_fixture):\n    pass\n",
        },
    )
    assert lint(root / "tests" / "test_a.py") == []


def test_declaration_files_are_dependencies_of_the_result(tmp_path: Path) -> None:
    """The result cache and a long-running host see an edited declaration."""
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "requirements.txt": "pytest\n",
            "tests/test_a.py": "def test_it(mocker):\n    pass\n",
        },
    )
    test = root / "tests" / "test_a.py"
    with reads.recording() as recorded:
        assert named(lint(test)) == ["mocker"]
    assert str(root / "requirements.txt") in recorded.files
    assert str(root / "requirements-dev.txt") in recorded.files  # absent, but creating it would count
    (root / "requirements.txt").write_text("pytest\npytest-mock\n", encoding="utf-8")
    assert lint(test) == []  # the model saw the edit without clear_caches()


def test_the_project_itself_is_a_plugin(tmp_path: Path) -> None:
    """A plugin's own tests use its fixtures: the project is installed where they run."""
    root = write(
        tmp_path / "proj",
        {
            "pyproject.toml": '[project]\nname = "pytest-widgetry"\ndependencies = ["pytest"]\n'
            '[project.entry-points.pytest11]\nwidgetry = "widgetry.plugin"\n'
            "[tool.pytest.ini_options]\n",
            "src/widgetry/__init__.py": "",
            "src/widgetry/plugin.py": "import pytest\n\n\n@pytest.fixture\ndef widget():\n    return 1\n",
            "tests/test_a.py": "def test_it(widget):\n    pass\n\n\ndef test_other(gadget):\n    pass\n",
        },
    )
    assert named(lint(root / "tests" / "test_a.py")) == ["gadget"]


def test_a_plugin_modules_generate_tests_hook_counts(tmp_path: Path) -> None:
    """aiohttp's own plugin (``pytest_plugins``) parametrizes ``loop_factory``,
    which its ``loop`` fixture requests, in ``pytest_generate_tests``."""
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "conftest.py": "pytest_plugins = ['plug']\n",
            "plug.py": "import pytest\n\n\ndef pytest_generate_tests(metafunc):\n"
            "    if 'my_factory' in metafunc.fixturenames:\n        metafunc.parametrize('my_factory', [dict])\n\n\n"
            "@pytest.fixture\ndef my_loop(my_factory):\n    return my_factory()\n",
            "tests/test_a.py": "def test_it(my_loop):\n    pass\n",
        },
    )
    assert lint(root / "tests" / "test_a.py") == []


def test_async_tests_without_a_declared_async_plugin_keep_its_names_maybe(tmp_path: Path) -> None:
    """pytest runs no ``async def`` test by itself: such tests show an async
    plugin the declarations do not name (redis's sdist declares none)."""
    files = {"pytest.ini": "[pytest]\n", "requirements.txt": "pytest\n"}
    root = write(tmp_path / "async", {**files, "tests/test_a.py": "async def test_it(event_loop):\n    pass\n"})
    assert lint(root / "tests" / "test_a.py") == []
    root = write(tmp_path / "sync", {**files, "tests/test_a.py": "def test_it(event_loop):\n    pass\n"})
    assert named(lint(root / "tests" / "test_a.py")) == ["event_loop"]


@pytest.mark.parametrize(("requirements", "reported"), [("pytest\n", True), ("pytest\npytest-capturing\n", False)])
def test_an_override_of_an_unknown_plugins_fixture(tmp_path: Path, requirements: str, reported: bool) -> None:
    """mcp overrides logfire's ``capfire``: the outer definition may be an unknown plugin's."""
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "requirements.txt": requirements,
            "tests/conftest.py": "import pytest\n\n\n@pytest.fixture(name='capture')\ndef _capture(capture):\n"
            "    return capture\n",
            "tests/test_a.py": "def test_it(capture):\n    pass\n",
        },
    )
    findings = lint(root / "tests" / "test_a.py")
    assert bool(findings) == reported and all("recursive dependency" in finding for finding in findings)


def test_a_lock_file_picks_a_release_that_is_a_plugin(tmp_path: Path) -> None:
    """logfire registered its pytest plugin (``capfire``) in 4.x and no longer does."""
    files = {
        "pyproject.toml": '[project]\nname = "p"\n[dependency-groups]\ndev = ["pytest", "logfire>=3"]\n',
        "tests/test_a.py": "def test_it(capfire):\n    pass\n",
    }
    root = write(tmp_path / "unpinned", files)
    assert named(lint(root / "tests" / "test_a.py")) == ["capfire"]
    root = write(tmp_path / "locked", {**files, "uv.lock": '[[package]]\nname = "logfire"\nversion = "4.31.0"\n'})
    assert lint(root / "tests" / "test_a.py") == []


def test_a_module_that_cannot_import_is_left_alone(tmp_path: Path) -> None:
    """Home Assistant's sdist ships test modules without ``tests/common.py``:
    pytest reports their ImportError, and sets none of their tests up."""
    test = "from .common import helper\n\n\ndef test_it(hass):\n    pass\n"
    root = write(tmp_path / "proj", {"pytest.ini": "[pytest]\n", "tests/__init__.py": "", "tests/test_a.py": test})
    assert lint(root / "tests" / "test_a.py") == []
    (root / "tests" / "common.py").write_text("def helper():\n    pass\n", encoding="utf-8")
    assert named(lint(root / "tests" / "test_a.py")) == ["hass"]


# -- rootdir as pytest finds it -------------------------------------------------------
NESTED = {
    "tests/conftest.py": "import pytest\n\n\n@pytest.fixture\ndef shared():\n    return 1\n",
    "tests/sub/test_a.py": "def test_a(shared):\n    pass\n",
    "tests/sub/conftest.py": "pytest_plugins = ['helpers']\n",
}


def test_without_configuration_every_conftest_above_counts(tmp_path: Path) -> None:
    """pytest's rootdir is where it runs; from the project's top it loads
    tests/conftest.py for tests/sub/test_a.py.  Before: "above the rootdir"."""
    root = write(tmp_path / "proj", NESTED)
    from mocklint.analysis.pytest_model.pytest_config import locate

    config = locate(str(root / "tests" / "sub"))
    assert config.extra.get("guessed") and config.rootdir == str(root)
    assert lint(root / "tests" / "sub" / "test_a.py") == []
    assert lint(root / "tests" / "sub" / "conftest.py", "MCK302") == []  # initial or not: it depends


def test_a_setup_py_is_the_rootdir(tmp_path: Path) -> None:
    """As pytest's determine_setup: with no configuration file, the nearest
    folder holding a setup.py is the rootdir, however pytest is run."""
    root = write(tmp_path / "proj", {**NESTED, "setup.py": "from setuptools import setup\n\nsetup(name='p')\n"})
    (root / "conftest.py").write_text("import pytest\n\n\n@pytest.fixture\ndef top():\n    return 1\n")
    from mocklint.analysis.pytest_model.pytest_config import locate

    config = locate(str(root / "tests" / "sub"))
    assert config.rootdir == str(root) and not config.extra.get("guessed")
    assert lint(root / "tests" / "sub" / "test_a.py") == []
    findings = lint(root / "tests" / "sub" / "conftest.py", "MCK302")
    assert len(findings) == 1 and "non-top-level conftest" in findings[0]


# -- pytest's own diagnoses -------------------------------------------------------------
def test_parametrize_names_the_test_does_not_use(tmp_path: Path) -> None:
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "tests/test_a.py": "import pytest\n\n\n"
            '@pytest.mark.parametrize("code", [200])\ndef test_status(status_code):\n    pass\n',
        },
    )
    findings = lint(root / "tests" / "test_a.py")
    assert len(findings) == 1
    assert findings[0].startswith("4:MCK301 `parametrize` names `code`")
    assert "\"function uses no argument 'code'\"" in findings[0] and "`status_code`" in findings[0]


def test_parametrize_names_a_hook_or_unknown_plugin_may_use_stay_silent(tmp_path: Path) -> None:
    files = {
        "pytest.ini": "[pytest]\n",
        "tests/test_a.py": "import pytest\n\n\n"
        '@pytest.mark.parametrize("code", [200])\ndef test_status():\n    pass\n',
    }
    hook = "def pytest_pycollect_makeitem(collector, name, obj):\n    pass\n"
    root = write(tmp_path / "hook", {**files, "tests/conftest.py": hook})
    assert lint(root / "tests" / "test_a.py") == []
    root = write(tmp_path / "plugin", {**files, "requirements.txt": "pytest\npytest-widgets\n"})
    assert lint(root / "tests" / "test_a.py") == []


@pytest.mark.parametrize(
    ("signature", "error"),
    [
        ("self, a", "TestX.test_x() missing 1 required positional argument: 'a'"),
        ("self, a, b, c", "TestX.test_x() missing 3 required positional arguments: 'a', 'b', and 'c'"),
        ("self, *, k", "TestX.test_x() missing 1 required keyword-only argument: 'k'"),
    ],
)
def test_unittest_methods_get_no_fixtures(tmp_path: Path, signature: str, error: str) -> None:
    root = write(
        tmp_path / "proj",
        {
            "pytest.ini": "[pytest]\n",
            "tests/test_a.py": "import unittest\n\n\nclass TestX(unittest.TestCase):\n"
            f"    def test_x({signature}):\n        pass\n",
        },
    )
    findings = lint(root / "tests" / "test_a.py")
    assert len(findings) == 1 and f'"TypeError: {error}"' in findings[0]
