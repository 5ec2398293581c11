"""Ties the report renderer's pool to the process that uses it: no process of the pool outlives that process.

Import this module only in the pool's processes. The fork server imports it first of all (it heads
:data:`reports.layout.PRELOAD`), and from then on a thread of the fork server watches its parent: when the parent is
gone, however it ended (SIGKILL included), the fork server ends too. Linux's ``PR_SET_PDEATHSIG`` cannot serve the
fork server: Linux sends that signal when the *thread* that started the child ends, and the pool may be started
from a short-lived thread (the embedded job worker's warm-up). It does serve the workers (:func:`bind_worker`):
the fork server forks them from its main thread, which lasts as long as the fork server.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
#: How often the fork server looks whether its parent is still there.
WATCH_INTERVAL_S = 0.2

#: The process that imported this module (the fork server), and its parent.
_home = os.getpid()
_parent = os.getppid()


def _watch_parent() -> None:
    while os.getppid() == _parent:
        time.sleep(WATCH_INTERVAL_S)
    os._exit(0)


def bind_worker() -> None:
    """In a worker forked by the fork server: be killed when the fork server ends, whatever ends it."""
    if os.getpid() == _home or not sys.platform.startswith("linux"):
        return  # not forked from a process that imported this module: nothing to bind to
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != _home:  # the fork server ended before the signal was asked for
        os._exit(0)


threading.Thread(target=_watch_parent, name="mandiri-lifeline", daemon=True).start()
