"""Barcode scans where serials are accepted: a token that is a GS1 scan (DataMatrix / GS1-128 /
QR element string with a symbology identifier or GS separators, the bracketed `(01)…(21)…`
form, or a GS1 Digital Link) is read by `serialtrack.gs1`; its GTIN must be the line's product,
(21) becomes the serial, and (10)/(17) the unit's lot and expiry. Any other token is a plain
serial, untouched (the fast path: a million plain serials cost one character test each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from serialtrack.errors import Problem
from serialtrack.gs1 import Gs1Error, parse_scan
from serialtrack.inventory.models import Product
from serialtrack.posting.engine import UNIT, Posting
from serialtrack.posting.overrides import override_note
from serialtrack.queries.scans import disagreements, may_be_scan

LotInfo = tuple[str | None, dt.date | None]


def decode_scans(raw: Iterable[str], item: Product | None, problems: list[Problem],
                 lots: dict[str, LotInfo], gtins: dict[str, str] | None = None
                 ) -> Iterator[str]:
    """Yield the serial of each token; record GS1 lot/expiry in `lots` (and, without a product
    to check it against, the GTIN in `gtins`); a scan that cannot be read, or belongs to another
    product, becomes a problem naming the scan and yields nothing."""
    for token in raw:
        if not may_be_scan(token):
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
        if gtins is not None and item is None and scan.gtin:
            gtins[scan.serial] = scan.gtin
        yield scan.serial


def _wrong_product(item: Product | None, gtin: str | None, token: str, serial: str | None
                   ) -> Problem | None:
    if item is None or gtin is None or gtin == item.gtin:
        return None
    owner = Product.objects.filter(gtin=gtin).values_list("sku", flat=True).first()
    whose = f"belongs to {owner}" if owner else "is not a GTIN of any product"
    return Problem("wrong_product", f"scan {token!r}: GTIN {gtin} {whose}, not {item.sku}",
                   serial=serial or token, field="serials", extra={"gtin": gtin})


# -- a scanned label against the record of the unit it names ------------------------------------

CHUNK = 500


def label_contradictions(p: Posting, lots: dict[str, LotInfo], gtins: dict[str, str] | None,
                         accept: bool, reason: str) -> tuple[list[Problem], str]:
    """Compare what the labels scanned claim (`lots`: serial -> (lot, expiry); `gtins`: serial
    -> GTIN, where no product was named) with the record of the staged units (`st_units`, locked).
    A problem per disagreeing field, naming the serial, the field, recorded and scanned value;
    or, when a manager `accept`s them, none and the note for the movements. Nothing is read
    when nothing scanned carried a lot, expiry or GTIN (plain serials cost nothing)."""
    claimed = set(lots) | set(gtins or {})
    if not claimed:
        return [], ""
    rows = []
    ordered = sorted(claimed)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        p.cursor.execute(
            f"SELECT s.pos, u.serial, t.code, t.expiry, pr.gtin, pr.sku FROM st_units s "
            f"JOIN {UNIT} u ON u.id = s.unit_id JOIN inventory_product pr ON pr.id = u.product_id "
            "LEFT JOIN inventory_lot t ON t.id = u.lot_id "
            f"WHERE u.serial IN ({', '.join(['%s'] * len(chunk))})", chunk)
        rows += p.cursor.fetchall()
    problems: list[Problem] = []
    for _pos, serial, code, expiry, gtin, sku in sorted(rows):
        lot, scan_expiry = lots.get(serial, (None, None))
        found = disagreements(code, expiry, lot, scan_expiry)
        scanned_gtin = (gtins or {}).get(serial)
        if scanned_gtin and scanned_gtin != gtin:
            found.append({"field": "gtin", "recorded": gtin, "scanned": scanned_gtin})
        for d in found:
            problems.append(Problem(
                "scan_mismatch", f"serial {serial!r} ({sku}): recorded {d['field']} "
                f"{d['recorded'] or '(none)'} vs scanned {d['scanned']}", serial=serial,
                field=d["field"], extra={"recorded": d["recorded"], "scanned": d["scanned"]}))
    if problems and accept:
        what = "; ".join(f"{pr.serial} {pr.field} {pr.extra['recorded']} vs {pr.extra['scanned']}"
                         for pr in problems)
        return [], override_note(f"label accepted against the record ({what})", reason)
    return problems, ""
