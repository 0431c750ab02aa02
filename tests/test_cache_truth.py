"""The result cache tells the truth: a cached outcome equals a fresh one, and the cache never writes outside its place.

- a ``.mocklint_cache`` that a cloned repository ships as a symlink (``-> ..``)
  or that resolves outside the project is refused (``--cache-dir`` is trusted);
  nothing inside the cache folder is followed out of it;
- an entry of the wrong shape is a miss, overwritten, never a finding of its own;
- an outcome depends on the environment it read: installed plugins, pytest's
  version, the import search path;
- a dependency is compared by content, so an edit that keeps the size and
  restores the mtime (``cp -p``, ``rsync -a``, ``tar``) is seen;
- the language server forgets the project model of a closed or deleted project.

Runs that depend on the environment or on file contents that an in-process
cache would remember are real ``python -m mocklint`` subprocesses, as users run
them; the others call ``cli.main`` in-process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from support import import_or_unavailable

from mocklint import cli
from mocklint.analysis.pytest_model import project
from mocklint.analysis import reads

FLAGGED = 'import pytest\n\n\ndef test_skip():\n    pytest.skip(msg="later")\n'
USES_FIXTURE = "def test_a({name}):\n    assert {name}\n"


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    return root


def _listing(folder: Path) -> List[str]:
    return sorted(p.name for p in folder.iterdir())


# -- 11. the cache folder stays in the project ------------------------------------
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_cache_folder_symlinked_above_the_project_is_refused(
    tmp_path: Path, jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "cloned")
    (root / "test_a.py").write_text(FLAGGED, encoding="utf-8")
    (root / "test_b.py").write_text(FLAGGED, encoding="utf-8")
    (root / ".mocklint_cache").symlink_to("..", target_is_directory=True)
    before = _listing(tmp_path)
    assert cli.main(["-j", jobs, str(root)]) == 1
    out, err = capsys.readouterr()
    assert out.count("MCK204") == 2
    assert _listing(tmp_path) == before  # no CACHEDIR.TAG, .gitignore nor v1/ above the project
    assert err.count("warning:") == 1 and ".mocklint_cache" in err and "without a cache" in err


def test_a_cache_folder_that_resolves_outside_the_project_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The project reached through a symlinked parent is fine; its cache folder
    leading elsewhere is not."""
    outside = tmp_path / "outside"
    outside.mkdir()
    root = _project(tmp_path / "real")
    (root / "test_a.py").write_text(FLAGGED, encoding="utf-8")
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    (root / "inner").symlink_to(outside, target_is_directory=True)
    assert cli.main([str(tmp_path / "link")]) == 1
    assert (root / ".mocklint_cache" / "v1").is_dir()  # a cache folder in the project, through a symlinked path
    capsys.readouterr()
    shutil.rmtree(root / ".mocklint_cache")
    (root / ".mocklint_cache").symlink_to(root / "inner", target_is_directory=True)  # a chain of links, leading out
    assert cli.main([str(root)]) == 1
    assert "without a cache" in capsys.readouterr().err
    assert _listing(outside) == []


def test_nothing_inside_the_cache_folder_is_followed_out_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shipped real ``.mocklint_cache`` folder whose markers are dangling
    symlinks and whose ``v1`` leads out: no file is created outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    root = _project(tmp_path / "cloned")
    (root / "test_a.py").write_text(FLAGGED, encoding="utf-8")
    cache = root / ".mocklint_cache"
    cache.mkdir()
    (cache / ".gitignore").symlink_to(outside / "planted-gitignore")
    (cache / "CACHEDIR.TAG").symlink_to(outside / "planted-tag")
    (cache / "v1").symlink_to(outside, target_is_directory=True)
    for _ in range(2):
        assert cli.main([str(root)]) == 1
        assert capsys.readouterr().out.count("MCK204") == 1
    assert _listing(outside) == []


def test_a_cache_dir_given_on_the_command_line_is_trusted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path / "proj")
    (root / "test_a.py").write_text(FLAGGED, encoding="utf-8")
    elsewhere = tmp_path / "shared-cache"
    elsewhere.mkdir()
    (tmp_path / "cache-link").symlink_to(elsewhere, target_is_directory=True)
    assert cli.main(["--cache-dir", str(tmp_path / "cache-link"), str(root)]) == 1
    assert "warning" not in capsys.readouterr().err
    assert (elsewhere / "CACHEDIR.TAG").is_file() and any((elsewhere / "v1").iterdir())


# -- 12. an entry of the wrong shape is a miss --------------------------------------
GOOD_OUTCOME: Dict[str, Any] = {"diagnostics": [], "notes": [], "checked": True}
BAD_ENTRIES = {
    "a list": [],
    "null": None,
    "a string": "outcome",
    "outcome not an object": {"outcome": 5, "files": [], "environment": []},
    "diagnostics not a list": {"outcome": {**GOOD_OUTCOME, "diagnostics": 3}, "files": [], "environment": []},
    "a short diagnostic": {"outcome": {**GOOD_OUTCOME, "diagnostics": [["x"]]}, "files": [], "environment": []},
    "a long diagnostic": {
        "outcome": {**GOOD_OUTCOME, "diagnostics": [[5, 4, "MCK204", "m", 5, 20, "n", "extra"]]},
        "files": [],
        "environment": [],
    },
    "a line that is a bool": {
        "outcome": {**GOOD_OUTCOME, "diagnostics": [[True, 4, "MCK204", "m", 5, 20, "n"]]},
        "files": [],
        "environment": [],
    },
    "a note of three": {"outcome": {**GOOD_OUTCOME, "notes": [["a", "b", "c"]]}, "files": [], "environment": []},
    "checked missing": {"outcome": {"diagnostics": [], "notes": []}, "files": [], "environment": []},
    "files not a list": {"outcome": GOOD_OUTCOME, "files": 7, "environment": []},
    "a file entry of one": {"outcome": GOOD_OUTCOME, "files": [["a"]], "environment": []},
    "a stamp that is a number": {"outcome": GOOD_OUTCOME, "files": [["/x", 12]], "environment": []},
    "environment missing": {"outcome": GOOD_OUTCOME, "files": []},
    "the old mtime stamps": {"outcome": GOOD_OUTCOME, "dependencies": [["/x", [1, 2]]]},
}


@pytest.mark.parametrize(
    ("entry", "jobs"),
    # each shape through the serial run; the cache is read before any worker starts, so
    # one shape shows that a miss is linted and stored again through the workers of -j2
    [pytest.param(entry, "1", id=f"{name}-1") for name, entry in BAD_ENTRIES.items()]
    + [pytest.param(BAD_ENTRIES["a list"], "2", id="a list-2")],
)
def test_an_entry_of_the_wrong_shape_is_a_miss_and_is_overwritten(
    tmp_path: Path, entry: Any, jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path / "proj")
    for index in range(3):
        (root / f"test_{index}.py").write_text(FLAGGED, encoding="utf-8")
    command = ["--cache-dir", str(tmp_path / "cache"), "-j", jobs, str(root)]
    assert cli.main(command) == 1
    cold = capsys.readouterr()
    stored = sorted((tmp_path / "cache" / "v1").rglob("*.json"))
    assert len(stored) == 3
    for path in stored:
        path.write_text(json.dumps(entry), encoding="utf-8")
    assert cli.main(command) == 1
    warm = capsys.readouterr()
    assert (warm.out, warm.err) == (cold.out, cold.err)
    assert "MCK000" not in warm.out
    for path in stored:
        assert json.loads(path.read_text(encoding="utf-8")) != entry  # overwritten with the fresh outcome


# -- 13. the environment is part of what an outcome read -----------------------------
def _mocklint(root: Path, *args: str, pythonpath: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    return subprocess.run(
        [sys.executable, "-m", "mocklint", *args, str(root)],
        cwd=root.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _distribution(site: Path, name: str, version: str, entry_points: str = "") -> Path:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    if entry_points:
        (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    return info


FIXTURE_MODULE = "import pytest\n\n\n@pytest.fixture\ndef {name}():\n    return 1\n"


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # slow: -j2 workers
def test_an_uninstalled_plugin_is_seen(tmp_path: Path, jobs: str) -> None:
    site = tmp_path / "site"
    (site / "widget_plugin").mkdir(parents=True)
    (site / "widget_plugin" / "__init__.py").write_text(FIXTURE_MODULE.format(name="special_widget"))
    info = _distribution(site, "pytest_widget", "1.0", "[pytest11]\nwidget = widget_plugin\n")
    root = _project(tmp_path / "proj")
    for index in range(2):
        (root / f"test_{index}.py").write_text(USES_FIXTURE.format(name="special_widget"), encoding="utf-8")
    assert _mocklint(root, "-j", jobs, pythonpath=site).returncode == 0
    shutil.rmtree(info)  # pip uninstall pytest-widget (leaves nothing behind here but the module)
    done = _mocklint(root, "-j", jobs, pythonpath=site)
    assert done.stdout.count("MCK301") == 2, done.stdout + done.stderr


def test_another_pytest_version_is_seen(tmp_path: Path) -> None:
    """A fixture that only the newer pytest has: after the upgrade it is found."""
    site = tmp_path / "site"
    package = site / "_pytest"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "_version.py").write_text('__version__ = "1.0"\n')
    (package / "fixtures.py").write_text(FIXTURE_MODULE.format(name="pytestconfig"))
    info = _distribution(site, "pytest", "1.0")
    root = _project(tmp_path / "proj")
    (root / "test_a.py").write_text(USES_FIXTURE.format(name="brand_new_thing"), encoding="utf-8")
    assert "MCK301" in _mocklint(root, pythonpath=site).stdout
    # pip install -U pytest: a new version, with one more fixture
    shutil.rmtree(info)
    _distribution(site, "pytest", "2.0")
    (package / "_version.py").write_text('__version__ = "2.0"\n')
    (package / "newer.py").write_text(FIXTURE_MODULE.format(name="brand_new_thing"))
    done = _mocklint(root, pythonpath=site)
    assert "MCK301" not in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # slow: -j2 workers
def test_another_import_search_path_is_seen(tmp_path: Path, jobs: str) -> None:
    """``patch()`` targets resolve on sys.path: another PYTHONPATH, another definition."""
    for folder, body in (
        ("async_lib", "async def reserve():\n    return 1\n\n\nasync def checkout():\n    return await reserve()\n"),
        ("sync_lib", "def reserve():\n    return 1\n\n\nasync def checkout():\n    return reserve()\n"),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "extlib.py").write_text(body, encoding="utf-8")
    root = _project(tmp_path / "proj")
    test = (
        "from unittest.mock import MagicMock, patch\n\nimport extlib\n\n\n"
        "async def test_reserve_{n}():\n"
        '    with patch("extlib.reserve", new=MagicMock()):\n'
        "        await extlib.checkout()\n"
    )
    for index in range(2):
        (root / f"test_{index}.py").write_text(test.format(n=index), encoding="utf-8")
    assert _mocklint(root, "-j", jobs, pythonpath=tmp_path / "async_lib").stdout.count("MCK102") == 2
    done = _mocklint(root, "-j", jobs, pythonpath=tmp_path / "sync_lib")
    assert "MCK102" not in done.stdout, done.stdout + done.stderr


# -- 14. dependencies are compared by content ----------------------------------------
@pytest.mark.parametrize("jobs", ["1", pytest.param("2", marks=pytest.mark.slow)])  # slow: -j2 workers
def test_a_same_size_edit_with_the_mtime_restored_is_seen(tmp_path: Path, jobs: str) -> None:
    root = _project(tmp_path / "proj")
    conftest = root / "conftest.py"
    conftest.write_text(FIXTURE_MODULE.format(name="alpha_x"), encoding="utf-8")
    for index in range(2):
        (root / f"test_{index}.py").write_text(USES_FIXTURE.format(name="alpha_x"), encoding="utf-8")
    assert _mocklint(root, "-j", jobs, pythonpath=tmp_path).returncode == 0
    status = conftest.stat()
    conftest.write_text(FIXTURE_MODULE.format(name="alpha_y"), encoding="utf-8")  # as `cp -p` or `rsync -a` leave it
    os.utime(conftest, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert conftest.stat().st_size == status.st_size
    done = _mocklint(root, "-j", jobs, pythonpath=tmp_path)
    assert done.stdout.count("MCK301") == 2, done.stdout + done.stderr


def test_a_conftest_created_on_the_path_is_seen_by_every_file(tmp_path: Path) -> None:
    """The project model answers the second file of a folder from what it
    built for the first: that file's outcome depends on the same files."""
    root = _project(tmp_path / "proj")
    (root / "tests").mkdir()
    for index in range(3):
        (root / "tests" / f"test_{index}.py").write_text(USES_FIXTURE.format(name="made_later"), encoding="utf-8")
    assert _mocklint(root, pythonpath=tmp_path).stdout.count("MCK301") == 3
    (root / "conftest.py").write_text(FIXTURE_MODULE.format(name="made_later"), encoding="utf-8")
    done = _mocklint(root, pythonpath=tmp_path)
    assert "MCK301" not in done.stdout, done.stdout + done.stderr


def test_a_warm_run_reads_each_dependency_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Content hashes stay cheap: every dependency is hashed at most once per
    run, however many outcomes depend on it."""
    root = _project(tmp_path / "proj")
    (root / "conftest.py").write_text(FIXTURE_MODULE.format(name="shared"), encoding="utf-8")
    for index in range(20):
        (root / f"test_{index}.py").write_text(USES_FIXTURE.format(name="shared"), encoding="utf-8")
    command = ["--cache-dir", str(tmp_path / "cache"), str(root)]
    assert cli.main(command) == 0
    hashed: List[str] = []
    original = reads.content_stamp

    def counting(path: str) -> Optional[str]:
        hashed.append(path)
        return original(path)

    monkeypatch.setattr(reads, "content_stamp", counting)
    assert cli.main(command) == 0
    capsys.readouterr()
    assert str(root / "conftest.py") in hashed
    assert len(hashed) == len(set(hashed))


# -- 18. the language server forgets closed and deleted projects ------------------------
def test_models_of_projects_without_open_documents_are_evicted(tmp_path: Path) -> None:
    project.clear_caches()
    one = _project(tmp_path / "one")
    two = _project(tmp_path / "two")
    for root in (one, two):
        (root / "conftest.py").write_text(FIXTURE_MODULE.format(name="shared"), encoding="utf-8")
        (root / "test_a.py").write_text(USES_FIXTURE.format(name="shared"), encoding="utf-8")
        model = project.model_for(str(root))
        assert model is not None
        model.conftest_level(str(root))
    assert len(project._models) == 2
    project.evict_unused([str(one / "test_a.py"), str(two / "test_a.py")])
    assert len(project._models) == 2
    project.evict_unused([str(one / "test_a.py")])
    assert [model.root for model in project._models.values()] == [str(one)]
    assert not any(path.startswith(str(two)) for path in project._facts_cache)
    shutil.rmtree(one)  # the project deleted while its document is still open
    project.evict_unused([str(one / "test_a.py")])
    assert project._models == {} and project._facts_cache == {}


def test_the_language_server_evicts_on_close(tmp_path: Path) -> None:
    import_or_unavailable("pygls")  # a test dependency: fails under CI=true
    from lsprotocol import types as lsp
    from pygls.workspace import Workspace

    from mocklint.lsp import Mocklint

    class Server:
        def __init__(self) -> None:
            self.workspace = Workspace(None)

        def text_document_publish_diagnostics(self, params: Any) -> None:
            pass

    project.clear_caches()
    server = Server()
    state = Mocklint(server)
    uris = []
    for name in ("one", "two"):
        root = _project(tmp_path / name)
        path = root / "test_a.py"
        text = USES_FIXTURE.format(name="missing_here")
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        server.workspace.put_text_document(lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
        state.lint(uri)
        uris.append(uri)
    assert state.stats()["projectModels"] == 2
    server.workspace.remove_text_document(uris[0])
    state.forget(uris[0])
    assert state.stats()["projectModels"] == 1
    shutil.rmtree(tmp_path / "two")  # deleted on disk, its buffer still open
    state.lint_all()
    assert state.stats()["projectModels"] == 0
