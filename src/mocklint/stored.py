"""Reading back the JSON mocklint wrote itself (its caches, the shipped gate table).

Such a file may be truncated, of an older mocklint, or edited by hand: a value
of another type than the one written is a ``ValueError``, which each reader
turns into a miss (a cache entry linted again, a table not trusted).
"""

from __future__ import annotations

from typing import Any, Type, TypeVar

T = TypeVar("T")


def expect(value: Any, kind: Type[T]) -> T:
    """``value`` when it is exactly of ``kind`` (a bool is no int here), else ``ValueError``."""
    if type(value) is not kind:
        raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value  # type: ignore[no-any-return]
