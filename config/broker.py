"""Kombu's transports as the workers use them: the embedded broker's messages appear whole,
and the Redis broker acknowledges through one client object and keeps one message ready.

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
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from queue import Empty
from time import monotonic
from typing import Any

import redis
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.transport import redis as kombu_redis
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads


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

    def _get(self, queue: str) -> Any:  # type: ignore[override]  # as kombu's own
        """Take the oldest message of `queue` this channel knows of, or raise Empty.

        Kombu lists, sorts and scans the whole folder for every message it takes (and for
        every look at an empty queue), which was two fifths of an embedded worker's CPU
        with a thousand messages waiting (bench/runs.py). Here a listing is kept and taken
        from in order until it runs out; messages that arrived since have later names, so
        the order stays the folder's. A message is taken by renaming it into the processed
        folder, beside the queue on the same file system: only one reader's rename wins,
        the others find it gone and move on.
        """
        listed = self._listed.setdefault(queue, deque())
        if not listed:
            wanted = f"{queue}.msg"
            names = os.listdir(self.data_folder_in)
            listed.extend(sorted(name for name in names if name.partition(".")[2] == wanted))
        while listed:
            name = listed.popleft()
            taken = os.path.join(self.processed_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except OSError:
                continue  # another reader took it
            try:
                with open(taken, "rb") as message:
                    payload = message.read()
                if not self.store_processed:
                    os.remove(taken)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {taken!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()

    @cached_property
    def _listed(self) -> dict[str, deque[str]]:
        """Per queue, the names of the last listing not yet taken, oldest first."""
        return {}


class Transport(filesystem.Transport):
    Channel = Channel


class RedisQoS(kombu_redis.QoS):
    """Kombu's late-acknowledgement bookkeeping, taking one message more than the prefetch.

    With one message per thread (prefetch 1), a thread that finished waited for the worker's
    loop to acknowledge, ask Redis for the next message, record it as unacknowledged and
    hand it over: 4 to 6 ms between runs, one after another on one loop. One message more
    per worker process is already there when a thread frees up, and the loop fetches the
    next while that run goes on. It stays one per process, not one per thread, so a worker
    never sits on a queue's worth of runs that another worker could start; a killed
    worker's extra message comes back like the others (visibility timeout, reconciler).
    """

    def can_consume(self) -> bool:
        limit = self.prefetch_count
        taken = len(self._delivered or ()) - len(self._dirty or ())  # delivered, not acked
        return not limit or taken < limit + 1


class RedisChannel(kombu_redis.Channel):
    """Kombu's Redis channel, reusing one client for the commands it sends outside its loop.

    With late acknowledgement every message is written to the unacked index when it is
    taken and removed from it when the task ends, and kombu builds a new `redis.Redis` for
    each (its constructor fills a table of some 170 response callbacks). A `redis.Redis`
    borrows a connection from its pool per command and may be shared between threads, so
    one per pool does: a new pool (after a fork or a reconnect) gets a new one.
    """

    QoS = RedisQoS
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
