"""PDF versions of the reports: the summary, the department report and the daily register.

Drawn with ReportLab: ``platypus`` lays out the flow (title, tables, page
footers), ``reportlab.graphics.charts`` draws the charts as vector drawings.

Chinese text is set in Adobe's ``STSong-Light`` CID font by default: the PDF
names the font without carrying it (a report stays a few tens of kilobytes,
the project ships no font files), its text is extractable, and every reader
with Chinese support — Adobe Reader, Foxit, WPS, browsers, poppler with a CJK
font installed — supplies a Song face for it. Where a reader lacks one, or
for archiving, ``HUIFANG_PDF_FONT`` names a TrueType file (``.ttf``, or the
first face of a ``.ttc``) whose glyphs are then embedded (subset) instead.

``layout`` holds the font, styles, tables, charts and page footer;
``summary`` and ``register`` the two kinds of document.
"""

from huifang.reports.pdf.layout import pdf_font
from huifang.reports.pdf.register import register_pdf
from huifang.reports.pdf.summary import SummaryDocument, scope_label, summary_document, summary_pdf

__all__ = [
    "SummaryDocument",
    "pdf_font",
    "register_pdf",
    "scope_label",
    "summary_document",
    "summary_pdf",
]
