"""The production web server: gunicorn's settings in one place, and a guard against slow request bodies.

Both ways of serving use them: ``gunicorn -c python:assess.serving 'assess:create_app()'`` reads this module's
settings (the names below that gunicorn knows), and ``mandiri serve`` runs gunicorn in its own process with the
same settings (:func:`serve`). Threaded workers (``gthread``): a client that sends slowly holds one thread of a
worker, not the worker, and a kept-alive connection holds none. Settings come from ``MANDIRI_WEB_*`` variables:

- ``MANDIRI_WEB_WORKERS``: worker processes (default: the CPUs, at most 4; ``mandiri serve`` with the embedded job
  worker: 1, so one process runs the jobs and the report renderer's pool);
- ``MANDIRI_WEB_THREADS`` (8): threads per worker, each serving one request at a time;
- ``MANDIRI_WEB_TIMEOUT`` (30) and ``MANDIRI_WEB_GRACEFUL_TIMEOUT`` (10): seconds before a silent worker is
  restarted, and that a stopping worker has to finish its requests;
- ``MANDIRI_WEB_KEEPALIVE`` (5): seconds an idle connection is kept open;
- ``MANDIRI_WEB_BODY_IDLE_TIMEOUT`` (10) and ``MANDIRI_WEB_BODY_MIN_RATE`` (1024): while a request body is read,
  a client that sends nothing for that many seconds, or that sends slower than that many bytes a second, gets
  ``408`` and its connection closed (:class:`SlowBodyGuard`).

Where gunicorn cannot run (no ``fcntl``: Windows), ``mandiri serve`` uses waitress instead
(:mod:`assess.waitress_serving`, ``MANDIRI_WEB_SERVER``). gunicorn logs through the process's configuration
(``assess.logs``, :class:`GunicornLogger`): its own messages go to the same stderr in the same format, and it writes
no access line (the app writes one per request).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket as _socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from gunicorn.glogging import Logger
from werkzeug.exceptions import RequestTimeout

from assess import logs
from assess.web_settings import WebSettings, web_settings

#: The limits on what precedes a body: request line, number of header fields and the size of one.
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 50
LIMIT_REQUEST_FIELD_SIZE = 8190
#: A body is read at most this many bytes at a time, each read with its own deadline.
READ_CHUNK = 64 * 1024


def gunicorn_options(settings: WebSettings) -> dict[str, Any]:
    """gunicorn's settings (by its names); each worker's application is wrapped in a :class:`SlowBodyGuard`."""

    def guard_bodies(worker: Any) -> None:
        app = worker.wsgi
        if hasattr(app, "extensions"):  # the Flask app: what a killed worker left in this node's staging directory
            from assess.jobs import sweep_staging_files

            sweep_staging_files(app)
        worker.wsgi = SlowBodyGuard(app, settings.body_idle_timeout, settings.body_min_rate)

    def stop_render_pool(_server: Any, _worker: Any) -> None:
        layout = sys.modules.get("reports.layout")  # a worker that rendered (the embedded job worker)
        if layout is not None:
            layout.shutdown()

    return {
        "worker_class": "gthread",
        "workers": settings.workers,
        "threads": settings.threads,
        "timeout": settings.timeout,
        "graceful_timeout": settings.graceful_timeout,
        "keepalive": settings.keepalive,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        # gunicorn 27's runtime control socket sits at one path per user: two servers would share it.
        "control_socket_disable": True,
        "post_worker_init": guard_bodies,
        "worker_exit": stop_render_pool,
        "logger_class": GunicornLogger,
    }


class GunicornLogger(Logger):
    """gunicorn's messages (its "error log": start, workers, timeouts) go to the root logger, so to the process's
    handler; gunicorn's access log is off (``mandiri.access`` has one line per request). A process without an app
    yet (gunicorn's master under ``gunicorn -c python:assess.serving``) is configured from ``MANDIRI_LOG_*``."""

    def setup(self, cfg: Any) -> None:
        self.cfg = cfg
        self._access_log_enabled = False
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                if getattr(handler, "_gunicorn", False):
                    log.removeHandler(handler)
        self.error_log.propagate = True
        self.error_log.setLevel(logging.NOTSET)  # the configured level decides
        if not logs.configured():
            logs.configure_from_environ(os.environ)


class _Deadlines:
    """One thread per process that cuts off the body reads past their deadline: it shuts the reading side of the
    connection, so the read blocked on it returns at once."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._reads: dict[int, tuple[float, _socket.socket]] = {}
        self._expired: set[int] = set()
        self._thread: threading.Thread | None = None

    def watch(self, key: int, deadline: float, sock: _socket.socket) -> None:
        with self._changed:
            if self._thread is None:  # started in the worker process, on its first body
                self._thread = threading.Thread(target=self._run, name="mandiri-body-deadlines", daemon=True)
                self._thread.start()
            self._reads[key] = (deadline, sock)
            self._changed.notify()

    def done(self, key: int) -> bool:
        """Stop watching a read; ``True`` when it was cut off."""
        with self._changed:
            self._reads.pop(key, None)
            if key in self._expired:
                self._expired.discard(key)
                return True
            return False

    def _run(self) -> None:
        with self._changed:
            while True:
                now = time.monotonic()
                for key, (deadline, sock) in list(self._reads.items()):
                    if deadline <= now:
                        del self._reads[key]
                        self._expired.add(key)
                        _shut_reading(sock)
                nearest = min((deadline for deadline, _ in self._reads.values()), default=None)
                self._changed.wait(None if nearest is None else max(nearest - now, 0.0))


def _shut_reading(sock: _socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        sock.shutdown(_socket.SHUT_RD)


_deadlines = _Deadlines()


class GuardedInput:
    """``wsgi.input`` whose every read has a deadline: no byte for ``idle_timeout`` seconds (the socket's timeout),
    or ``n`` bytes taking longer than ``idle_timeout + n / min_rate``, raise :class:`RequestTimeout` (408) and shut
    the connection's reading side, so the server closes it after the answer. ``n`` is what the read asks for, or
    what is left of a body whose length was announced, when that is less."""

    def __init__(
        self, stream: IO[bytes], sock: _socket.socket, idle_timeout: float, min_rate: int, length: int | None
    ) -> None:
        self._stream = stream
        self._sock = sock
        self._idle_timeout = idle_timeout
        self._min_rate = min_rate
        self._left = length
        self._timed_out = False

    def _guarded(self, read: Callable[[int], bytes], size: int) -> bytes:
        if self._timed_out:
            raise RequestTimeout()
        key = id(self)
        expected = size if self._left is None else min(size, self._left)
        previous = self._sock.gettimeout()
        self._sock.settimeout(self._idle_timeout)
        _deadlines.watch(key, time.monotonic() + self._idle_timeout + expected / self._min_rate, self._sock)
        try:
            data = read(size)
        except TimeoutError:  # nothing arrived for idle_timeout seconds
            _deadlines.done(key)
            self._stop()
        except (OSError, ValueError):
            if _deadlines.done(key):  # the deadline shut the connection under the read
                self._stop()
            raise  # the client went away
        finally:
            self._sock.settimeout(previous)
        if _deadlines.done(key):
            self._stop()
        if self._left is not None:
            self._left = max(0, self._left - len(data))
        return data

    def _stop(self) -> None:
        self._timed_out = True
        _shut_reading(self._sock)
        raise RequestTimeout()

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= 0:
            return self._guarded(self._stream.read, size)
        parts = []
        while part := self._guarded(self._stream.read, READ_CHUNK):
            parts.append(part)
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        whole = size is None or size < 0
        return self._guarded(lambda n: self._stream.readline(-1 if whole else n), READ_CHUNK if whole else size or 0)

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        lines = []
        total = 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class SlowBodyGuard:
    """WSGI middleware: a request body is read under :class:`GuardedInput`'s deadlines (under gunicorn, which
    hands the connection's socket to the application as ``gunicorn.socket``)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], idle_timeout: float, min_rate: int) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self.min_rate = min_rate

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if isinstance(sock, _socket.socket) and "wsgi.input" in environ:
            length = environ.get("CONTENT_LENGTH", "")
            environ["wsgi.input"] = GuardedInput(
                environ["wsgi.input"],
                sock,
                self.idle_timeout,
                self.min_rate,
                int(length) if length.isdigit() else None,
            )
        return self.app(environ, start_response)


def claim(path: str) -> bool:
    """Hold an exclusive lock on ``path`` for the rest of this process; ``False`` when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    return True  # the descriptor stays open (and locked) until the process ends


def serve(app: Any, bind: str, settings: WebSettings, *, on_worker_start: Callable[[], None] | None = None) -> None:
    """Run gunicorn in this process with ``settings``; ``on_worker_start`` runs in each worker process once it
    is ready to serve."""
    from gunicorn.app.base import BaseApplication

    options = {**gunicorn_options(settings), "bind": bind}
    guard_bodies = options["post_worker_init"]

    def worker_started(worker: Any) -> None:
        guard_bodies(worker)
        if on_worker_start is not None:
            on_worker_start()

    options["post_worker_init"] = worker_started

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # an older gunicorn lacks some (the control socket)
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Server().run()


# What ``gunicorn -c python:assess.serving`` reads: this module's names that are gunicorn settings.
globals().update(gunicorn_options(web_settings()))
