import pytest


@pytest.fixture
def api_base_url():
    return "https://api.example.org"
