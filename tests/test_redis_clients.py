"""The Redis cache and broker reuse one client object instead of building one per command.

Building a `redis.Redis` costs a tenth of a millisecond of CPU; Django's cache did it for
every call and kombu for every message taken and acknowledged (config/cache.py,
config/broker.py). These run against the test Redis server.
"""

from typing import Any

import redis
from kombu import Connection

from config.broker import RedisTransport
from config.cache import RedisCache
from tests.services import fresh_redis_url


def test_the_redis_cache_answers_through_one_client_per_pool() -> None:
    url = fresh_redis_url(8)
    cache = RedisCache(url, {})

    cache.set("answer", 42)
    cache.set_many({"a": 1, "b": 2})

    assert cache.get("answer") == 42
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": 2}
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


def test_the_redis_broker_takes_and_acknowledges_messages_through_one_client() -> None:
    url = fresh_redis_url(8)
    with Connection(url, transport=RedisTransport) as connection:
        channel: Any = connection.default_channel
        queue = connection.SimpleQueue("bench-ack")
        queue.put({"run": 1})
        queue.put({"run": 2})

        for expected in (1, 2):
            message = queue.get(timeout=5)
            assert message.payload == {"run": expected}
            message.ack()

        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
        assert first.connection_pool is channel.pool
        unacked = redis.Redis.from_url(url)
        assert unacked.hlen(channel.unacked_key) == 0
        assert unacked.zcard(channel.unacked_index_key) == 0
        queue.close()
