"""The search box: one text, whatever it is — a serial, a manufacturer serial, a document number,
a lot, a product (SKU or name), a party — or a GS1 scan typed into it.

In this order, stopping at the first that finds something:

1. a GS1 scan (DataMatrix / GS1-128 element string, bracketed, Digital Link): the unit its
   (01) GTIN and (21) serial name (else its product, its lot);
2. a document number, in any case (`shp-000002` is SHP-000002): one index seek; a service
   case's number (`rma-000001`) likewise;
3. a serial exactly as typed (its own serial, a maker's, a corrected-away one: `find_unit`);
4. everything else, case-insensitively: serials and manufacturer serials equal to it, then
   starting with it (one range seek each on the case-folded serial's index, migration 0011),
   then containing it; lots starting with it; products whose SKU or name contains it; parties
   whose name contains it.

Contains-searches on serials: PostgreSQL answers them from a trigram index (pg_trgm), for texts
of 3 characters or more. SQLite has no such index, so there a contains-search reads every unit:
the search runs it by itself only while the shop holds at most `SQLITE_SCAN_LIMIT` units (an
index seek tells), and otherwise offers it (`contains=True`) saying it reads every unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, Q

from serialtrack.gs1 import Gs1Error, looks_like_gs1, parse_scan
from serialtrack.inventory.models import CASE_PREFIX, Document, Lot, Party, Product, ServiceCase
from serialtrack.queries.units import units_by_serial

LIMIT = 20  # of each kind of hit
SQLITE_SCAN_LIMIT = 50_000
TOP = "\U0010ffff"  # sorts after any character a serial can hold: the end of a prefix range
MIN_CONTAINS = 3  # shorter texts make no trigram: a contains-search of them is not offered


@dataclass
class Found:
    """What a search found: `hits` (dicts with `kind`: unit, document, lot, product, party),
    whether a contains-search of serials ran (`contained`) or could be asked for
    (`contains_offered`), and a GS1 scan's reading problem (`problem`)."""

    hits: list[dict[str, Any]] = field(default_factory=list)
    contained: bool = False
    contains_offered: bool = False
    problem: str | None = None


def search(text: str, *, contains: bool = False) -> Found:
    """Find `text` (see the module's docstring); `contains` asks for a contains-search of
    serials even where it reads every unit (SQLite, a large shop)."""
    q = text.strip()
    found = Found()
    if not q:
        return found
    if looks_like_gs1(q):
        return _gs1(q)
    number = q.upper()
    doc = (Document.objects.filter(number=number).exclude(number__isnull=True)
           .values("number", document_kind=F("kind")).first())
    if doc is not None:
        found.hits.append({"kind": "document", **doc})
        return found
    if number.startswith(f"{CASE_PREFIX}-"):  # a service case: one index seek
        case = ServiceCase.objects.filter(number=number).values_list("number", flat=True).first()
        if case is not None:
            found.hits.append({"kind": "case", "number": case})
            return found
    exact = units_by_serial(q)
    if exact:
        found.hits = [_unit_hit(u["product"], u["serial"], u["status"], "serial") for u in exact]
        return found
    found.hits = _units_folded(q)
    if len(q) >= MIN_CONTAINS:
        if connection.vendor == "postgresql" or contains or _small_shop():
            found.contained = True
            seen = {(h["sku"], h["serial"]) for h in found.hits}
            found.hits += [h for h in _units_containing(q) if (h["sku"], h["serial"]) not in seen]
        else:
            found.contains_offered = True
    found.hits += _lots(q) + _products(q) + _parties(q)
    return found


def _gs1(q: str) -> Found:
    found = Found()
    try:
        scan = parse_scan(q)
    except Gs1Error as exc:
        found.problem = f"scan {q!r}: {exc}"
        return found
    if not scan.is_gs1:  # a plain-data barcode: its text is the search
        return search(scan.plain_data or "") if scan.plain_data else found
    product = (Product.objects.filter(gtin=scan.gtin).values("sku", "name").first()
               if scan.gtin else None)
    if scan.serial:
        units = units_by_serial(scan.serial, product["sku"] if product else None)
        found.hits = [_unit_hit(u["product"], u["serial"], u["status"], "GS1 (21)")
                      for u in units]
    if found.hits:
        return found
    if scan.serial:
        what = f"{product['sku']} ({scan.gtin})" if product else f"GTIN {scan.gtin}"
        found.problem = f"the scan's serial {scan.serial!r} names no unit of {what} here"
    elif product is None:
        found.problem = f"GTIN {scan.gtin} is not a GTIN of any product here"
    if product is not None:  # what else the scan names
        if scan.lot:
            found.hits = [h for h in _lots(scan.lot) if h["sku"] == product["sku"]]
        found.hits = found.hits or [{"kind": "product", **product}]
    return found


def _unit_hit(sku: str, serial: str, status: str, matched: str,
              maker: str | None = None) -> dict[str, Any]:
    return {"kind": "unit", "sku": sku, "serial": serial, "status": status, "matched": matched,
            "manufacturer_serial": maker}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fold(column: str) -> str:
    """The case-folded column, as its index (migration 0011) holds it."""
    return f'lower({column}) COLLATE "C"' if connection.vendor == "postgresql" else f"lower({column})"


UNIT_COLUMNS = ("SELECT p.sku, u.serial, u.status, u.manufacturer_serial FROM inventory_unit u "
                "JOIN inventory_product p ON p.id = u.product_id WHERE ")


def _fetch(where: str, params: list[Any], matched: str) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(UNIT_COLUMNS + where, params)
        return [_unit_hit(sku, serial, status, matched, maker)
                for sku, serial, status, maker in cursor.fetchall()]


def _units_folded(q: str) -> list[dict[str, Any]]:
    """Serials and manufacturer serials equal to `q` or starting with it, in any case: a range
    seek each on the case-folded index, in index order (the equal ones come first)."""
    hits: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for column, matched in (("u.serial", "serial"), ("u.manufacturer_serial",
                                                     "manufacturer serial")):
        folded = _fold(column)
        where = (f"{folded} >= lower(%s) AND {folded} < lower(%s) "
                 + ("AND u.manufacturer_serial IS NOT NULL " if "manufacturer" in column else "")
                 + f"ORDER BY {folded} LIMIT {LIMIT}")
        for hit in _fetch(where, [q, q + TOP], matched):
            key = (hit["sku"], hit["serial"])
            if key not in seen:
                seen.add(key)
                hits.append(hit)
    return hits


def _units_containing(q: str) -> list[dict[str, Any]]:
    """Serials and manufacturer serials containing `q`, in any case (PostgreSQL: from the
    trigram indexes; SQLite: a scan), at most LIMIT of each."""
    pattern = f"%{_like(q)}%"
    if connection.vendor == "postgresql":
        own = _fetch(f"u.serial ILIKE %s LIMIT {LIMIT}", [pattern], "serial contains")
        makers = _fetch(f"u.manufacturer_serial ILIKE %s LIMIT {LIMIT}", [pattern],
                        "manufacturer serial contains")
    else:
        # SQLite's LIKE ignores the case of ASCII letters by itself
        own = _fetch(f"u.serial LIKE %s ESCAPE '\\' LIMIT {LIMIT}", [pattern],
                     "serial contains")
        makers = _fetch("u.manufacturer_serial IS NOT NULL AND u.manufacturer_serial "
                        f"LIKE %s ESCAPE '\\' LIMIT {LIMIT}", [pattern],
                        "manufacturer serial contains")
    keys = {(h["sku"], h["serial"]) for h in own}
    return own + [h for h in makers if (h["sku"], h["serial"]) not in keys]


def _small_shop() -> bool:
    """At most SQLITE_SCAN_LIMIT units (the largest id: an index seek)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM inventory_unit")
        (largest,) = cursor.fetchone()
    return (largest or 0) <= SQLITE_SCAN_LIMIT


def _lots(q: str) -> list[dict[str, Any]]:
    return [{"kind": "lot", **row} for row in Lot.objects.filter(code__istartswith=q)
            .order_by("code").values("code", "expiry", sku=F("product__sku"))[:LIMIT]]


def _products(q: str) -> list[dict[str, Any]]:
    return [{"kind": "product", **row} for row in Product.objects.filter(
        Q(sku__icontains=q) | Q(name__icontains=q)).order_by("sku").values("sku", "name")[:LIMIT]]


def _parties(q: str) -> list[dict[str, Any]]:
    return [{"kind": "party", **row} for row in Party.objects.filter(name__icontains=q)
            .order_by("name").values("name", "is_customer", "is_supplier")[:LIMIT]]
