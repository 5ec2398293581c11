"""The submission bundle: report data, the WeasyPrint report, evidence conversion, the bundle PDF, the ZIP, the
export build. Heavy imports (WeasyPrint, pikepdf, img2pdf) live in the submodules; this package stays light."""

#: File names inside an export's directory.
PDF_NAME = "bundel.pdf"
ZIP_NAME = "bundel.zip"
SUMMARY_NAME = "ringkasan.json"


class ExportError(Exception):
    """The export cannot be completed; the message (Indonesian) says why."""
