"""Search on SQLite (FTS5 over the same bigrams), in the embedded session of `make test`."""

import pytest
from django.db import connection

from .search_cases import *  # noqa: F403

pytestmark = pytest.mark.embedded


@pytest.fixture(autouse=True)
def _sqlite_only(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip(f"runs on SQLite; this session uses {connection.vendor}")
