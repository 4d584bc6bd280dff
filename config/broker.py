"""The embedded broker: kombu's filesystem transport, with messages that appear whole.

Kombu writes a message into the shared queue folder in place, so a worker polling the
folder can take the file after it is created and before its bytes are written; it then
reads an empty message and stops with "Unrecoverable error: JSONDecodeError". A fast
polling interval (settings.CELERY_BROKER_POLLING_INTERVAL) makes that race common. Here
a message is written under a name no reader looks at and renamed into place: a rename
within one folder is atomic, so a reader sees either no message or all of it.
"""

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
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
