"""Which units a label run prints: those a document moved, or a product's serials (a list and/or
a range) — the label sheets' reads, beside the other reads. Rendering is `serialtrack.labels`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from serialtrack import catalog
from serialtrack.errors import InvalidInput, NotFound, Problem, refuse
from serialtrack.inventory.models import Movement, Unit
from serialtrack.labels import MAX_LABELS, LabelUnit
from serialtrack.serials import expand_range, serial_problem


def units_for(document: str | None = None, serials: Iterable[str] | None = None,
              product: str | None = None, range: str | None = None) -> list[LabelUnit]:
    """The units to label: those a document moved (by number, in its order), or a product's
    serials (a list and/or a range like `A-001..A-050`, in the order given). Unknown documents,
    products and serials are refused, naming every one."""
    wanted = list(serials or ())
    if document and (product or wanted or range):
        raise InvalidInput([Problem("invalid", "give a document, or a product with serials or a "
                                    "range, not both", field="document")])
    if document:
        _refuse_nul(document, "document")
        return _document_units(document)
    if not product:
        raise InvalidInput([Problem("invalid", "name a document, or a product with its serials or "
                                    "a serial range", field="product")])
    if range:
        expanded = expand_range(range)
        if expanded is None:
            raise InvalidInput([Problem("invalid_range", f"{range!r} is not a range like "
                                        "A-001..A-050", serial=range, field="range")])
        if len(expanded) + len(wanted) > MAX_LABELS:
            raise InvalidInput([Problem("invalid", f"range {range!r} is {len(expanded):,} serials: "
                                        f"at most {MAX_LABELS:,} labels in one run", field="range")])
        wanted += expanded
    if not wanted:
        raise InvalidInput([Problem("invalid", "no serials given", field="serials")])
    if len(wanted) > MAX_LABELS:
        raise InvalidInput([Problem("invalid", f"{len(wanted):,} serials: at most {MAX_LABELS:,} "
                                    "labels in one run", field="serials")])
    _refuse_nul(product, "product")
    return _product_units(product, _serial_texts(wanted))


def _refuse_nul(value: str, field: str) -> None:
    """A name with a NUL character names nothing (and PostgreSQL refuses to compare it)."""
    if "\x00" in value:
        raise NotFound([Problem("not_found", f"unknown {field} {value!r}", field=field)])


def _serial_texts(raw: list[str]) -> list[str]:
    """Serials as stored (trimmed), each once, in the order given; a text that cannot be a serial
    (empty, control characters, too long) is refused, naming every one."""
    serials: dict[str, None] = {}
    problems = []
    for text in raw:
        serial, problem = serial_problem(text)
        if problem:
            problems.append(problem)
        else:
            serials[serial] = None
    refuse(problems)
    return list(serials)


def _product_units(sku: str, wanted: list[str]) -> list[LabelUnit]:
    item = catalog.get_product(sku)
    columns = ("serial", "lot__code", "lot__expiry", "manufacturer_serial")
    found: dict[str, tuple[str, str | None, dt.date | None, str | None]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update((row[0], row) for row in Unit.objects.filter(
            product=item, serial__in=chunk).values_list(*columns))
    missing = [s for s in wanted if s not in found]
    for start in range(0, len(missing), 500):  # named by the manufacturer's serial instead
        chunk = missing[start:start + 500]
        found.update((row[3], row) for row in Unit.objects.filter(
            product=item, manufacturer_serial__in=chunk).values_list(*columns))
    missing = [s for s in wanted if s not in found]
    if missing:
        raise NotFound([Problem("not_found", f"unknown serial {s!r} of {item.sku}", serial=s,
                                field="serials") for s in missing])
    units: dict[str, LabelUnit] = {}
    for text in wanted:
        serial, lot, expiry, maker = found[text]
        units.setdefault(serial, LabelUnit(serial, item.sku, item.name, item.gtin or None, lot,
                                           expiry, maker))
    return list(units.values())


def _document_units(number: str) -> list[LabelUnit]:
    doc = catalog.get_document(number)
    units: dict[int, LabelUnit] = {}
    rows = (Movement.objects.filter(document=doc, unit__isnull=False).order_by("id")
            .values_list("unit_id", "unit__serial", "unit__product__sku", "unit__product__name",
                         "unit__product__gtin", "unit__lot__code", "unit__lot__expiry",
                         "unit__manufacturer_serial"))
    for unit_id, serial, sku, name, gtin, lot, expiry, maker in rows.iterator(chunk_size=2000):
        units.setdefault(unit_id, LabelUnit(serial, sku, name, gtin or None, lot, expiry, maker))
        if len(units) > MAX_LABELS:
            raise InvalidInput([Problem("invalid", f"{doc.number} moved over {MAX_LABELS:,} units: "
                                        "print them by product and serial range", field="document")])
    if not units:
        raise InvalidInput([Problem("invalid", f"{doc.number} moved no serialized units: nothing "
                                    "to label", field="document")])
    return list(units.values())
