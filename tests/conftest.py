"""Shared test plumbing.

``tests/fixtures`` holds files that are linted, and some that are executed by
pytest in a subprocess; the outer test run must never collect them nor import
their conftest.py files.

Only tests marked ``slow`` may fetch packages (``support.cache_dir``): the
README's test command, ``python -m pytest -m "not slow"``, runs offline.
"""

from __future__ import annotations

import pytest
import support

collect_ignore = ["fixtures"]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of ``item`` is set up (those of wider scope
    included), say whether it may fetch things."""
    support.fetching_allowed = item.get_closest_marker("slow") is not None
