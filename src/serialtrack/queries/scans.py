"""A scanned label read where an existing unit is named (lookups, and the postings that move
units we know): a token that is a GS1 scan — DataMatrix / GS1-128 text with a symbology
identifier or GS separators, the bracketed `(01)…(21)…` form, or a GS1 Digital Link — gives the
serial (21); its GTIN (01) picks the product; its lot (10) and expiry (17) are what the label
claims, compared with the unit's record (`disagreements`). Any other token is a plain serial."""

from __future__ import annotations

import datetime as dt
from typing import Any

from serialtrack.errors import InvalidInput, NotFound, Problem
from serialtrack.fastpath import fetch
from serialtrack.gs1 import GS, Gs1Error, Gs1Scan, looks_like_gs1, parse_scan

GS1_HEADS = frozenset("]([hH")


def may_be_scan(token: str) -> bool:
    """The cheap test first (one character), the GS1 grammar's only when it may be a scan."""
    head = token.lstrip()[:1]
    return (head in GS1_HEADS or GS in token) and looks_like_gs1(token)


def read_scan(token: str, field: str = "serial") -> Gs1Scan | None:
    """The GS1 scan `token` is (with a serial), None for a plain serial; an unreadable scan is
    refused naming the element."""
    if not may_be_scan(token):
        return None
    try:
        scan = parse_scan(token, require=("21",))
    except Gs1Error as exc:
        raise InvalidInput([Problem("invalid_scan", f"scan {token!r}: {exc}", serial=token,
                                    field=field, extra={"ai": exc.ai})]) from None
    return scan if scan.is_gs1 else None


def product_of_gtin(gtin: str, token: str) -> str:
    """The SKU whose GTIN the scan carries (an index seek); NotFound when it is none of ours."""
    rows = fetch("SELECT sku FROM inventory_product WHERE gtin = %s", [gtin])
    if not rows:
        raise NotFound([Problem("not_found", f"scan {token!r}: GTIN {gtin} is not a GTIN of any "
                                "product", serial=token, field="gtin", extra={"gtin": gtin})])
    return rows[0][0]


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def disagreements(recorded_lot: str | None, recorded_expiry: dt.date | str | None,
                  scan_lot: str | None, scan_expiry: dt.date | None) -> list[dict[str, Any]]:
    """Each field where the label contradicts the unit's record: `{"field", "recorded",
    "scanned"}`. A field the label does not carry, or the record does not hold (a unit received
    without a lot), contradicts nothing."""
    found = []
    if scan_lot is not None and recorded_lot is not None and scan_lot != recorded_lot:
        found.append({"field": "lot", "recorded": recorded_lot, "scanned": scan_lot})
    if (scan_expiry is not None and recorded_expiry is not None
            and _iso(scan_expiry) != _iso(recorded_expiry)):
        found.append({"field": "expiry", "recorded": _iso(recorded_expiry),
                      "scanned": _iso(scan_expiry)})
    return found

