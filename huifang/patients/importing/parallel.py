"""Reading and preparing rows in a thread while this one writes them.

Writing a batch is mostly waiting: the database server parses the COPY
data, checks the constraints and updates the indexes on its own core
while the writing thread sits in a socket call, with the GIL released.
A preparing thread uses that time to read and normalise the next rows,
so Python's work and the server's overlap without a second process (and
without pickling every prepared row across a pipe, which cost more than
it saved). The thread hands rows over in chunks through a bounded queue,
so what is in flight stays small; the main loop sees exactly the stream
it would have computed itself.

While a thread prepares, the interpreter switches threads every half
millisecond instead of every five: the writing thread, back from the
server, would otherwise wait up to 5 ms for the GIL at each of the dozen
round trips of every batch.
"""

import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import translation

from huifang.patients.importing.prepare import Prepared, Rejected, RowPreparer
from huifang.patients.importing.reader import RawRow

# Files smaller than this are prepared inline: a thread brings nothing when
# the whole import is a few batches.
PARALLEL_MIN_ROWS = 5_000
_CHUNK_ROWS = 500
# Chunks prepared ahead of the writing loop (about 10,000 rows).
_CHUNKS_AHEAD = 20
_SWITCH_INTERVAL = 0.0005

_switching = threading.Lock()
_switching_users = 0
_switch_before = 0.0

Outcome = tuple[RawRow, Prepared | None, str]


def prepare_here(rows: Iterator[RawRow], preparer: RowPreparer) -> Iterator[Outcome]:
    """``(row, prepared, "")`` or ``(row, None, reason)`` for each row, in this thread."""
    for row in rows:
        try:
            yield row, preparer.prepare(row), ""
        except Rejected as exc:
            yield row, None, exc.reason


def prepare_ahead(rows: Iterator[RawRow], preparer: RowPreparer) -> Iterator[Outcome]:
    """``prepare_here(rows, preparer)``, computed by a thread a few chunks ahead.

    An error while reading (an undecodable byte, say) comes out of this
    generator after the rows before it, as it would inline. Closing the
    generator (the import failed) stops the thread.
    """
    chunks: queue.Queue = queue.Queue(maxsize=_CHUNKS_AHEAD)
    stop = threading.Event()
    language = translation.get_language()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        chunk: list[Outcome] = []
        with translation.override(language):
            try:
                for outcome in prepare_here(rows, preparer):
                    chunk.append(outcome)
                    if len(chunk) >= _CHUNK_ROWS:
                        if not put(chunk):
                            return
                        chunk = []
            except BaseException as exc:  # raised in the importing thread
                if chunk:
                    put(chunk)
                put(exc)
                return
        if chunk:
            put(chunk)
        put(None)

    thread = threading.Thread(target=work, name="import-prepare", daemon=True)
    with _quick_switching():
        thread.start()
        try:
            while True:
                item = chunks.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield from item
        finally:
            stop.set()
            thread.join()


@contextmanager
def _quick_switching():
    """``sys.setswitchinterval`` lowered while any import prepares ahead, then restored."""
    global _switching_users, _switch_before
    with _switching:
        if _switching_users == 0:
            _switch_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_before, _SWITCH_INTERVAL))
        _switching_users += 1
    try:
        yield
    finally:
        with _switching:
            _switching_users -= 1
            if _switching_users == 0:
                sys.setswitchinterval(_switch_before)
