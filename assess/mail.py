"""Notification e-mail over SMTP, sent only after the transaction that made the notifications commits.

:func:`queue` puts a message in the outbox of the current database session; the session's ``after_commit``
hook sends the whole outbox over one SMTP connection, and the end of any transaction that did not commit
(rollback, close) throws it away. A failed send is logged and never reaches the user as an error. E-mail is
off while ``MAIL_SERVER`` is empty. (Savepoints are not tracked: nothing here uses them, and a savepoint
rolled back inside a committed transaction would not take its messages back.)
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

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


@dataclass
class Outbox:
    settings: MailSettings
    messages: list[Mail] = field(default_factory=list)


def enabled(config: Mapping[str, Any]) -> bool:
    return bool(config.get("MAIL_SERVER"))


def queue(settings: MailSettings, mail: Mail) -> None:
    """Send ``mail`` when the current transaction commits (nothing if it rolls back)."""
    if not settings.enabled:
        return
    info = db.session.info
    outbox = info.get(OUTBOX_KEY)
    if outbox is None or outbox.settings != settings:
        outbox = info[OUTBOX_KEY] = Outbox(settings)
    outbox.messages.append(mail)


def pending() -> list[Mail]:
    """Messages waiting for the current transaction to commit (for tests and debugging)."""
    outbox = db.session.info.get(OUTBOX_KEY)
    return list(outbox.messages) if outbox is not None else []


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


def send_batch(settings: MailSettings, messages: Sequence[Mail]) -> int:
    """Send the messages over one SMTP connection; return how many went out. Failures are logged, not raised."""
    if not messages or not settings.enabled:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
            if settings.use_tls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            for mail in messages:
                try:
                    smtp.send_message(build(settings, mail))
                    sent += 1
                except smtplib.SMTPException:
                    log.exception("e-mail notifikasi ke %s gagal dikirim", mail.to)
    except (OSError, smtplib.SMTPException):
        log.exception(
            "server SMTP %s:%s tidak dapat dipakai; %s e-mail tidak terkirim",
            settings.server,
            settings.port,
            len(messages) - sent,
        )
    else:
        log.info("%s e-mail notifikasi terkirim", sent)
    return sent


def _after_commit(session: Session) -> None:
    outbox = session.info.pop(OUTBOX_KEY, None)
    if outbox is None or not outbox.messages:
        return
    try:
        send_batch(outbox.settings, outbox.messages)
    except Exception:  # a commit has happened: never let e-mail turn it into an error page
        log.exception("pengiriman e-mail notifikasi gagal")


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
