"""Money and the past, read from the ledger: stock value (valuation), cost of goods sold with
the revenue and gross margin beside it (a shipment line at its sales order line's unit price),
and stock on hand, for today or for any past moment — each equal to what it said at that moment.

Every movement carries the value it moves (`Movement.value`: a unit's own cost — specific
identification —, or the FIFO cost a quantity took from its cost layer; a landed cost's share).
So the value in a bin at a moment is what came in minus what went out up to then, grouped by bin,
product and lot: no replay, and a landed cost posted later changes nothing before its own time.
The ledger writer sums each posting's movements into valuation entries as it writes them (one
row per document, bin, product and lot), so the aggregate reads those — a few rows per document
instead of every movement: under 2 s at any date with 1,000,000 units (docs/benchmarks.md).

Money is exact: summed as numeric on PostgreSQL and as whole ten-thousandths on SQLite (whose
decimals are floating point), then returned as `Decimal`, in the business currency
(`settings.CURRENCY`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from serialtrack.errors import InvalidInput, NotFound, Problem
from serialtrack.inventory.models import Location, Lot, Party, Product, Warehouse
from serialtrack.queries.units import as_datetime

FOUR_PLACES = Decimal("0.0001")


def currency() -> str:
    return settings.CURRENCY


def show_money(amount: Decimal | None) -> str:
    """An amount as people read it: to the cent unless it has finer parts, with the currency."""
    if amount is None:
        return "—"
    shown = amount.quantize(Decimal("0.01")) if amount == amount.quantize(Decimal("0.01")) \
        else amount.normalize()
    return f"{shown:,} {currency()}"


# -- moments ----------------------------------------------------------------------------------

def moment(text: str | None, field: str = "at") -> dt.datetime | None:
    """`--at`: a date (YYYY-MM-DD: the end of that day, in the business's time zone) or an ISO
    8601 timestamp (without an offset: the business's time zone). None: now."""
    if text is None or not str(text).strip():
        return None
    value = str(text).strip()
    zone = ZoneInfo(settings.TIME_ZONE)
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            when = (dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
                    - dt.timedelta(microseconds=1))
        else:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            when = when if timezone.is_aware(when) else when.replace(tzinfo=zone)
        when.astimezone(dt.UTC)  # stored in UTC: a moment that has no UTC time is refused
    except (ValueError, OverflowError):
        raise InvalidInput([Problem("invalid", f"{value!r} is neither a date (YYYY-MM-DD) nor an "
                                    "ISO 8601 timestamp", field=field)]) from None
    return when


def day_start(text: str, field: str) -> dt.datetime:
    """The first moment of a day (`--from`)."""
    try:
        day = dt.date.fromisoformat(str(text).strip())
        start = dt.datetime.combine(day, dt.time(), ZoneInfo(settings.TIME_ZONE))
        start.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise InvalidInput([Problem("invalid", f"{text!r} is not a date (YYYY-MM-DD)",
                                    field=field)]) from None
    return start


def _ts(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _sum_money(expr: str) -> str:
    """SQL summing an amount exactly: numeric on PostgreSQL; on SQLite (decimals stored as
    floating point) each amount as a whole number of ten-thousandths, summed as integers."""
    if connection.vendor == "postgresql":
        return f"SUM({expr})"
    return f"SUM(CAST(ROUND(({expr}) * 10000) AS INTEGER))"


def _money(total: Any) -> Decimal:
    if total is None:
        return Decimal(0).quantize(FOUR_PLACES)
    if connection.vendor == "postgresql":
        return Decimal(total).quantize(FOUR_PLACES)
    return (Decimal(int(total)) / 10000).quantize(FOUR_PLACES)


def _iso(value: dt.datetime | None) -> str:
    return (value or timezone.now()).astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat()


# -- the balance in each bin: what came in minus what went out --------------------------------

def _balances(bound: dt.datetime | None, product_id: int | None, units: bool | None,
              recount: bool = False) -> list[tuple[int, int, int | None, int, Decimal]]:
    """(bin, product, lot, quantity, value) on hand at `bound` (None: now). `units`: serialized
    products only (True), lot and plain ones only (False), both (None). Summed from the
    valuation entries (the ledger summed per posting, written with it); `recount`: from every
    movement instead (what the entries must always agree with — the tests check it)."""
    where = ""
    params: list[Any] = []
    if bound is not None:
        where += " AND m.created_at <= %s"
        params.append(_ts(bound))
    if product_id is not None:
        where += " AND m.product_id = %s"
        params.append(product_id)
    if units is not None:
        where += (" AND m.product_id IN (SELECT id FROM inventory_product WHERE tracking "
                  + ("= 'serial')" if units else "<> 'serial')"))
    if recount:
        sql = (
            f"SELECT x.loc, x.product_id, x.lot_id, SUM(x.q), {_sum_money('x.v')} FROM ("
            "SELECT m.to_location_id AS loc, m.product_id, m.lot_id, m.quantity AS q, "
            f"m.value AS v FROM inventory_movement m WHERE m.to_location_id IS NOT NULL{where} "
            "UNION ALL "
            "SELECT m.from_location_id, m.product_id, m.lot_id, -m.quantity, "
            "CASE WHEN m.to_location_id = m.from_location_id THEN 0 ELSE -m.value END "
            f"FROM inventory_movement m WHERE m.from_location_id IS NOT NULL{where}"
            ") x GROUP BY x.loc, x.product_id, x.lot_id"
        )
        params = params + params
    else:
        sql = (f"SELECT m.location_id, m.product_id, m.lot_id, SUM(m.quantity), "
               f"{_sum_money('m.value')} FROM inventory_valuationentry m WHERE 1 = 1{where} "
               "GROUP BY m.location_id, m.product_id, m.lot_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(loc, prod, lot, int(q or 0), _money(v)) for loc, prod, lot, q, v in rows
            if (q or 0) != 0 or _money(v) != 0]


class _Names:
    """The codes of the bins, products and lots a report names: three small lookups."""

    def __init__(self, locations: Iterable[int], products: Iterable[int], lots: Iterable[int]
                 ) -> None:
        self.location = {loc.pk: loc for loc in Location.objects.select_related("warehouse")
                         .filter(pk__in=set(locations))}
        self.product = {p.pk: p for p in Product.objects.filter(pk__in=set(products))}
        self.lot = {lot.pk: lot for lot in Lot.objects.filter(pk__in={x for x in lots if x})}


def _product_id(sku: str | None) -> int | None:
    if not sku:
        return None
    found = Product.objects.filter(sku=sku.strip()).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound([Problem("not_found", f"unknown product {sku!r}", field="product")])
    return found


def _warehouse(code: str | None) -> str | None:
    if code and not Warehouse.objects.filter(code=code.strip()).exists():
        raise NotFound([Problem("not_found", f"unknown warehouse {code!r}", field="warehouse")])
    return code.strip() if code else None


def valuation(at: str | None = None, warehouse: str | None = None,
              product: str | None = None, *, recount: bool = False) -> dict[str, Any]:
    """Stock value by warehouse, product and lot at `at` (None: now): quantity in storage (in
    stock, on hold, in repair) and its value — serialized units at their own cost, lots and plain
    quantities at the cost of their FIFO layers."""
    bound = moment(at)
    code = _warehouse(warehouse)
    rows = _balances(bound, _product_id(product), None, recount)
    names = _Names((r[0] for r in rows), (r[1] for r in rows), (r[2] for r in rows))
    grouped: dict[tuple[str, str, str | None], list[Any]] = {}
    for loc, prod, lot, q, v in rows:
        wh = names.location[loc].warehouse.code
        if code and wh != code:
            continue
        key = (wh, names.product[prod].sku, names.lot[lot].code if lot else None)
        entry = grouped.setdefault(key, [names.product[prod].name, 0, Decimal(0)])
        entry[1] += q
        entry[2] += v
    lines = [{"warehouse": wh, "product": sku, "product_name": name, "lot": lot,
              "quantity": q, "value": v}
             for (wh, sku, lot), (name, q, v) in sorted(grouped.items(),
                                                        key=lambda kv: (kv[0][0], kv[0][1],
                                                                        kv[0][2] or ""))
             if q or v]
    return {"at": _iso(bound), "currency": currency(), "lines": lines,
            "quantity": sum(ln["quantity"] for ln in lines),
            "value": sum((ln["value"] for ln in lines), Decimal(0)).quantize(FOUR_PLACES)}


# -- cost of goods sold, revenue and margin ------------------------------------------------------

# The sales order line a movement sold against (or gave back to): a shipment's own line's; for
# goods coming back (a customer return, a reversal) the line of the movement that shipped them
# out on the document it names (the same unit; for lots and quantities the same product and lot).
_ORDER_LINE = (
    "CASE WHEN m.from_location_id IS NOT NULL THEN "
    "(SELECT dl.order_line_id FROM inventory_documentline dl WHERE dl.id = m.line_id) "
    "WHEN m.to_location_id IS NOT NULL THEN "
    "(SELECT sl.order_line_id FROM inventory_movement sm "
    "JOIN inventory_documentline sl ON sl.id = sm.line_id "
    "WHERE sm.document_id = d.related_id AND sm.product_id = m.product_id "
    "AND sm.from_location_id IS NOT NULL AND sm.to_status = 'shipped' "
    "AND (sm.unit_id = m.unit_id OR (m.unit_id IS NULL "
    "AND COALESCE(sm.lot_id, 0) = COALESCE(m.lot_id, 0))) ORDER BY sm.id LIMIT 1) "
    "END"
)

# What counts, each with its sign: goods leaving storage to a customer (+), goods coming back
# from a customer into storage (−: a return, a shipment reversed), and the part of a landed cost
# for goods already gone (+: expensed when the landed cost is posted; −: given back when it is
# reversed, a row of kind `reversal`).
_COGS = (
    "SELECT x.number, x.kind, x.first_at, x.line_id, x.product_id, x.lot_id, x.party, x.sign, "
    "x.sold_against, x.qty, x.amount, o.number, ol.line_no, ol.unit_price FROM ("
    "SELECT d.number AS number, d.kind AS kind, MIN(m.created_at) AS first_at, "
    "m.line_id AS line_id, m.product_id AS product_id, m.lot_id AS lot_id, "
    "CASE WHEN m.from_location_id IS NULL AND m.to_location_id IS NOT NULL "
    "THEN m.from_party_id ELSE m.to_party_id END AS party, "
    "CASE WHEN m.from_location_id IS NULL AND m.to_location_id IS NOT NULL THEN -1 "
    "WHEN m.from_location_id IS NULL THEN 0 ELSE 1 END AS sign, "
    f"{_ORDER_LINE} AS sold_against, "
    "SUM(m.quantity) AS qty, {value} AS amount "
    "FROM inventory_movement m JOIN inventory_document d ON d.id = m.document_id "
    "WHERE m.created_at >= %s AND m.created_at <= %s AND ("
    "(m.from_location_id IS NOT NULL AND m.to_location_id IS NULL AND m.to_status = 'shipped') "
    "OR (m.from_location_id IS NULL AND m.to_location_id IS NOT NULL "
    "AND m.from_status = 'shipped') "
    "OR (m.from_location_id IS NULL AND m.to_location_id IS NULL AND (d.kind = 'landed_cost' "
    "OR (d.kind = 'reversal' AND EXISTS (SELECT 1 FROM inventory_document r "
    "WHERE r.id = d.related_id AND r.kind = 'landed_cost'))))"
    "){filters} "
    "GROUP BY d.number, d.kind, m.line_id, m.product_id, m.lot_id, party, sign, sold_against"
    ") x LEFT JOIN inventory_orderline ol ON ol.id = x.sold_against "
    "LEFT JOIN inventory_order o ON o.id = ol.order_id "
    "ORDER BY x.first_at, x.number, x.line_id"
)


def margin_percent(revenue: Decimal | None, margin: Decimal | None) -> Decimal | None:
    """Gross margin as a percentage of revenue, to two places (None without revenue)."""
    if revenue is None or margin is None or revenue == 0:
        return None
    return (margin * 100 / revenue).quantize(Decimal("0.01"))


def cogs_lines(start: dt.datetime, end: dt.datetime, customer: str | None = None,
               product: str | None = None) -> list[dict[str, Any]]:
    """Cost of goods sold between two moments, one row per document line (and customer and
    sales order line), with the revenue it earned: `quantity` × the unit price of the sales
    order line the shipment line filled (a return or a reversal of it gives that back).
    `quantity`, `cogs` and `revenue` are negative for goods coming back; a landed cost's expensed
    part is a row of kind `landed_cost` (quantity 0: no goods moved, no revenue: 0), and its
    reversal's a row of kind `reversal` giving it back (negative). `revenue`
    is None (unpriced) for goods shipped without a sales order line or with a line without a
    price."""
    filters = ""
    params: list[Any] = [_ts(start), _ts(end)]
    product_id = _product_id(product)
    if product_id is not None:
        filters += " AND m.product_id = %s"
        params.append(product_id)
    if customer:
        party = Party.objects.filter(name=customer.strip()).values_list("pk", flat=True).first()
        if party is None:
            raise NotFound([Problem("not_found", f"unknown customer {customer!r}",
                                    field="customer")])
        filters += (" AND (CASE WHEN m.from_location_id IS NULL AND m.to_location_id IS NOT NULL"
                    " THEN m.from_party_id ELSE m.to_party_id END) = %s")
        params.append(party)
    with connection.cursor() as cursor:
        cursor.execute(_COGS.format(value=_sum_money("m.value"), filters=filters), params)
        rows = cursor.fetchall()
    names = _Names((), (r[4] for r in rows), (r[5] for r in rows))
    parties = dict(Party.objects.filter(pk__in={r[6] for r in rows if r[6]})
                   .values_list("pk", "name"))
    lines = []
    for (number, kind, when, line_id, prod, lot, party, sign, _sold_against, q, v, order,
         order_line, price) in rows:
        value = _money(v)
        sign = int(sign)
        quantity = int(q) * sign if sign else 0
        price = Decimal(str(price)) if price is not None else None
        revenue = (Decimal(0).quantize(FOUR_PLACES) if not sign
                   else (price * quantity).quantize(FOUR_PLACES) if price is not None else None)
        lines.append({
            "document": number, "kind": kind, "line_id": line_id,
            "time": as_datetime(when).isoformat() if when else None,
            "customer": parties.get(party), "product": names.product[prod].sku,
            "lot": names.lot[lot].code if lot else None,
            "quantity": quantity,
            "cogs": -value if sign < 0 else value,
            "sales_order": order, "order_line": order_line,
            "unit_price": price.quantize(FOUR_PLACES) if price is not None else None,
            "revenue": revenue,
        })
    return lines


def _totals(lines: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Quantity, COGS, revenue and gross margin of some report lines. Revenue and margin count
    the priced lines only (margin = their revenue − their COGS); the unpriced ones (shipped
    without a sales order line or without a price) are counted apart."""
    quantity, cogs_total, revenue, priced_cogs = 0, Decimal(0), Decimal(0), Decimal(0)
    unpriced_quantity, unpriced_cogs, unpriced_lines, priced = 0, Decimal(0), 0, 0
    for ln in lines:
        quantity += ln["quantity"]
        cogs_total += ln["cogs"]
        if ln["revenue"] is None:
            unpriced_lines += 1
            unpriced_quantity += ln["quantity"]
            unpriced_cogs += ln["cogs"]
        else:
            priced += 1
            revenue += ln["revenue"]
            priced_cogs += ln["cogs"]
    margin = (revenue - priced_cogs).quantize(FOUR_PLACES) if priced else None
    return {"quantity": quantity, "cogs": cogs_total.quantize(FOUR_PLACES),
            "revenue": revenue.quantize(FOUR_PLACES) if priced else None,
            "margin": margin,
            "margin_percent": margin_percent(revenue if priced else None, margin),
            "unpriced": {"lines": unpriced_lines, "quantity": unpriced_quantity,
                         "cogs": unpriced_cogs.quantize(FOUR_PLACES)}}


def cogs(date_from: str, date_to: str, customer: str | None = None,
         product: str | None = None) -> dict[str, Any]:
    """Cost of goods sold, revenue and gross margin from the start of `date_from` to the end of
    `date_to` (business time zone): the document lines, the totals by customer, by product, by
    customer and product, and overall (`total` is the COGS; `totals` has all of it)."""
    start = day_start(date_from, "from")
    end = moment(day_start(date_to, "to").date().isoformat(), "to") or start
    if end < start:
        raise InvalidInput([Problem("invalid", f"--to {date_to} is before --from {date_from}",
                                    field="to")])
    lines = cogs_lines(start, end, customer, product)

    def grouped(key: Any, names: tuple[str, ...]) -> list[dict[str, Any]]:
        groups: dict[Any, list[dict[str, Any]]] = {}
        for ln in lines:
            groups.setdefault(key(ln), []).append(ln)
        return [{**dict(zip(names, k if isinstance(k, tuple) else (k,), strict=True)),
                 **_totals(g)}
                for k, g in sorted(groups.items(), key=lambda kv: tuple(
                    x or "" for x in (kv[0] if isinstance(kv[0], tuple) else (kv[0],))))]

    totals = _totals(lines)
    return {"from": start.date().isoformat(), "to": end.date().isoformat(),
            "currency": currency(), "lines": lines,
            "by_customer": grouped(lambda ln: ln["customer"], ("customer",)),
            "by_product": grouped(lambda ln: ln["product"], ("product",)),
            "by_customer_product": grouped(lambda ln: (ln["customer"], ln["product"]),
                                           ("customer", "product")),
            "total": totals["cogs"], "revenue": totals["revenue"], "margin": totals["margin"],
            "margin_percent": totals["margin_percent"], "unpriced": totals["unpriced"],
            "totals": totals}


def sales_order_money(line_ids: Iterable[int]) -> dict[int, tuple[int, Decimal]]:
    """Sales order line id -> (quantity sold, COGS): what the shipments against it took out of
    stock (their movements' value), less what came back from those shipments (returns,
    reversals) at the value it came back at. One grouped query through the order-line index,
    then the movements by document (and a returned unit's shipment movement by its document)."""
    ids = [int(i) for i in line_ids]
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT x.ol, SUM(x.q), {_sum_money('x.v')} FROM ("
        "SELECT dl.order_line_id AS ol, m.quantity AS q, m.value AS v "
        # through the movements' document index
        "FROM inventory_documentline dl JOIN inventory_movement m "
        "ON m.document_id = dl.document_id AND m.line_id = dl.id "
        f"WHERE dl.order_line_id IN ({marks}) AND m.from_location_id IS NOT NULL "
        "AND m.to_location_id IS NULL AND m.to_status = 'shipped' "
        "UNION ALL "
        f"SELECT {_ORDER_LINE} AS ol, -m.quantity AS q, -m.value AS v "
        "FROM inventory_movement m JOIN inventory_document d ON d.id = m.document_id "
        "WHERE d.related_id IN (SELECT dl.document_id FROM inventory_documentline dl "
        f"WHERE dl.order_line_id IN ({marks})) "
        "AND m.from_location_id IS NULL AND m.to_location_id IS NOT NULL "
        "AND m.from_status = 'shipped'"
        f") x WHERE x.ol IN ({marks}) GROUP BY x.ol"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids * 3)
        return {int(ol): (int(q or 0), _money(v)) for ol, q, v in cursor.fetchall()}


def unit_sale(unit_id: int) -> dict[str, Any] | None:
    """A shipped unit's sale: the shipment it went out on, the sales order line it filled, the
    price it sold for (that line's unit price; None: shipped without a priced order line), its
    cost (the value its shipment movement took out of stock) and the margin."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.number, m.value, o.number, ol.line_no, ol.unit_price "
            "FROM inventory_movement m JOIN inventory_document d ON d.id = m.document_id "
            "LEFT JOIN inventory_documentline dl ON dl.id = m.line_id "
            "LEFT JOIN inventory_orderline ol ON ol.id = dl.order_line_id "
            "LEFT JOIN inventory_order o ON o.id = ol.order_id "
            "WHERE m.unit_id = %s AND m.from_location_id IS NOT NULL "
            "AND m.to_location_id IS NULL AND m.to_status = 'shipped' "
            "ORDER BY m.created_at DESC, m.id DESC LIMIT 1", [unit_id])
        row = cursor.fetchone()
    if row is None:
        return None
    shipment, value, order, line_no, price = row
    cost = Decimal(str(value)).quantize(FOUR_PLACES) if value is not None else None
    price = Decimal(str(price)).quantize(FOUR_PLACES) if price is not None else None
    margin = price - cost if price is not None and cost is not None else None
    return {"shipment": shipment, "sales_order": order, "order_line": line_no,
            "price": price, "cost": cost, "margin": margin,
            "margin_percent": margin_percent(price, margin)}


# -- stock on hand at a past moment --------------------------------------------------------------

def stock_at(at: str | None, warehouse: str | None = None, product: str | None = None, *,
             serials: bool = True) -> dict[str, Any]:
    """Stock on hand as it was at `at`: serialized units grouped by warehouse, bin, product and
    status (each unit where its last movement up to then left it), and lot/plain quantities
    (what came into each bin minus what left it up to then)."""
    bound = moment(at) or timezone.now()
    code = _warehouse(warehouse)
    product_id = _product_id(product)
    where, params = "", [_ts(bound)]
    if product_id is not None:
        where, params = " AND product_id = %s", [*params, product_id]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.serial, m.product_id, m.to_location_id, m.to_status FROM ("
            "SELECT unit_id, MAX(id) AS last FROM inventory_movement "
            f"WHERE unit_id IS NOT NULL AND created_at <= %s{where} GROUP BY unit_id) x "
            "JOIN inventory_movement m ON m.id = x.last "
            "JOIN inventory_unit u ON u.id = m.unit_id WHERE m.to_location_id IS NOT NULL",
            params)
        units = cursor.fetchall()
    quantities = _balances(bound, product_id, False)
    names = _Names([u[2] for u in units] + [q[0] for q in quantities],
                   [u[1] for u in units] + [q[1] for q in quantities],
                   [q[2] for q in quantities])
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for serial, prod, loc, status in units:
        place = names.location[loc]
        if code and place.warehouse.code != code:
            continue
        key = (place.warehouse.code, place.code, names.product[prod].sku, status)
        group = groups.setdefault(key, {
            "warehouse": key[0], "bin": key[1], "product": key[2],
            "product_name": names.product[prod].name, "status": status, "count": 0,
            **({"serials": []} if serials else {})})
        group["count"] += 1
        if serials:
            group["serials"].append(serial)
    for group in groups.values():
        if serials:
            group["serials"].sort()
    qty_rows = []
    for loc, prod, lot, q, _v in quantities:
        place = names.location[loc]
        if q <= 0 or (code and place.warehouse.code != code):
            continue
        lot_row = names.lot.get(lot) if lot else None
        qty_rows.append({"warehouse": place.warehouse.code, "bin": place.code,
                         "product": names.product[prod].sku,
                         "product_name": names.product[prod].name,
                         "lot": lot_row.code if lot_row else None,
                         "expiry": lot_row.expiry.isoformat() if lot_row and lot_row.expiry
                         else None, "quantity": q})
    qty_rows.sort(key=lambda r: (r["warehouse"], r["bin"], r["product"], r["lot"] or ""))
    return {"at": _iso(bound), "units": [groups[k] for k in sorted(groups)],
            "quantities": qty_rows}
