"""Background jobs on Huey: SQLite-backed in the embedded default, Redis in production, immediate in tests.

The Huey instance is created here so tasks can be declared at import time; :func:`init_app` points it at the
storage the configuration names. A task runs inside its own application context (so its own database session and
its own commit): in the worker, the app the worker was started with; in immediate mode, the app that enqueued it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from flask import Flask, current_app, has_app_context, has_request_context
from huey import Huey, crontab
from huey.api import Task
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from redis import ConnectionPool

log = logging.getLogger(__name__)


class Stamped(NamedTuple):
    """A queue message as :class:`StampedHuey` stores it: Huey's own message and when it was put in the queue."""

    queued_at: float
    message: Any


class StampedHuey(Huey):
    """Huey whose stored messages carry the time they were stored (Huey's own carry none), so that ``/healthz`` can
    say how long the oldest waiting job has waited. A retry or a scheduled job is stored again, and stamped again,
    when it comes due; a message stored without a stamp (by an older version) is read as before."""

    def serialize_task(self, task: Task) -> bytes:
        return bytes(self.serializer.serialize(Stamped(time.time(), self._registry.create_message(task))))

    def deserialize_task(self, data: bytes) -> Task:
        loaded = self.serializer.deserialize(data)
        return self._registry.create_task(loaded.message if isinstance(loaded, Stamped) else loaded)

    def oldest_pending_age(self) -> float | None:
        """Seconds since the next job to run (the oldest: Mandiri queues without priorities) was queued; None when
        nothing waits or its message has no stamp."""
        items = self.storage.enqueued_items(1)
        if not items:
            return None
        loaded = self.serializer.deserialize(items[0])
        return max(0.0, time.time() - loaded.queued_at) if isinstance(loaded, Stamped) else None


huey = StampedHuey("mandiri", storage_class=MemoryStorage, immediate=True, results=False)

_worker_app: Flask | None = None
_embedded: Consumer | None = None
#: The longest an idle worker sleeps between two looks at the queue.
POLL_MAX_S = 0.25
_embedded_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Point the Huey instance at the configured storage (the last app configured in a process decides)."""
    backend = app.config["JOBS_BACKEND"]
    if backend == "immediate":
        huey.immediate = True
        return
    if backend == "redis":
        huey.storage_class = RedisStorage
        # Bounded waits: a Redis that does not answer fails /healthz and a page's enqueue instead of hanging them.
        # The worker's blocking read (1 s) fits well inside the socket timeout.
        timeout = float(app.config["JOBS_REDIS_TIMEOUT"])
        huey.storage_kwargs = {
            "connection_pool": ConnectionPool.from_url(
                app.config["JOBS_REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=max(timeout, 2)
            )
        }
    else:
        path = Path(app.config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(path)}
    huey._immediate = False  # the property setter would rebuild the storage from the old class
    huey.storage = huey.create_storage()


def queue_health() -> dict[str, Any]:
    """What ``/healthz`` says of the queue: jobs waiting to run, the seconds the oldest of them has waited (see
    :class:`StampedHuey`), and jobs scheduled for later (retries). Raises when the queue's storage cannot be read."""
    if huey.immediate:
        return {"pending": 0, "oldest_s": None, "scheduled": 0}
    pending = int(huey.pending_count())
    age = huey.oldest_pending_age() if pending else None
    return {
        "pending": pending,
        "oldest_s": None if age is None else round(age, 1),
        "scheduled": int(huey.scheduled_count()),
    }


def task_app() -> Flask:
    """The app a task runs with: the worker's, or (immediate mode) the one of the code that enqueued it."""
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        raise RuntimeError("job worker has no application: start it with `mandiri worker`")
    return _worker_app


def consumer(app: Flask, workers: int = 1) -> Consumer:
    """A Huey consumer whose tasks run with ``app``."""
    global _worker_app
    _worker_app = app
    # An idle worker polls the queue at most every quarter second (Huey's default backs off to 10 s): an export
    # starts within ~0.25 s of the click, for one cheap query four times a second (Redis blocks instead of polling).
    # Periodic tasks too (the staging sweep); the embedded worker starts the scheduler that enqueues them itself.
    return huey.create_consumer(workers=workers, worker_type="thread", periodic=True, max_delay=POLL_MAX_S)


def _warm_renderer() -> None:
    """Start the report renderer's process pool in the background, so the first export does not wait for it."""
    from reports.layout import warm_up

    warm_up()


def start_embedded_worker(app: Flask) -> bool:
    """Start one worker thread inside this process (``mandiri run``); False when jobs run immediately."""
    global _embedded
    if huey.immediate:
        return False
    with _embedded_lock:
        if _embedded is None:
            _embedded = consumer(app)
            # Consumer.start() would install signal handlers, which only the main thread may do, and the web
            # server owns those: start the scheduler and the worker threads ourselves.
            _embedded.scheduler.start()
            for _, worker in _embedded.worker_threads:
                worker.start()
            threading.Thread(target=_warm_renderer, name="mandiri-warm-up", daemon=True).start()
            log.info("embedded job worker started")
    return True


def _in_own_context(body: Callable[[], object]) -> None:
    """Run a task's body in an application context of its own, never inside the caller's request.

    In the worker that is simply a new app context. In immediate mode the task is called from a request: there
    it runs in a thread of its own, so the request's user, write intent and database session stay out of it
    (as they would in the worker), and the request waits for it.
    """
    app = task_app()

    def target() -> None:
        with app.app_context():
            body()

    if not has_request_context():
        target()
        return
    failure: list[BaseException] = []

    def guarded() -> None:
        try:
            target()
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)

    thread = threading.Thread(target=guarded, name="mandiri-job")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


#: A staging file older than this was left behind: an upload in progress has no name (``O_TMPFILE``), or, where
#: it must have one, is written to all the time; an adopted file is stored or removed within seconds.
STAGING_MAX_AGE_S = 3600


def sweep_staging_files(app: Flask) -> int:
    """Remove what uploads left in the staging directory; run at the start of ``mandiri serve``/``worker`` and by
    :func:`sweep_staging` every quarter of an hour. Returns how many files were removed."""
    removed = int(app.extensions["storage"].sweep_staging(STAGING_MAX_AGE_S))
    if removed:
        log.warning("%s berkas sementara unggahan yang tertinggal dihapus dari staging", removed)
    return removed


@huey.periodic_task(crontab(minute="*/15"))
def sweep_staging() -> None:
    """The staging sweep (:func:`sweep_staging_files`), every quarter of an hour in the job worker."""
    _in_own_context(lambda: sweep_staging_files(task_app()))


def _in_one_transaction(work: Callable[[], int], level: int, message: str) -> None:
    """Run a periodic ``work`` (it flushes and says how many rows it changed) in one short write transaction of its
    own, and log ``message`` with that number when there were any."""

    def body() -> None:
        from assess.database import writing
        from assess.extensions import db

        with writing():
            changed = work()
            db.session.commit()
        if changed:
            log.log(level, message, changed)

    _in_own_context(body)


@huey.periodic_task(crontab(minute="7"))
def sweep_login_sessions() -> None:
    """Expired and revoked sign-ins (:func:`assess.sessions.sweep`) deleted every hour, in one short transaction."""
    from assess.sessions import sweep

    _in_one_transaction(sweep, logging.INFO, "%s sesi masuk yang berakhir dihapus")


@huey.periodic_task(crontab(minute="*"))
def expire_stale_exports() -> None:
    """Exports never taken from the queue and running ones whose lease ran out marked stopped, every minute (the
    bundle page only reads their state)."""
    from assess.services.exports import expire_stale

    _in_one_transaction(expire_stale, logging.WARNING, "%s ekspor yang terhenti ditandai gagal")


@huey.periodic_task(crontab(minute="35", hour="3"))
def expire_old_exports() -> None:
    """Finished exports older than EXPORT_MAX_AGE_DAYS marked removed and their files deleted, once a day (see
    :func:`assess.services.exports.expire_old`)."""

    def body() -> None:
        from assess.database import writing
        from assess.extensions import db
        from assess.services.exports import expire_old, remove_folders

        days = int(task_app().config["EXPORT_MAX_AGE_DAYS"])
        with writing():
            folders = expire_old(max_age_days=days)
            db.session.commit()
        remove_folders(folders)
        if folders:
            log.info("berkas %s ekspor yang lebih tua dari %s hari dihapus", len(folders), days)

    _in_own_context(body)


def enqueue_mail(messages: list[dict[str, str]], config: Mapping[str, Any]) -> None:
    """Queue one :func:`send_mail` job for a committed transaction's e-mail, retried as ``config`` says."""
    huey.enqueue(
        send_mail.s(messages, retries=int(config["MAIL_RETRIES"]), retry_delay=int(config["MAIL_RETRY_SECONDS"]))
    )


@huey.task(context=True)
def send_mail(messages: list[dict[str, str]], task: Task) -> None:
    """Send a committed transaction's e-mail (see :func:`assess.mail.send_queued`) with the worker's SMTP settings.
    When some could not be sent now, the job fails so that Huey tries again later, with only those: the task's
    arguments are replaced before Huey stores it for the retry."""
    from assess.mail import MailDeferredError, send_queued

    try:
        send_queued(task_app().config, messages, retries_left=task.retries)
    except MailDeferredError as deferred:
        task.args = ([mail.as_data() for mail in deferred.remaining],)
        raise


@huey.task()
def export_bundle(export_id: int) -> None:
    """Build a queued export (see :func:`assess.services.exports.run`)."""
    from assess.services.exports import run

    _in_own_context(lambda: run(export_id))


@huey.task()
def build_interview_pack(assessment_id: int) -> None:
    """Build an assessment's interview pack (see :func:`assess.services.interview.build`)."""
    from assess.services.interview import build

    _in_own_context(lambda: build(assessment_id))


@huey.task()
def check_evidence(blob_id: int) -> None:
    """qpdf's full check of a newly uploaded PDF (see :func:`assess.services.evidence.run_check`): a damaged one is
    marked in the library at once, and exports need not check it again."""
    from assess.services.evidence import run_check

    _in_own_context(lambda: run_check(blob_id))


@huey.task()
def record_stored_file(blob_id: int, problem: str | None) -> None:
    """Keep on the blob what a download found reading its stored file back (see
    :func:`assess.services.evidence.record_stored_file`): the download itself writes nothing."""
    from assess.services.evidence import record_stored_file as record

    _in_own_context(lambda: record(blob_id, problem))


@huey.task()
def record_pembina_view(user_id: int, assessment_id: int) -> None:
    """Record in the instansi's audit trail that a pembina opened an assessment's overview or dashboard (see
    :func:`assess.services.groups.record_view`): the page itself writes nothing."""

    def body() -> None:
        from assess.database import writing
        from assess.extensions import db
        from assess.services.groups import record_view

        with writing():
            record_view(user_id=user_id, assessment_id=assessment_id)
            db.session.commit()

    _in_own_context(body)


#: Reminders are sent from this hour of the deployment's day (BABEL_DEFAULT_TIMEZONE), not at night.
REMINDERS_FROM_HOUR = 7


@huey.periodic_task(crontab(minute="20"))
def send_reminders() -> None:
    """The day's reminders of unfinished work (:func:`assess.services.reminders.send_due`), looked for every hour
    from REMINDERS_FROM_HOUR: the first run of the day sends them, the later ones find them sent."""

    def work() -> int:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from assess.services.reminders import send_due

        config = task_app().config
        now = datetime.now(ZoneInfo(str(config["BABEL_DEFAULT_TIMEZONE"])))
        if now.hour < REMINDERS_FROM_HOUR:
            return 0
        sent = send_due(today=now.date(), days=config["REMINDER_DAYS"])
        return sent.people + sent.koordinators + sent.corrections

    _in_one_transaction(work, logging.INFO, "%s pengingat dikirim")
