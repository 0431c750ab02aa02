"""``python -m mocklint``: the same command as the ``mocklint`` script."""

from __future__ import annotations

import sys

from mocklint.cli import main

if __name__ == "__main__":
    sys.exit(main())
