"""Notification e-mail over SMTP, sent by the job worker once the transaction that made it has committed.

:func:`queue` puts a message in the outbox of the current database session. The session's ``after_commit`` hook
hands the whole outbox to the job queue as one task (:func:`assess.jobs.send_mail`): the messages as plain data,
nothing of the SMTP settings. The end of any transaction that did not commit (rollback, close) throws the outbox
away. No request waits for the SMTP server.

The worker sends the batch over one SMTP connection with the settings of its own configuration (:func:`send_queued`).
A server it cannot reach, or a message it refuses for now (4xx), fails the task, and Huey tries again later
(``MAIL_RETRIES`` times, ``MAIL_RETRY_SECONDS`` apart) with only the messages not sent yet; a message refused for
good (5xx) is logged and dropped. E-mail is off while ``MAIL_SERVER`` is empty. (Savepoints are not tracked: nothing
here uses them, and a savepoint rolled back inside a committed transaction would not take its messages back.)
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from assess.extensions import db

log = logging.getLogger(__name__)

OUTBOX_KEY = "mandiri_mail_outbox"


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    username: str
    password: str
    sender: str
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            server=str(config.get("MAIL_SERVER") or ""),
            port=int(config.get("MAIL_PORT") or 25),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            username=str(config.get("MAIL_USERNAME") or ""),
            password=str(config.get("MAIL_PASSWORD") or ""),
            sender=str(config.get("MAIL_SENDER") or "mandiri@localhost"),
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.server)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str

    def as_data(self) -> dict[str, str]:
        """The message as the job queue carries it."""
        return {"to": self.to, "subject": self.subject, "body": self.body}

    @classmethod
    def from_data(cls, data: Mapping[str, str]) -> Mail:
        return cls(to=str(data["to"]), subject=str(data["subject"]), body=str(data["body"]))


class MailDeferredError(Exception):
    """Messages the SMTP server could not take now: raised in the job so that Huey tries again, with only these."""

    def __init__(self, remaining: list[Mail], reason: str) -> None:
        super().__init__(f"{len(remaining)} e-mail belum terkirim: {reason}")
        self.remaining = remaining


def enabled(config: Mapping[str, Any]) -> bool:
    return bool(config.get("MAIL_SERVER"))


def queue(settings: MailSettings, mail: Mail) -> None:
    """Send ``mail`` when the current transaction commits (nothing if it rolls back)."""
    if not settings.enabled:
        return
    db.session.info.setdefault(OUTBOX_KEY, []).append(mail)


def pending() -> list[Mail]:
    """Messages waiting for the current transaction to commit (for tests and debugging)."""
    return list(db.session.info.get(OUTBOX_KEY, ()))


def build(settings: MailSettings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(mail.body)
    return message


def _refusal_code(exc: smtplib.SMTPException) -> int | None:
    """The server's reply code refusing one message (its one recipient, its sender or its data), if it gave one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min((code for code, _ in exc.recipients.values()), default=None)
    if isinstance(exc, smtplib.SMTPResponseException):
        return int(exc.smtp_code)
    return None


@dataclass(frozen=True)
class Delivery:
    """What one attempt did: how many messages went out, and those to try again (with why)."""

    sent: int
    deferred: list[Mail]
    reason: str = ""


def deliver(settings: MailSettings, messages: Sequence[Mail]) -> Delivery:
    """Send the messages over one SMTP connection.

    A message refused for good (a 5xx reply, or one the server cannot take at all) is logged and counts as done; a
    message refused for now (4xx) is left to try again, and so is every message not tried yet when the server
    cannot be reached or logged into, or the connection is lost.
    """
    sent = 0
    deferred: list[Mail] = []
    untried = list(messages)
    reason = ""
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
            if settings.use_tls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            while untried:
                mail = untried[0]
                try:
                    smtp.send_message(build(settings, mail))
                except (smtplib.SMTPServerDisconnected, OSError):
                    raise  # the connection is gone: this message and the rest are tried again
                except smtplib.SMTPException as exc:
                    code = _refusal_code(exc)
                    if code is not None and code < 500:
                        deferred.append(mail)
                        reason = f"e-mail ke {mail.to} ditolak sementara ({code})"
                    else:
                        log.error("e-mail ke %s ditolak server SMTP dan tidak dicoba lagi: %s", mail.to, exc)
                except Exception:  # the message cannot be built (a header the e-mail package refuses)
                    log.exception("e-mail ke %s tidak dapat dibuat dan tidak dicoba lagi", mail.to)
                else:
                    sent += 1
                untried.pop(0)
    except OSError as exc:  # smtplib's own errors are OSErrors too
        deferred.extend(untried)
        reason = f"server SMTP {settings.server}:{settings.port} tidak dapat dipakai ({type(exc).__name__}: {exc})"
    return Delivery(sent, deferred, reason)


def send_queued(config: Mapping[str, Any], data: Sequence[Mapping[str, str]], *, retries_left: int) -> None:
    """The body of :func:`assess.jobs.send_mail`: send the queued messages with the SMTP settings of ``config``
    (the worker's). Raises :class:`MailDeferredError` with the messages to try again while retries are left."""
    settings = MailSettings.from_config(config)
    messages = [Mail.from_data(item) for item in data]
    if not settings.enabled:
        log.warning("MAIL_SERVER pekerja latar kosong: %s e-mail dalam antrean tidak dikirim", len(messages))
        return
    outcome = deliver(settings, messages)
    if outcome.sent:
        log.info("%s e-mail notifikasi terkirim", outcome.sent)
    if not outcome.deferred:
        return
    addresses = ", ".join(m.to for m in outcome.deferred)
    if retries_left <= 0:
        log.error("%s; %s e-mail tidak terkirim, percobaan habis: %s", outcome.reason, len(outcome.deferred), addresses)
        return
    log.warning(
        "%s; %s e-mail dicoba lagi (%s percobaan tersisa): %s",
        outcome.reason,
        len(outcome.deferred),
        retries_left,
        addresses,
    )
    raise MailDeferredError(outcome.deferred, outcome.reason)


def _after_commit(session: Session) -> None:
    outbox = session.info.pop(OUTBOX_KEY, None)
    if not outbox:
        return
    try:
        from assess import jobs

        jobs.enqueue_mail([mail.as_data() for mail in outbox], current_app.config)
    except Exception:  # a commit has happened: never let e-mail turn it into an error page
        log.exception("%s e-mail notifikasi tidak dapat dimasukkan ke antrean pekerja latar", len(outbox))


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Runs after _after_commit for a committed transaction (the outbox is already gone then); for a
    # rolled-back or closed one it drops what the transaction queued.
    if transaction.parent is None and not transaction.nested:
        session.info.pop(OUTBOX_KEY, None)


def init_mail() -> None:
    """Hook the outbox to the session's transaction events (once per process, whatever the number of apps)."""
    target = db.session
    if not event.contains(target, "after_commit", _after_commit):
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_transaction_end", _after_transaction_end)
