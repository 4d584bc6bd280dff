"""Which local servers the tests can use.

On a machine without PostgreSQL or Redis the tests that need them skip with a reason;
with `CI` set they fail instead, because CI's machine has both.
"""

import os
import socket
import sys

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
# The Redis server the tests flush databases of; another port keeps two checkouts apart.
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))


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
    return answers("127.0.0.1", REDIS_PORT)


def require(available: bool, reason: str) -> None:
    """Skip a test whose server or tool is missing here; fail it in CI, where it must exist."""
    import pytest

    if available:
        return
    if in_ci():
        pytest.fail(f"CI is set but {reason}")
    pytest.skip(reason)


def fresh_redis_url(database: int) -> str:
    """A flushed Redis database on the test Redis server, for one test's broker."""
    import redis

    require(redis_available(), f"Redis does not answer on 127.0.0.1:{REDIS_PORT}")
    url = f"redis://127.0.0.1:{REDIS_PORT}/{database}"
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
