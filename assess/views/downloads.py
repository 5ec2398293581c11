"""Sending stored evidence: access is checked by the caller; here the headers are made safe."""

from __future__ import annotations

from flask import send_file
from werkzeug.wrappers import Response

from assess.models import EvidenceVersion
from uploads.storage import Storage

#: Types a browser may show inline (preview); everything else is always a download.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def send_evidence(storage: Storage, version: EvidenceVersion, *, inline: bool) -> Response:
    blob = version.blob
    as_attachment = not (inline and blob.mime in INLINE_TYPES)
    path = storage.local_path(blob.storage_key)
    source = path if path is not None else storage.open(blob.storage_key)
    response = send_file(
        source,
        mimetype=blob.mime if not as_attachment else (blob.mime or "application/octet-stream"),
        as_attachment=as_attachment,
        download_name=version.original_name,
        conditional=True,
        etag=blob.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    if not as_attachment and blob.mime.startswith("image/"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
