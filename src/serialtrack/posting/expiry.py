"""Expiry at the shipping door: a lot past its expiry date (the last day it may be used) does
not ship — neither a lot quantity nor a serial unit of that lot — unless a manager lets it go
with a reason (`overrides`). Picking by quantity skips expired stock (`ledger.take_stock`)."""

from __future__ import annotations

import datetime as dt

from serialtrack.errors import Problem
from serialtrack.inventory.models import Lot, Product
from serialtrack.posting.engine import UNIT, Posting


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def expired_units(p: Posting) -> list[Problem]:
    """A problem per staged unit (`st_units`) whose lot expired before today, naming the serial,
    its lot and the expiry date. One statement."""
    p.cursor.execute(
        f"SELECT u.serial, t.code, t.expiry FROM st_units s JOIN {UNIT} u ON u.id = s.unit_id "
        "JOIN inventory_lot t ON t.id = u.lot_id WHERE t.expiry < %s ORDER BY s.pos",
        [p.date(p.today)])
    return [Problem("expired", f"serial {serial!r} is of lot {code}, which expired "
                    f"{_date(expiry).isoformat()}", serial=serial, field="serials",
                    extra={"lot": code, "expiry": _date(expiry).isoformat()})
            for serial, code, expiry in p.cursor.fetchall()]


def expired_lot(product: Product, lot: Lot | None, today: dt.date) -> Problem | None:
    """A problem when the named lot expired before `today`."""
    if lot is None or lot.expiry is None or lot.expiry >= today:
        return None
    return Problem("expired", f"{product.sku} lot {lot.code} expired {lot.expiry.isoformat()}",
                   field="lot", extra={"lot": lot.code, "expiry": lot.expiry.isoformat()})
