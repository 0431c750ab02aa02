"""The code under test, as the async mock rules need to know it.

A mock is made in a test, a fixture or ``setUp``; the ``await`` or
``async with`` that breaks on it is in the application module the test calls.
This package answers, without importing or running anything:

- ``summaries``: what each function and method of the project's own modules
  *demands* of its parameters, of the attributes its constructor stores on
  ``self`` and of its module's globals: which access paths it awaits, enters
  with ``async with``, iterates with ``async for``, schedules
  (``asyncio.gather``...) or calls and drops, on every path through it;
  ``summary_cache`` keeps them on disk beside the result cache;
- ``matching``: at each call from test code into such a function, whether the
  mock handed over (as ``analysis.mock_values.mocks`` infers it) can meet those demands.
"""
