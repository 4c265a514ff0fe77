"""Barcode scans where serials are accepted: a token that is a GS1 scan (DataMatrix / GS1-128 /
QR element string with a symbology identifier or GS separators, the bracketed `(01)…(21)…`
form, or a GS1 Digital Link) is read by `serialtrack.gs1`; its GTIN must be the line's product,
(21) becomes the serial, and (10)/(17) the unit's lot and expiry. Any other token is a plain
serial, untouched (the fast path: a million plain serials cost one character test each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from serialtrack.errors import Problem
from serialtrack.gs1 import GS, Gs1Error, looks_like_gs1, parse_scan
from serialtrack.inventory.models import Product

GS1_HEADS = frozenset("]([hH")
LotInfo = tuple[str | None, dt.date | None]


def decode_scans(raw: Iterable[str], item: Product | None, problems: list[Problem],
                 lots: dict[str, LotInfo]) -> Iterator[str]:
    """Yield the serial of each token; record GS1 lot/expiry in `lots`; a scan that cannot be
    read, or belongs to another product, becomes a problem naming the scan and yields nothing."""
    for token in raw:
        head = token.lstrip()[:1]
        if (head not in GS1_HEADS and GS not in token) or not looks_like_gs1(token):
            yield token
            continue
        try:
            scan = parse_scan(token, require=("21",))
        except Gs1Error as exc:
            problems.append(Problem("invalid_scan", f"scan {token!r}: {exc}", serial=token,
                                    field="serials", extra={"ai": exc.ai}))
            continue
        if not scan.is_gs1:
            yield scan.plain_data or ""
            continue
        wrong = _wrong_product(item, scan.gtin, token, scan.serial)
        if wrong:
            problems.append(wrong)
            continue
        if scan.lot or scan.expiry:
            lots[scan.serial] = (scan.lot, scan.expiry)
        yield scan.serial


def _wrong_product(item: Product | None, gtin: str | None, token: str, serial: str | None
                   ) -> Problem | None:
    if item is None or gtin is None or gtin == item.gtin:
        return None
    owner = Product.objects.filter(gtin=gtin).values_list("sku", flat=True).first()
    whose = f"belongs to {owner}" if owner else "is not a GTIN of any product"
    return Problem("wrong_product", f"scan {token!r}: GTIN {gtin} {whose}, not {item.sku}",
                   serial=serial or token, field="serials", extra={"gtin": gtin})
