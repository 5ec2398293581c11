"""Flask-Security's account e-mail (the password-changed and password-reset notices, the reset link) through
:mod:`assess.mail`: into the outbox, handed to the job queue when the request commits, sent by the job worker.

Kept apart from :mod:`assess.mail` so that :mod:`assess.extensions` can name the class when it builds the shared
``Security`` object without importing the database session it is building.
"""

from __future__ import annotations

import logging
from email.utils import formataddr
from typing import Any

from flask import after_this_request, current_app, has_request_context
from flask_security import MailUtil

log = logging.getLogger(__name__)


class SecurityMailUtil(MailUtil):
    """Nothing is sent, and nothing fails, while ``MAIL_SERVER`` is empty; otherwise the message goes to the job
    queue after the request's commit, and the worker sends it from ``MAIL_SENDER``, as plain text."""

    def send_mail(
        self,
        template: str,
        subject: str,
        recipient: str | tuple[str, str],
        sender: str | tuple[str, str],
        body: str | None,
        html: str | None,
        **kwargs: Any,
    ) -> None:
        from assess.mail import Mail, MailSettings, queue

        to = recipient if isinstance(recipient, str) else formataddr((str(recipient[0]), str(recipient[1])))
        settings = MailSettings.from_config(current_app.config)
        queue(settings, Mail(to=to, subject=str(subject), body=str(body or "")))
        if settings.enabled and has_request_context():
            # The forgot-password view writes nothing, so nothing would commit and hand what it queued on.
            after_this_request(_send_queued)
        log.info("e-mail akun (%s) ke %s: %s", template, to, "diantrekan" if settings.enabled else "surel mati")


def _send_queued(response: Any) -> Any:
    """After the view (and its own commit, which hands the outbox to the job queue): hand on what is still
    queued."""
    from assess.extensions import db
    from assess.mail import pending

    if pending():
        db.session.commit()
    return response
