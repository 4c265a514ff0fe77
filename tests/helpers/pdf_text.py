"""The text of a PDF, as a reader copying it out would get it: pdfium's text layer, page by page
(pypdfium2 is already the label tests' PDF reader; no second PDF library is needed)."""

from __future__ import annotations

import pypdfium2 as pdfium


def pdf_pages_text(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        document.close()


def pdf_words(pdf: bytes) -> set[str]:
    """Every white-space separated word of every page."""
    return {word for text in pdf_pages_text(pdf) for word in text.split()}
