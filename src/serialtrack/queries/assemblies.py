"""What a unit is built from and what it is inside: its component tree (every unit installed in
it, and in those, recursively) and the chain of units it is inside, nearest first. One
statement: two recursive walks over `Unit.parent` (indexed: `unit_parent`), down by the
parent index and up by the primary key, each step an index seek."""

from __future__ import annotations

from typing import Any

from django.db import connection

from serialtrack.queries.units import find_unit

MAX_DEPTH = 50  # deeper than any real assembly: a guard against a cycle

TREE = (
    "WITH RECURSIVE down (id, parent_id, depth) AS ("
    " SELECT id, parent_id, 1 FROM inventory_unit WHERE parent_id = %s"
    " UNION ALL"
    " SELECT u.id, u.parent_id, d.depth + 1 FROM down d JOIN inventory_unit u"
    "  ON u.parent_id = d.id WHERE d.depth < %s),"
    " up (id, depth) AS ("
    " SELECT parent_id, 1 FROM inventory_unit WHERE id = %s AND parent_id IS NOT NULL"
    " UNION ALL"
    " SELECT u.parent_id, up.depth + 1 FROM up JOIN inventory_unit u ON u.id = up.id"
    "  WHERE u.parent_id IS NOT NULL AND up.depth < %s)"
    " SELECT 'down', t.id, t.parent_id, t.depth, u.serial, p.sku, p.name, u.status, u.cost"
    " FROM down t JOIN inventory_unit u ON u.id = t.id"
    " JOIN inventory_product p ON p.id = u.product_id"
    " UNION ALL"
    " SELECT 'up', t.id, NULL, t.depth, u.serial, p.sku, p.name, u.status, u.cost"
    " FROM up t JOIN inventory_unit u ON u.id = t.id"
    " JOIN inventory_product p ON p.id = u.product_id"
)


def _node(serial: str, sku: str, name: str, status: str, cost: Any) -> dict[str, Any]:
    return {"serial": serial, "product": sku, "product_name": name, "status": status,
            "cost": str(cost) if cost is not None else None}


def unit_tree(unit_id: int) -> dict[str, Any]:
    """`components`: the units installed in the unit, each with its own `components`
    (serial order); `inside`: the unit it is installed in, then that one's, and so on up to the
    outermost (empty when it is in none)."""
    with connection.cursor() as cursor:
        cursor.execute(TREE, [unit_id, MAX_DEPTH, unit_id, MAX_DEPTH])
        rows = cursor.fetchall()
    children: dict[int, list[tuple[str, int]]] = {}
    nodes: dict[int, dict[str, Any]] = {}
    inside: list[tuple[int, dict[str, Any]]] = []
    for way, uid, parent_id, depth, serial, sku, name, status, cost in rows:
        node = _node(serial, sku, name, status, cost)
        if way == "up":
            inside.append((depth, node))
        elif uid not in nodes:
            nodes[uid] = node
            children.setdefault(parent_id, []).append((serial, uid))

    def build(parent: int, seen: frozenset[int]) -> list[dict[str, Any]]:
        return [{**nodes[uid], "components": build(uid, seen | {uid})}
                for _serial, uid in sorted(children.get(parent, [])) if uid not in seen]

    return {"components": build(unit_id, frozenset({unit_id})),
            "inside": [node for _depth, node in sorted(inside, key=lambda x: x[0])]}


def flatten(components: list[dict[str, Any]], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """The tree as (depth, node) rows in reading order (a printed tree, a nested list)."""
    rows: list[tuple[int, dict[str, Any]]] = []
    for node in components:
        rows.append((depth, node))
        rows += flatten(node["components"], depth + 1)
    return rows


def unit_with_tree(serial: str, product: str | None = None) -> dict[str, Any]:
    """The unit `serial` names (`find_unit`), with its `components` and `inside`."""
    unit = find_unit(serial, product)
    unit.update(unit_tree(unit["id"]))
    return unit
