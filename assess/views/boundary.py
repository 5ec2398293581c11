"""The use-case boundary: the one place a view's change is committed or rolled back.

A view loads what it needs (404 for what the user may not read), authorises, then hands the service call to
:func:`attempt`. The service flushes; :func:`attempt` commits once, or rolls back on a refusal and shows every
reason: beside its field when a form is given, otherwise as a flash. No other view module commits, rolls back or
catches :class:`DomainError` (``tests/unit/test_layers.py`` holds this).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash

from assess.errors import DomainError
from assess.extensions import db
from forms import BaseForm

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """What a use case gave: its result, or the refusal (rolled back, already shown unless ``quiet``)."""

    result: T | None = None
    refusal: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @property
    def errors(self) -> list[tuple[str | None, str]]:
        """Every ``(field, message)`` of the refusal, in the page's language; none when it went through."""
        return [] if self.refusal is None else self.refusal.errors


def attempt(
    action: Callable[[], T],
    *,
    done: str | Callable[[T], str] | None = None,
    form: BaseForm | None = None,
    quiet: bool = False,
    reads_only: bool = False,
) -> Outcome[T]:
    """Run ``action`` (a service call) and commit; flash ``done`` when given.

    On a :class:`DomainError` the transaction is rolled back and the reasons are shown: on ``form``'s fields
    when a form is given, flashed otherwise, and not at all when ``quiet`` (a JSON answer shows them itself).
    An action that ``reads_only`` (a preview computed from a posted form) is rolled back, never committed.
    """
    try:
        result = action()
        if reads_only:
            db.session.rollback()
        else:
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        outcome: Outcome[T] = Outcome(refusal=exc)
        if not quiet:
            if form is not None:
                form.populate_errors(outcome.errors)
            else:
                for _field, message in outcome.errors:
                    flash(message, "error")
        return outcome
    except BaseException:
        db.session.rollback()
        raise
    if done is not None:
        flash(done if isinstance(done, str) else done(result), "success")
    return Outcome(result=result)
