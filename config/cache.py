"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call, and
its constructor fills a table of some 170 response callbacks: a tenth of a millisecond of
CPU each time, on the worker's path through the shared rate (contest/runs/throttle.py) on
every run. A `redis.Redis` holds no connection of its own (it borrows one from its pool for
each command), so one per pool serves every call, as redis-py documents.
"""

from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    # Django's own, missing from its type stubs.
    _get_connection_pool: Callable[[bool], redis.ConnectionPool]
    _client: type[redis.Redis]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[redis.ConnectionPool, redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
