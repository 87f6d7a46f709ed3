"""A run's background writer: it stores closed steps and logged objects, and heartbeats.

``Run.log`` checks every value and queues it here (under the run's lock); a thread writes the
queue about once a second in one transaction. The writer never dies of what it writes:

- an item the store refuses (a constraint, a value it cannot encode, a table whose encoding
  failed in the thread pool) is dropped alone: the batch is written again one metric or object
  at a time, the refused ones are reported on the ``heron.run`` logger naming key and step and
  kept in :attr:`RunWriter.failures`;
- a store that cannot be reached for now (locked, disconnected, full) keeps the whole queue for
  the next attempt, reported once per kind of trouble;
- between writes it heartbeats, so a live run is never taken for crashed.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from heron.sdk.interfaces import ObjectResult
from heron.store import local_store as run_store
from heron.store.jsonvalues import dumps
from heron.store.sqlite_writer import HEARTBEAT_SECONDS

if TYPE_CHECKING:
    from heron.sdk.config import Summary
    from heron.store.store import Store

FLUSH_INTERVAL_SECONDS = 1.0
FLUSH_ROWS = 20_000  # a backlog this large is written at once, not at the next tick
# How long draining waits for a store that cannot be reached before it gives up on the queue.
DRAIN_PAUSES_SECONDS = (0.5, 1.0, 2.0, 4.0)

MetricRow = tuple[int, str, float]
ObjectRow = tuple[int, str, str, Any]

logger = logging.getLogger("heron.run")


@dataclass(frozen=True)
class DroppedValue:
    """A logged value that could not be stored; the run went on without it.

    ``key`` is the log key (``summary`` for the run's summary), ``first_step`` and
    ``last_step`` the steps it covered (equal for a table, image or other single value), and
    ``reason`` what went wrong.
    """

    key: str
    first_step: int
    last_step: int
    reason: str

    def __str__(self) -> str:
        steps = (
            f"step {self.first_step}"
            if self.first_step == self.last_step
            else f"steps {self.first_step}..{self.last_step}"
        )
        return f"{self.key!r} at {steps}: {self.reason}"


class RunWriter:
    """The queue of one run and the thread that writes it.

    ``rows``, ``objects``, ``futures`` and ``closed_step`` belong to the run's ``lock``: the run
    appends under it, the writer takes them under it.
    """

    def __init__(
        self, store: Store, run_id: str, path: str, summary: Summary, lock: threading.Lock, *,
        closed_step: int,
    ) -> None:  # fmt: skip
        self.store = store
        self.run_id = run_id
        self.path = path
        self.summary = summary
        self.lock = lock
        self.rows: list[MetricRow] = []  # metric rows (step, key, value), steps ascending
        self.objects: list[ObjectRow] = []  # (step, key, kind, payload)
        self.futures: list[tuple[str, int, Future[ObjectResult]]] = []  # (key, step, result)
        self.closed_step = closed_step  # the last step no later log() may write to
        self.failures: list[DroppedValue] = []
        self.error: BaseException | None = None  # what stopped the thread, if not the store
        self._trouble: str | None = None  # the last "store unavailable" reason reported
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"heron-writer-{run_id}", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Write now rather than at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread (after the write in progress, if any)."""
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def _loop(self) -> None:
        last_heartbeat = time.monotonic()
        while not self._stop.is_set():
            self._wake.wait(FLUSH_INTERVAL_SECONDS)
            self._wake.clear()
            try:
                wrote = self.flush()
                if not wrote and time.monotonic() - last_heartbeat > HEARTBEAT_SECONDS:
                    run_store.update_run(self.store, self.run_id, heartbeat_at=time.time())
                    wrote = True
                if wrote:
                    last_heartbeat = time.monotonic()
                self._trouble = None
            except Exception as error:  # the store is unavailable: everything stays queued
                self._report_trouble(error)
            except BaseException as error:  # not an error of the store: surfaced by finish()
                self.error = error
                return

    def _report_trouble(self, error: BaseException) -> None:
        reason = describe_error(error)
        if reason != self._trouble:  # once per kind of trouble, not once a second
            self._trouble = reason
            logger.warning(
                "heron: run %s cannot write to the store now (%s); its values stay queued and "
                "are written when the store answers",
                self.path,
                reason,
            )

    def _drop(self, key: str, first_step: int, last_step: int, error: BaseException) -> None:
        """Record (and report) a value the store refused; called without the lock held."""
        dropped = DroppedValue(key, first_step, last_step, describe_error(error))
        with self.lock:
            self.failures.append(dropped)
        logger.warning(
            "heron: run %s could not store %s; dropped it, the run goes on", self.path, dropped
        )

    def _collect_done_futures(self) -> list[tuple[str, int, BaseException]]:
        """Move finished background results to the queue; returns the ones that failed."""
        still_running = []
        failed = []
        for key, step, future in self.futures:
            if not future.done():
                still_running.append((key, step, future))
                continue
            error = future.exception()
            if error is not None:
                failed.append((key, step, error))
                continue
            kind, payload = future.result()
            self.objects.append((step, key, kind, payload))
        self.futures = still_running
        return failed

    def flush(self, *, final: bool = False) -> bool:
        """Write what is queued; True if anything was written (or tried and dropped).

        A store that is unavailable raises (after re-queueing everything) unless ``final``;
        an item the store refuses is dropped alone (see :meth:`_write_separately`).
        """
        with self.lock:
            failed = self._collect_done_futures()
            rows, self.rows = self.rows, []
            objects, self.objects = self.objects, []
            if not rows and not objects and not self.summary.dirty and not failed:
                return False
            summary_json = dumps(self.summary.snapshot())
            last_step = self.closed_step
        for key, step, error in failed:
            self._drop(key, step, step, error)
        try:
            run_store.write_history(
                self.store,
                self.run_id,
                rows,
                objects,
                last_step=last_step,
                summary_json=summary_json,
            )
        except Exception as error:
            if is_transient(error) and not final:
                self._requeue(rows, objects)
                raise
            # One item the store refuses must not cost the others: write them one by one.
            self._write_separately(rows, objects, last_step, summary_json, final=final)
        return True

    def drain(self) -> None:
        """Write everything still queued, waiting a few seconds for a store that is briefly
        unavailable; what it still cannot take after that is dropped (and reported)."""
        for pause in DRAIN_PAUSES_SECONDS:
            try:
                self.flush()
            except Exception as error:  # unavailable: everything is still queued
                self._report_trouble(error)
            with self.lock:
                if not (self.rows or self.objects or self.summary.dirty):
                    return
            time.sleep(pause)
        self.flush(final=True)

    def _requeue(self, rows: list[MetricRow], objects: list[ObjectRow]) -> None:
        with self.lock:  # in front of what was logged since: steps stay in order
            self.rows[:0] = rows
            self.objects[:0] = objects
            self.summary.dirty = True

    def _write_separately(
        self,
        rows: list[MetricRow],
        objects: list[ObjectRow],
        last_step: int,
        summary_json: str,
        *,
        final: bool,
    ) -> None:
        """Write each metric's rows and each object in a transaction of its own, dropping
        (and reporting) only those the store refuses; the summary and step go last."""
        by_key: dict[str, list[MetricRow]] = {}
        for row in rows:
            by_key.setdefault(row[1], []).append(row)
        retry_rows: list[MetricRow] = []
        retry_objects: list[ObjectRow] = []
        store = self.store
        for key, key_rows in by_key.items():
            try:
                run_store.write_history(
                    store, self.run_id, key_rows, [], last_step=None, summary_json=None
                )
            except Exception as error:
                if is_transient(error) and not final:
                    retry_rows.extend(key_rows)
                else:
                    self._drop(key, key_rows[0][0], key_rows[-1][0], error)
        for item in objects:
            try:
                run_store.write_history(
                    store, self.run_id, [], [item], last_step=None, summary_json=None
                )
            except Exception as error:
                if is_transient(error) and not final:
                    retry_objects.append(item)
                else:
                    self._drop(item[1], item[0], item[0], error)
        try:
            run_store.write_history(
                store, self.run_id, [], [], last_step=last_step, summary_json=summary_json
            )
        except Exception as error:
            if is_transient(error) and not final:
                with self.lock:
                    self.summary.dirty = True
            else:
                self._drop("summary", last_step, last_step, error)
        if retry_rows or retry_objects:
            retry_rows.sort(key=lambda row: row[0])  # keys were split: restore step order
            self._requeue(retry_rows, retry_objects)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` says the store is unavailable for now (locked, disconnected, full),
    rather than that it refuses what was written."""
    if isinstance(error, sqlite3.OperationalError | OSError):  # locked, full, unreadable
        return True
    if "sqlalchemy" not in sys.modules:  # then the error cannot be one of its kinds
        return False
    from sqlalchemy import exc as sql_errors

    if isinstance(error, sql_errors.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error,
        sql_errors.OperationalError
        | sql_errors.DisconnectionError
        | sql_errors.TimeoutError
        | OSError,
    )


def describe_error(error: BaseException) -> str:
    """A one-line account of ``error`` without the SQL statement and parameters."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    text = f"{type(cause).__name__}: {text}" if text else type(cause).__name__
    return text if len(text) <= 300 else text[:297] + "..."
