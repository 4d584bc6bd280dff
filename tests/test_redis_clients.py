"""The Redis cache and broker as the platform configures them (config/cache.py,
config/broker.py), against the test Redis server.

They reuse one client object instead of building one per command: building a
`redis.Redis` costs a tenth of a millisecond of CPU, and Django's cache did it for every
call and kombu for every message taken and acknowledged. The broker also takes one
message more than its prefetch, so a worker's next run is there when a thread frees up.
"""

import contextlib
from typing import Any

import redis
from kombu import Connection, Exchange, Message, Queue

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


def test_the_redis_broker_takes_one_message_more_than_its_prefetch() -> None:
    url = fresh_redis_url(8)
    queue = Queue("spare", Exchange("spare"), routing_key="spare")
    taken: list[Message] = []

    def take(body: object, message: Message) -> None:
        taken.append(message)

    with Connection(url, transport=RedisTransport) as connection:
        producer = connection.Producer()
        for run in range(4):
            producer.publish({"run": run}, exchange="spare", routing_key="spare", declare=[queue])

        def drain() -> None:
            for _ in range(5):
                with contextlib.suppress(TimeoutError):
                    connection.drain_events(timeout=0.2)

        with connection.Consumer(queue, callbacks=[take]) as consumer:
            consumer.qos(prefetch_count=2)
            drain()
            assert [message.payload["run"] for message in taken] == [0, 1, 2]

            taken[0].ack()
            drain()
            assert [message.payload["run"] for message in taken] == [0, 1, 2, 3]
