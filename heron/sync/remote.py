"""Remote mode of the SDK: log into a local spool store and push it to a server in the background.

With ``HERON_URL`` set (and ``HERON_API_KEY``, or a key saved by ``heron login``), ``heron.init``
logs exactly as in local mode, into a spool store (``$HERON_DIR``, else
``~/.cache/heron/spool/<server>/``), and a background thread (:class:`BackgroundPusher`) sends
what is new to the server about once a second. Training never waits on the network; when the
server is away the thread backs off and tries again, and the spool keeps everything until the
server acknowledges it. ``run.finish()`` waits a bounded time for the push to catch up and says
what is still pending, which ``heron sync`` (or the next run) sends later.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from heron.sync.http import ApiClient, ServerRefused, ServerUnavailable
from heron.sync.pusher import PushCounts, Pusher
from heron.sync.settings import RemoteSettings, finish_wait_seconds
from heron.sync.state import push_lock

logger = logging.getLogger("heron.sync")

IDLE_SECONDS = 1.0
BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
STOP_WAIT_SECONDS = 5.0


class BackgroundPusher:
    """A thread pushing one spool store to one server about once a second (see the module)."""

    def __init__(self, pusher: Pusher) -> None:
        self.pusher = pusher
        self.url = pusher.client.url
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._rounds = 0  # completed pushes that found nothing left to send
        self._trouble: str | None = None
        self.refused: str | None = None  # the server refuses this key or data: pushing stopped
        self.sent = PushCounts()
        self.runs = 0  # live runs of this process logging into the spool (under _pushers_lock)
        self._thread = threading.Thread(target=self._loop, name="heron-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Push now rather than at the next tick."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the thread after the push in progress (waiting at most ``timeout`` seconds for
        it: a request to a server that hangs is left to time out on its own), then close the
        connection and the store it read."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self.pusher.client.close()
            self.pusher.store.close()

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            pause = IDLE_SECONDS
            try:
                with push_lock(self.pusher.store.root, self.url, wait=False) as mine:
                    if mine:
                        sent = self.pusher.push()
                        self.sent.add(sent)
                        done = self.pusher.pending().empty
                    else:
                        done = False
                failures = 0
                if self._trouble is not None:
                    logger.warning("heron: %s answers again; sending the spool", self.url)
                    self._trouble = None
                if done:
                    with self._idle:
                        self._rounds += 1
                        self._idle.notify_all()
            except ServerUnavailable as error:
                pause = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
                failures += 1
                if self._trouble is None:
                    logger.warning(
                        "heron: %s; runs keep logging to the spool, sent when it answers",
                        error.message,
                    )
                self._trouble = error.message
            except ServerRefused as error:
                # A wrong key or data the server will never take: retrying cannot help.
                self.refused = error.message
                logger.error("heron: stopped sending to %s: %s", self.url, error.message)
                with self._idle:
                    self._idle.notify_all()
                return
            except Exception as error:  # the spool itself: keep trying, say it once
                reason = f"{type(error).__name__}: {error}"
                if reason != self._trouble:
                    logger.warning("heron: sending to %s failed (%s); retrying", self.url, reason)
                self._trouble = reason
                pause = BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)]
                failures += 1
            self._wake.wait(pause)
            self._wake.clear()

    def flush(self, timeout: float) -> PushCounts:
        """Wait up to ``timeout`` seconds for a push that leaves nothing pending; returns what
        is still pending (empty when the server has everything)."""
        with self._idle:
            start = self._rounds
        self.wake()
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._rounds < start + 1 and self.refused is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._idle.wait(min(left, 0.5))
                self.wake()
        # Never wait here for a push in progress: against a server that hangs it may take
        # minutes, and this wait is bounded. What the cursors say now is what is pending.
        with push_lock(self.pusher.store.root, self.url, wait=False) as mine:
            if mine:  # another process may have pushed the spool meanwhile: read its cursors
                self.pusher.state = type(self.pusher.state).load(self.pusher.store.root, self.url)
            return self.pusher.pending()


_pushers: dict[tuple[Path, str], BackgroundPusher] = {}
_pushers_lock = threading.Lock()
_announced: set[tuple[Path, str]] = set()


def background_pusher(store_root: Path, settings: RemoteSettings) -> BackgroundPusher:
    """The process's pusher of ``store_root`` to the server (started on first use), counting
    one more run that uses it (:func:`_release` counts it out)."""
    from heron.store.store import Store

    key = (store_root, settings.url)
    with _pushers_lock:
        existing = _pushers.get(key)
        if existing is not None and existing.refused is None:
            existing.runs += 1
            return existing
        client = ApiClient(settings.url, settings.api_key)
        # A store of its own: the pusher's reads must not queue behind the run's writer.
        store = Store.open(store_root, create=False)
        pusher = BackgroundPusher(Pusher(store, client))
        pusher.runs = 1
        _pushers[key] = pusher
        return pusher


def _release(key: tuple[Path, str], pusher: BackgroundPusher) -> None:
    """A run using ``pusher`` finished: the last one stops it (the next run starts another)."""
    with _pushers_lock:
        pusher.runs -= 1
        if pusher.runs > 0:
            return
        if _pushers.get(key) is pusher:
            del _pushers[key]
    pusher.stop(timeout=STOP_WAIT_SECONDS)


def report_pending(pending: PushCounts, store_root: Path, url: str, refused: str | None) -> None:
    """Tell the user what the server does not have yet, and how it will get there."""
    if pending.empty:
        return
    why = f" (the server refused: {refused})" if refused else ""
    print(
        f"heron: {pending.describe()} not yet on {url}{why}; they will be sent by the next run "
        f"or by `heron sync {store_root} --to {url}`",
        file=sys.stderr,
    )


def attach(store_root: Path, settings: RemoteSettings, on_finish: list[Callable[[], None]]) -> None:
    """Push ``store_root`` to the server in the background, and add to ``on_finish`` (a run's
    finish hooks) the bounded wait that reports what the server does not have yet."""
    pusher = background_pusher(store_root, settings)
    pusher.wake()
    if (store_root, settings.url) not in _announced:
        _announced.add((store_root, settings.url))
        key = "" if settings.api_key else " without an API key (heron login URL saves one)"
        print(f"heron: logging to {settings.url}{key}, spooled in {store_root}", file=sys.stderr)

    def flush() -> None:
        try:
            pending = pusher.flush(finish_wait_seconds())
            report_pending(pending, store_root, settings.url, pusher.refused)
        finally:
            _release((store_root, settings.url), pusher)

    on_finish.append(flush)
