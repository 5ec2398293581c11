"""An import preview carried from its page to the apply step: the rows the person saw, signed with the app's secret,
so the apply step takes exactly those rows, for that assessment, within half an hour."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from assess.errors import DomainError
from assess.models import Assessment

MAX_AGE = 30 * 60


def sign(salt: str, assessment: Assessment, rows: Iterable[Any], secret: str) -> str:
    """The token of ``rows`` (dataclass instances) previewed for ``assessment``."""
    return str(URLSafeTimedSerializer(secret, salt=salt).dumps({"a": assessment.id, "rows": [asdict(r) for r in rows]}))


def load(salt: str, assessment: Assessment, token: str, secret: str) -> list[dict[str, Any]]:
    """The rows of a token made by :func:`sign` for ``assessment``, as dicts; refused when expired or not ours."""
    try:
        payload = URLSafeTimedSerializer(secret, salt=salt).loads(token, max_age=MAX_AGE)
    except SignatureExpired:
        raise DomainError(_l("Pratinjau sudah kedaluwarsa; unggah berkas lagi.")) from None
    except BadSignature:
        raise DomainError(_l("Data pratinjau tidak sah; unggah berkas lagi.")) from None
    if payload.get("a") != assessment.id:
        raise DomainError(_l("Data pratinjau tidak sah; unggah berkas lagi."))
    return list(payload["rows"])
