"""Reading and preparing rows in a second process while this one writes.

Preparing a row (normalising, fingerprinting) costs about as much CPU as
writing it; on a machine with two cores the two can overlap. The worker is
a fork of this process (so it has the same settings, mapping and
preparer), reads the file itself from the start, and sends the outcome of
each row in order through a pipe: the main loop sees exactly the stream it
would have computed itself. The pipe's small buffer bounds the rows in
flight; a worker whose reader has gone (the import failed or was killed)
fails on its next send and exits.
"""

import gc
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterator

from huifang.patients.importing.prepare import Prepared, Rejected, RowPreparer
from huifang.patients.importing.reader import RawRow

# Files smaller than this are prepared here: a worker costs a fork and the
# pickling of every prepared row, worth it only when there are many.
PARALLEL_MIN_ROWS = 20_000
_CHUNK_ROWS = 500

Outcome = tuple[RawRow, Prepared | None, str]


def prepare_here(rows: Iterator[RawRow], preparer: RowPreparer) -> Iterator[Outcome]:
    """``(row, prepared, "")`` or ``(row, None, reason)`` for each row, in this process."""
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
    try:
        while True:
            # From the worker this process forked, never from outside.
            kind, payload = pickle.loads(receiver.recv_bytes())  # noqa: S301
            if kind == "rows":
                for row, prepared, reason in payload:
                    yield (prepared.row if row is None else row), prepared, reason
            elif kind == "error":
                raise payload
            else:
                break
    finally:
        receiver.close()
        if worker.is_alive():
            worker.terminate()
        worker.join()


def _work(make_rows, preparer: RowPreparer, sender, receiver) -> None:
    # The fork copied the reading end too: closed here, so that when the
    # importing process dies the pipe has no reader and the next send fails.
    receiver.close()
    gc.freeze()  # what the fork inherited is never garbage to the worker
    chunk: list = []

    def send(kind, payload) -> None:
        sender.send_bytes(pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL))

    try:
        try:
            for row in make_rows():
                try:
                    chunk.append((None, preparer.prepare(row), ""))
                except Rejected as exc:
                    chunk.append((row, None, exc.reason))
                if len(chunk) >= _CHUNK_ROWS:
                    send("rows", chunk)
                    chunk = []
        except Exception as exc:  # raised in the importing process
            # The rows before the failure first, as the importing process
            # would have written them before failing itself.
            if chunk:
                send("rows", chunk)
            try:
                send("error", exc)
            except Exception:  # an exception that does not pickle
                send("error", RuntimeError(f"{type(exc).__name__}: {exc}"))
            return
        if chunk:
            send("rows", chunk)
        send("done", None)
    except OSError:
        pass  # the importing process has gone (pipe closed): nothing to tell
    finally:
        sender.close()
