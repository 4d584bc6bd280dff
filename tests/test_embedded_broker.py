"""The embedded broker never shows a worker a message that is still being written."""

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from kombu import Connection
from kombu.utils.json import dumps

from config.settings import FILESYSTEM_BROKER_TRANSPORT, filesystem_broker_options


@pytest.fixture
def channel(tmp_path: Path) -> Iterator[Any]:
    options = filesystem_broker_options(tmp_path)
    for folder in options.values():
        if isinstance(folder, str):
            Path(folder).mkdir(parents=True, exist_ok=True)
    with Connection(
        "filesystem://", transport=FILESYSTEM_BROKER_TRANSPORT, transport_options=options
    ) as connection:
        yield connection.default_channel


def queue_messages(channel: Any, queue: str) -> list[str]:
    return [name for name in os.listdir(channel.data_folder_in) if name.endswith(f".{queue}.msg")]


def test_a_message_is_invisible_to_readers_until_it_is_whole(
    channel: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_while_writing: list[list[str]] = []

    def dumps_and_look(payload: Any) -> str:
        seen_while_writing.append(queue_messages(channel, "llm"))
        return str(dumps(payload))

    monkeypatch.setattr("config.broker.dumps", dumps_and_look)
    channel._put("llm", {"body": "全文"})

    assert seen_while_writing == [[]]
    assert len(queue_messages(channel, "llm")) == 1
    assert channel._get("llm") == {"body": "全文"}


def test_every_message_comes_out_whole_while_a_reader_polls(channel: Any) -> None:
    sent = [{"n": n, "body": "あ" * 4000} for n in range(300)]
    received: list[Any] = []
    errors: list[BaseException] = []
    done_writing = threading.Event()

    def read() -> None:
        while len(received) < len(sent):
            try:
                received.append(channel._get("llm"))
            except Empty:
                if done_writing.is_set() and not queue_messages(channel, "llm"):
                    return
            except BaseException as exc:  # a half-written message: the failure under test
                errors.append(exc)
                return

    reader = threading.Thread(target=read)
    reader.start()
    for payload in sent:
        channel._put("llm", payload)
    done_writing.set()
    reader.join(timeout=30)

    assert errors == []
    # Kombu orders by the millisecond a message was sent, not within one.
    assert sorted(message["n"] for message in received) == list(range(300))


def test_messages_come_out_oldest_first_including_those_sent_after_a_listing(
    channel: Any,
) -> None:
    for n in range(3):
        channel._put("llm", {"n": n})
        time.sleep(0.002)  # kombu's names order by the millisecond
    channel._put("celery", {"n": "other queue"})

    first = channel._get("llm")  # lists the folder
    channel._put("llm", {"n": 3})

    assert [first] + [channel._get("llm") for _ in range(3)] == [{"n": n} for n in range(4)]
    with pytest.raises(Empty):
        channel._get("llm")
    assert channel._get("celery") == {"n": "other queue"}
    assert os.listdir(channel.processed_folder) == []


def test_two_readers_of_one_folder_never_take_the_same_message(
    channel: Any, tmp_path: Path
) -> None:
    options = filesystem_broker_options(tmp_path)
    with Connection(
        "filesystem://", transport=FILESYSTEM_BROKER_TRANSPORT, transport_options=options
    ) as other:
        second: Any = other.default_channel
        for n in range(20):
            channel._put("llm", {"n": n})
        taken = [second._get("llm")["n"]]  # each reader now holds its own listing
        for reader in [channel, second] * 20:
            try:
                taken.append(reader._get("llm")["n"])
            except Empty:
                continue

    assert sorted(taken) == list(range(20))
