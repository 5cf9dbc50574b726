"""The meeting report as a PDF: the HTML report printed by WeasyPrint on A4 landscape pages.

WeasyPrint lays text out with Pango, so Chinese names need a CJK font on the machine (Debian
fonts-noto-cjk, installed by scripts/system-packages.sh); the fonts used are embedded in the file.
"""

from __future__ import annotations

from reports.html import to_html
from reports.meeting import Report


def to_pdf(report: Report) -> bytes:
    """The PDF of the report; the page holds every resource it shows, so nothing is fetched."""
    # Imported on use: WeasyPrint loads Pango when imported, and nothing else needs it.
    import weasyprint

    return weasyprint.HTML(string=to_html(report)).write_pdf()
