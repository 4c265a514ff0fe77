"""GS1 barcodes: a scan of a GS1 DataMatrix, GS1-128, GS1 QR, EAN/UPC or a GS1 Digital Link read
into GTIN, serial, lot and expiry (`parse_scan`), and element strings and Digital Links written
back. Driven by the GS1 Barcode Syntax Dictionary (`data/`); `syntax.py` says how.

A part of its own below the posting engine and the interfaces: it imports nothing else of
serialtrack."""

from serialtrack.gs1.syntax import (
    CHECKED_LINTERS,
    GS,
    UNCHECKED_LINTERS,
    AiRule,
    Component,
    Gs1Error,
    Gs1Scan,
    check_digit,
    digital_link,
    element_string,
    looks_like_gs1,
    parse_scan,
    parse_syntax_dictionary,
    syntax_dictionary,
)

__all__ = [
    "CHECKED_LINTERS",
    "GS",
    "UNCHECKED_LINTERS",
    "AiRule",
    "Component",
    "Gs1Error",
    "Gs1Scan",
    "check_digit",
    "digital_link",
    "element_string",
    "looks_like_gs1",
    "parse_scan",
    "parse_syntax_dictionary",
    "syntax_dictionary",
]
