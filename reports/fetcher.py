"""The only way WeasyPrint may load anything while it renders a report.

Two kinds of URL are served, from memory or from ``reports/assets/``; every other URL (``file:``, ``http:``,
``https:``, ``ftp:``, ``data:``, relative paths, unknown ``mandiri:`` names) is refused and recorded, so text
typed by users can never make the renderer read a local file or reach the network.
"""

from __future__ import annotations

import re
from pathlib import Path

from PIL import ImageFile
from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

# WeasyPrint switches on Pillow's process-wide "load truncated images" when it is imported. The report only shows
# images we validated, and the upload and evidence checks must keep refusing truncated images in this process too.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ASSET_DIR = Path(__file__).resolve().parent / "assets"
ASSET_PREFIX = "mandiri:asset/"
LOGO_URL = "mandiri:logo"
ASSET_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
ASSET_TYPES = {".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml"}
LOGO_TYPES = frozenset({"image/png", "image/jpeg"})


class RefusedURLError(ValueError):
    """A URL the report renderer does not load."""


class AssetFetcher(URLFetcher):
    """Serves ``mandiri:asset/<name>`` from the assets folder and ``mandiri:logo`` from the given bytes."""

    def __init__(self, logo: bytes | None = None, logo_mime: str | None = None) -> None:
        super().__init__(allowed_protocols=("mandiri",))
        if logo is not None and logo_mime not in LOGO_TYPES:
            raise RefusedURLError(f"logo harus PNG atau JPEG, bukan {logo_mime}")
        self.logo = logo
        self.logo_mime = logo_mime
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url == LOGO_URL and self.logo is not None:
            return URLFetcherResponse(url, body=self.logo, headers={"Content-Type": self.logo_mime})
        if url.startswith(ASSET_PREFIX):
            name = url.removeprefix(ASSET_PREFIX)
            suffix = Path(name).suffix
            if ASSET_NAME.fullmatch(name) and suffix in ASSET_TYPES:
                path = (ASSET_DIR / name).resolve()
                if path.parent == ASSET_DIR and path.is_file():
                    content_type = ASSET_TYPES[suffix]
                    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})
        self.refused.append(url)
        raise RefusedURLError(f"alamat tidak diizinkan dalam laporan: {url[:200]}")
