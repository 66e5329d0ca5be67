"""Reading and preparing rows while this thread writes them.

Writing a batch is mostly waiting: the database server parses the COPY
data, checks the constraints and updates the indexes on its own core
while the writing thread sits in a socket call, with the GIL released.
Preparing the next rows (reading, normalising, fingerprinting) fills that
time, in one of two ways:

- ``prepare_in_worker``: a forked process prepares, so preparing has a
  core of its own; it sends chunks of rows through a pipe, and a thread of
  this process receives and unpickles them while the writer waits on the
  server. For the command line (a process with one thread: a fork copies
  other threads' locks held).
- ``prepare_ahead``: a thread prepares, sharing the GIL with the writer.
  For the task worker and the web, where forking is unsafe.

Either hands rows over in chunks through a bounded queue, so what is in
flight stays small, and the main loop sees exactly the stream it would
have computed itself. A worker whose importing process has gone (failed
or killed) fails on its next send and exits.

While either runs, the interpreter switches threads every half
millisecond instead of every five: the writing thread, back from the
server, would otherwise wait up to 5 ms for the GIL at each of the dozen
round trips of every batch.
"""

import gc
import multiprocessing
import os
import pickle
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.utils import translation

from huifang.patients.importing.prepare import Prepared, Rejected, RowPreparer
from huifang.patients.importing.reader import RawRow

# Files smaller than this are prepared inline: a worker costs a fork, and
# neither brings anything when the whole import is a few batches.
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


def worker_possible() -> bool:
    """A fork is safe only from a process with one thread (the command line, not a
    threaded task consumer, whose other threads' locks a fork would copy held)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and (os.cpu_count() or 1) > 1
    )


def _bounded_queue(stop: threading.Event):
    """A queue of ``_CHUNKS_AHEAD`` items, and ``put`` that gives up on ``stop``."""
    chunks: queue.Queue = queue.Queue(maxsize=_CHUNKS_AHEAD)

    def put(item) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    return chunks, put


def _consume(chunks: queue.Queue) -> Iterator[Outcome]:
    """The outcomes in the queue's chunks, until ``None``; an exception is raised."""
    while True:
        item = chunks.get()
        if item is None:
            return
        if isinstance(item, BaseException):
            raise item
        yield from item


def _handed_over(
    thread: threading.Thread,
    chunks: queue.Queue,
    stop: threading.Event,
    before_join: Callable[[], None] | None = None,
) -> Iterator[Outcome]:
    """Start ``thread`` (which fills ``chunks``) and yield what it hands over; on
    the way out, however it ends, ``stop`` it (after ``before_join``) and join it."""
    with _quick_switching():
        thread.start()
        try:
            yield from _consume(chunks)
        finally:
            stop.set()
            if before_join is not None:
                before_join()
            thread.join()


def prepare_ahead(rows: Iterator[RawRow], preparer: RowPreparer) -> Iterator[Outcome]:
    """``prepare_here(rows, preparer)``, computed by a thread a few chunks ahead.

    An error while reading (an undecodable byte, say) comes out of this
    generator after the rows before it, as it would inline. Closing the
    generator (the import failed) stops the thread.
    """
    stop = threading.Event()
    chunks, put = _bounded_queue(stop)
    language = translation.get_language()

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
    yield from _handed_over(thread, chunks, stop)


# What the worker sends: one byte saying what follows, then its pickle.
_ROWS, _ERROR, _DONE = b"r", b"e", b"d"


def prepare_in_worker(
    make_rows: Callable[[], Iterator[RawRow]], preparer: RowPreparer
) -> Iterator[Outcome]:
    """``prepare_here(make_rows(), preparer)``, computed in a forked worker process."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(
        target=_work,
        args=(make_rows, preparer, sender, receiver),
        name="import-prepare",
        daemon=True,
    )
    worker.start()
    sender.close()
    stop = threading.Event()
    chunks, put = _bounded_queue(stop)

    def receive() -> None:
        while True:
            try:
                data = receiver.recv_bytes()
            except (EOFError, OSError):
                put(RuntimeError("the preparing worker ended without finishing"))
                return
            kind = data[:1]
            # From the worker this process forked, never from outside.
            payload = pickle.loads(memoryview(data)[1:])  # noqa: S301
            if kind == _ROWS:
                if not put([((p.row if r is None else r), p, why) for r, p, why in payload]):
                    return
            else:
                put(payload if kind == _ERROR else None)
                return

    def end_worker() -> None:
        # The worker gone, the pipe has no writer: the receiving thread sees
        # its end (or ``stop``) and returns before the pipe is closed.
        if worker.is_alive():
            worker.terminate()
        worker.join()

    thread = threading.Thread(target=receive, name="import-receive", daemon=True)
    try:
        yield from _handed_over(thread, chunks, stop, before_join=end_worker)
    finally:
        receiver.close()


def _work(make_rows, preparer: RowPreparer, sender, receiver) -> None:
    # The fork copied the reading end too: closed here, so that when the
    # importing process dies the pipe has no reader and the next send fails.
    receiver.close()
    gc.freeze()  # what the fork inherited is never garbage to the worker
    chunk: list = []

    def send(kind: bytes, payload) -> None:
        sender.send_bytes(kind + pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))

    try:
        try:
            for row, prepared, reason in prepare_here(make_rows(), preparer):
                # The row's cells travel only when rejected (the rejects file needs them).
                chunk.append((row if prepared is None else None, prepared, reason))
                if len(chunk) >= _CHUNK_ROWS:
                    send(_ROWS, chunk)
                    chunk = []
        except Exception as exc:  # raised in the importing process
            # The rows before the failure first, as the importing process
            # would have written them before failing itself.
            if chunk:
                send(_ROWS, chunk)
            try:
                send(_ERROR, exc)
            except Exception:  # an exception that does not pickle
                send(_ERROR, RuntimeError(f"{type(exc).__name__}: {exc}"))
            return
        if chunk:
            send(_ROWS, chunk)
        send(_DONE, None)
    except OSError:
        pass  # the importing process has gone (pipe closed): nothing to tell
    finally:
        sender.close()


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
