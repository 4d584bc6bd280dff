"""Which local servers the tests can use.

On a machine without PostgreSQL or Redis the tests that need them skip with a reason;
with `CI` set they fail instead, because CI's machine has both.
"""

import os
import socket
import sys

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in {"", "0", "false"}


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    return answers("127.0.0.1", 5432)


def redis_available() -> bool:
    return answers("127.0.0.1", 6379)


def require(available: bool, reason: str) -> None:
    """Skip a test whose server or tool is missing here; fail it in CI, where it must exist."""
    import pytest

    if available:
        return
    if in_ci():
        pytest.fail(f"CI is set but {reason}")
    pytest.skip(reason)


def fresh_redis_url(database: int) -> str:
    """A flushed Redis database on 127.0.0.1:6379, for one test's broker."""
    import redis

    require(redis_available(), "Redis does not answer on 127.0.0.1:6379")
    url = f"redis://127.0.0.1:6379/{database}"
    redis.Redis.from_url(url).flushdb()
    return url


def main() -> None:
    if sys.argv[1:] == ["database-url"]:
        if postgres_available():
            print(POSTGRES_URL)
        elif in_ci():
            sys.exit("CI is set but PostgreSQL does not answer on 127.0.0.1:5432")
        return
    sys.exit("usage: services.py database-url")


if __name__ == "__main__":
    main()
