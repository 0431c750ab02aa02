"""Fixtures and helpers from the pytest 3 days."""
import pytest


@pytest.yield_fixture(scope="module")
def storage():
    yield {}


@pytest.fixture("session")
def bucket():
    return "uploads"


def test_skip_old_style(storage):
    if not storage:
        pytest.skip(msg="storage is empty")


def test_no_warning():
    with pytest.warns(None) as record:
        storage = {}
    assert not record and storage == {}


def test_old_lookup(request):
    assert request.getfuncargvalue("bucket") == "uploads"


class TestNoseStyle:
    def setup(self):
        self.client = object()

    def test_client(self):
        assert self.client is not None
