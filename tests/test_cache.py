"""The command line's result cache: warm runs redo nothing, and nothing stale survives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from mocklint import cli
from mocklint.engine import Engine

FLAGGED = 'import pytest\n\n\ndef test_skip():\n    pytest.skip(msg="later")\n'
PATCHING = '''\
from unittest.mock import MagicMock, patch

from app import service


async def test_reserve():
    with patch("app.service.reserve", new=MagicMock()):
        await service.checkout()
'''


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The paths the engine really lints (a cache hit never reaches it)."""
    seen: List[str] = []
    original = Engine.lint

    def counting(self: Engine, source: str, path: object = None, tree: object = None):  # type: ignore[no-untyped-def]
        seen.append(str(path))
        return original(self, source, path, tree)  # type: ignore[arg-type]

    monkeypatch.setattr(Engine, "lint", counting)
    return seen


def run(project: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> str:
    status = cli.main(["--isolated", "--cache-dir", str(project / ".cache"), *args, str(project)])
    assert status in (0, 1)
    return capsys.readouterr().out


def test_a_warm_run_lints_nothing_and_reports_the_same(
    tmp_path: Path, linted: List[str], capsys: pytest.CaptureFixture[str]
) -> None:
    for index in range(5):
        # the clean ones need the engine too (a rule's gate matches `def test`)
        (tmp_path / f"test_{index}.py").write_text(FLAGGED if index % 2 else "def test_ok():\n    pass\n", encoding="utf-8")
    cold = run(tmp_path, capsys=capsys)
    assert len(linted) == 5 and cold.count("MCK204") == 2
    linted.clear()
    warm = run(tmp_path, capsys=capsys)
    assert linted == []
    assert warm == cold
    assert (tmp_path / ".cache" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")


def test_a_changed_file_is_linted_again(tmp_path: Path, linted: List[str], capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "test_a.py").write_text(FLAGGED, encoding="utf-8")
    (tmp_path / "test_b.py").write_text(FLAGGED, encoding="utf-8")
    run(tmp_path, capsys=capsys)
    linted.clear()
    (tmp_path / "test_b.py").write_text(FLAGGED.replace("msg=", "reason="), encoding="utf-8")
    out = run(tmp_path, capsys=capsys)
    assert [Path(p).name for p in linted] == ["test_b.py"]
    assert out.count("MCK204") == 1


def test_a_changed_dependency_invalidates_the_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("", encoding="utf-8")
    target = tmp_path / "app" / "service.py"
    target.write_text("async def reserve():\n    return 1\n\n\nasync def checkout():\n    return await reserve()\n")
    (tmp_path / "test_service.py").write_text(PATCHING, encoding="utf-8")
    assert "MCK102" in run(tmp_path, capsys=capsys)
    target.write_text("def reserve():\n    return 1\n\n\nasync def checkout():\n    return reserve()\n")
    assert "MCK102" not in run(tmp_path, capsys=capsys)


def test_selection_is_part_of_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "test_a.py").write_text(FLAGGED, encoding="utf-8")
    assert "MCK204" in run(tmp_path, capsys=capsys)
    assert "MCK204" not in run(tmp_path, "--ignore", "MCK204", capsys=capsys)


def test_no_cache_writes_nothing(tmp_path: Path, linted: List[str], capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "test_a.py").write_text(FLAGGED, encoding="utf-8")
    assert cli.main(["--isolated", "--no-cache", str(tmp_path)]) == 1
    assert cli.main(["--isolated", "--no-cache", str(tmp_path)]) == 1
    capsys.readouterr()
    assert len(linted) == 2
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_a_parallel_run_lints_only_what_the_cache_misses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With ``-j``, the parent answers cached files itself: an unchanged project
    starts no worker process, and a changed file goes to the workers alone,
    its outcome in its place in the order."""
    for index in range(6):
        (tmp_path / f"test_{index}.py").write_text(FLAGGED if index % 2 else "x = 1\n", encoding="utf-8")
    cold = run(tmp_path, "-j", "2", capsys=capsys)
    sent: List[List[str]] = []
    real_executor = cli.ProcessPoolExecutor

    class Recording(real_executor):  # type: ignore[misc,valid-type]
        def map(self, fn, *iterables, **kwargs):  # type: ignore[no-untyped-def]
            tasks = list(iterables[0])
            sent.append([Path(task.display).name for task in tasks])
            return super().map(fn, tasks, **kwargs)

    monkeypatch.setattr(cli, "ProcessPoolExecutor", Recording)
    assert run(tmp_path, "-j", "2", capsys=capsys) == cold
    assert sent == []
    (tmp_path / "test_2.py").write_text(FLAGGED, encoding="utf-8")
    (tmp_path / "test_4.py").write_text(FLAGGED, encoding="utf-8")
    changed = run(tmp_path, "-j", "2", capsys=capsys)
    assert sent == [["test_2.py", "test_4.py"]]
    assert changed.count("MCK204") == 5
    assert changed == run(tmp_path, "-j", "1", capsys=capsys)


def test_a_warm_run_never_imports_libcst(tmp_path: Path) -> None:
    """The engine (and libcst, a third of a second to import) loads only when
    some file must be linted.  Both runs are the same command: outcomes depend
    on the import search path, which pytest's own process changes."""
    (tmp_path / "test_a.py").write_text(FLAGGED, encoding="utf-8")
    script = (
        "import sys\n"
        "from mocklint import cli\n"
        f"status = cli.main(['--isolated', '--cache-dir', {str(tmp_path / '.cache')!r}, {str(tmp_path)!r}])\n"
        "print('libcst' in sys.modules, status)\n"
    )
    outputs = []
    for _ in range(2):  # cold, then warm
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        outputs.append(done.stdout.splitlines()[-1])
    assert outputs == ["True 1", "False 1"]
