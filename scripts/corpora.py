"""The real-code corpora of mocklint's scripts, in one list, for scripts that want all of them.

Two scripts pin the projects whose test suites mocklint is checked against,
and each keeps its own download cache:

- ``check_mck1xx_false_alarms.py``: async projects (``$MOCKLINT_CORPUS_CACHE``,
  default ``~/.cache/mocklint-corpus``);
- ``check_fixture_false_alarms.py``: projects with conftest trees for the
  fixture rules (``$MOCKLINT_CACHE``, default ``~/.cache/mocklint-false-alarms``).

This module imports their download and unpack helpers (nothing is copied) and
gives each corpus as a :class:`Corpus`: the unpacked sdist and its test folders.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import check_fixture_false_alarms as fixture_corpus  # noqa: E402
import check_mck1xx_false_alarms as mck1xx_corpus  # noqa: E402


@dataclass(frozen=True)
class Corpus:
    label: str  # "aiohttp==3.9.5 (mck1xx)"
    name: str
    version: str
    tests: Tuple[str, ...]  # test folders, relative to ``root``
    origin: str  # "mck1xx" or "fixtures": the script that pins it


def corpora(names: Sequence[str] = ()) -> List[Corpus]:
    """Every pinned project of both scripts (or those called ``names``)."""
    found = [
        Corpus(f"{p.name}=={p.version} (mck1xx)", p.name, p.version, tuple(p.tests), "mck1xx")
        for p in mck1xx_corpus.PROJECTS
    ]
    found += [
        Corpus(f"{name}=={version} (fixtures)", name, version, tuple(folders), "fixtures")
        for name, (version, folders) in fixture_corpus.PROJECTS.items()
    ]
    return [c for c in found if not names or c.name in names]


def unpacked(corpus: Corpus, offline: bool) -> Optional[Path]:
    """The unpacked sdist of ``corpus``, from its script's cache (downloaded there once unless ``offline``)."""
    if corpus.origin == "mck1xx":
        project = next(p for p in mck1xx_corpus.PROJECTS if p.name == corpus.name and p.version == corpus.version)
        cache = mck1xx_corpus.cache_dir()
        sdist = mck1xx_corpus.download(project, cache, offline)
        return mck1xx_corpus.unpack(sdist, cache) if sdist is not None else None
    if offline:
        unpacked_dir = fixture_corpus.cache_dir() / f"{corpus.name}-{corpus.version}" / "src"
        if not unpacked_dir.is_dir() or not any(unpacked_dir.iterdir()):
            return None
    return fixture_corpus.fetch(corpus.name, corpus.version)


def available(names: Sequence[str] = (), offline: bool = True) -> Iterator[Tuple[Corpus, Optional[Path]]]:
    for corpus in corpora(names):
        yield corpus, unpacked(corpus, offline)
