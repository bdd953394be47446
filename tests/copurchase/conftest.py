import pytest

from .builders import make_products


@pytest.fixture
def products(db):
    return [p.pk for p in make_products(8)]
