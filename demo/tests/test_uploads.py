"""Upload tests written for pytest 3, never updated."""
import pytest


@pytest.mark.skipif(not pytest.config.getoption("--slow"), reason="needs --slow")
def test_big_upload():
    assert True


def test_verbose_upload():
    if pytest.config.getoption("verbose") > 1:
        print("uploading 1 GiB")


def test_upload_is_fine(request):
    # The right way: nothing to report here.
    assert request.config.getoption("verbose") >= 0
