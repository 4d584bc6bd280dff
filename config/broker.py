"""Kombu's transports as the workers use them: the embedded broker's messages appear whole,
and the Redis broker acknowledges through one client object.

The embedded broker (`Transport`) is kombu's filesystem transport with one change. Kombu
writes a message into the shared queue folder in place, so a worker polling the
folder can take the file after it is created and before its bytes are written; it then
reads an empty message and stops with "Unrecoverable error: JSONDecodeError". A fast
polling interval (settings.CELERY_BROKER_POLLING_INTERVAL) makes that race common. Here
a message is written under a name no reader looks at and renamed into place: a rename
within one folder is atomic, so a reader sees either no message or all of it.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import monotonic
from typing import Any

import redis
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.transport import redis as kombu_redis
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # Kombu's own filesystem Channel already renames `message` to `payload`; keep its form.
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        # The same name kombu gives it (its time prefix keeps the queue in order).
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A reader takes only "<prefix>.<queue>.msg"; this name ends in ".part".
        partial = os.path.join(self.data_folder_out, f"writing-{uuid.uuid4()}.part")
        try:
            with open(partial, "wb") as out:
                out.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


class RedisChannel(kombu_redis.Channel):
    """Kombu's Redis channel, reusing one client for the commands it sends outside its loop.

    With late acknowledgement every message is written to the unacked index when it is
    taken and removed from it when the task ends, and kombu builds a new `redis.Redis` for
    each (its constructor fills a table of some 170 response callbacks). A `redis.Redis`
    borrows a connection from its pool per command and may be shared between threads, so
    one per pool does: a new pool (after a fork or a reconnect) gets a new one.
    """

    _shared_client: redis.Redis | None = None
    # Kombu's own, missing from its type stubs.
    _pool: redis.ConnectionPool | None
    _create_client: Callable[[], redis.Redis]

    @contextmanager
    def conn_or_acquire(self, client: redis.Redis | None = None) -> Iterator[redis.Redis]:
        if client:
            yield client
            return
        shared = self._shared_client
        if shared is None or shared.connection_pool is not self._pool:
            shared = self._shared_client = self._create_client()
        yield shared


class RedisTransport(kombu_redis.Transport):
    Channel = RedisChannel
