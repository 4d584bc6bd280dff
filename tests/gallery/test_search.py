"""Search on the main session's database (PostgreSQL in CI: tsvector + GIN)."""

from .search_cases import *  # noqa: F403
