"""A unit's full history: every movement, oldest first, with its document. Three statements at
any size: the unit, its movements (by the (unit, id) index), and the names they refer to."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection

from serialtrack.queries.assemblies import unit_tree
from serialtrack.queries.money import moment, unit_sale
from serialtrack.queries.units import as_datetime, find_unit

MOVES = (
    "SELECT m.created_at, d.number, d.kind, r.number, m.from_location_id, m.to_location_id, "
    "m.from_status, m.to_status, m.from_party_id, m.to_party_id, m.user_id, m.note, d.reason, "
    "m.cost "
    "FROM inventory_movement m JOIN inventory_document d ON d.id = m.document_id "
    "LEFT JOIN inventory_document r ON r.id = d.related_id "
    "WHERE m.unit_id = %s ORDER BY m.id"
)


def _names(cursor: Any, unit_id: int, locations: set[int], parties: set[int], users: set[int]
           ) -> tuple[dict[tuple[str, int], str], list[str]]:
    """Location, party and user names, and the unit's former serials, in one round trip."""
    parts = ["SELECT 'a', id, serial FROM inventory_serialalias WHERE unit_id = %s"]
    params: list[Any] = [unit_id]
    for ids, sql in (
        (locations, "SELECT 'l', l.id, w.code || '/' || l.code FROM inventory_location l "
                    "JOIN inventory_warehouse w ON w.id = l.warehouse_id WHERE l.id IN ({})"),
        (parties, "SELECT 'p', id, name FROM inventory_party WHERE id IN ({})"),
        (users, "SELECT 'u', id, username FROM auth_user WHERE id IN ({})"),
    ):
        if ids:
            parts.append(sql.format(", ".join(["%s"] * len(ids))))
            params += sorted(ids)
    cursor.execute(" UNION ALL ".join(parts), params)
    names: dict[tuple[str, int], str] = {}
    former: list[tuple[int, str]] = []
    for kind, key, text in cursor.fetchall():
        if kind == "a":
            former.append((key, text))
        else:
            names[(kind, key)] = text
    return names, [text for _key, text in sorted(former)]


def unit_history(serial: str, product: str | None = None, at: str | None = None, *,
                 tree: bool = True) -> dict[str, Any]:
    """The unit and its movements, oldest first. `at` (a date: the end of that day, or an ISO
    8601 timestamp): only the movements up to then, and `at` says where the unit was then —
    in which bin or with whom, in which status, at what cost (None: not received yet).
    Without `at`, the unit also says what is installed in it (`components`, a tree) and what it
    is inside (`inside`, nearest first): one more statement (`tree=False`: not needed)."""
    bound = moment(at)
    unit = find_unit(serial, product)
    with connection.cursor() as cursor:
        cursor.execute(MOVES, [unit["id"]])
        rows = cursor.fetchall()
        if bound is not None:
            rows = [r for r in rows if as_datetime(r[0]) <= bound]
        names, former = _names(
            cursor, unit["id"],
            {r[i] for r in rows for i in (4, 5) if r[i] is not None},
            {r[i] for r in rows for i in (8, 9) if r[i] is not None},
            {r[10] for r in rows if r[10] is not None},
        )
    unit["former_serials"] = former
    movements = []
    for (created, number, kind, related, from_loc, to_loc, from_status, to_status, from_party,
         to_party, user_id, note, reason, cost) in rows:
        party = to_party or from_party
        movements.append({
            "time": as_datetime(created).isoformat(),
            "document": number,
            "kind": kind,
            "related": related,
            "from": names.get(("l", from_loc)) or names.get(("p", from_party), ""),
            "to": names.get(("l", to_loc)) or names.get(("p", to_party), ""),
            "from_status": from_status,
            "to_status": to_status,
            "party": names.get(("p", party)) if party else None,
            "user": names.get(("u", user_id)) if user_id else None,
            "note": note or reason,
            "cost": Decimal(cost).quantize(Decimal("0.0001")) if cost is not None else None,
        })
    data: dict[str, Any] = {"unit": unit, "movements": movements}
    if bound is None:
        # sold for X, cost Y, margin Z: while it is out with a customer
        data["sale"] = unit_sale(unit["id"]) if unit["status"] == "shipped" else None
        # what it is built from, and what it is inside (now: `at` has no tree)
        if tree:
            unit.update(unit_tree(unit["id"]))
    if bound is not None:
        last = rows[-1] if rows else None
        data["at"] = {
            "time": bound.isoformat(),
            "status": last[7] if last else None,
            "location": names.get(("l", last[5])) if last and last[5] else None,
            "holder": (names.get(("p", last[9])) if last and not last[5] and last[9]
                       else None),
            "cost": movements[-1]["cost"] if movements else None,
            "document": last[1] if last else None,
        }
    return data
