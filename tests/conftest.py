"""Shared test plumbing.

``tests/fixtures`` holds files that are linted, and some that are executed by
pytest in a subprocess; the outer test run must never collect them nor import
their conftest.py files.
"""

collect_ignore = ["fixtures"]
