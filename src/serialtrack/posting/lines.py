"""What a document line must say, checked the same way for every kind: a serial-tracked line
names exactly its quantity of distinct serials; a lot or plain line names a positive quantity."""

from __future__ import annotations

from collections.abc import Iterable

from serialtrack.errors import CountMismatch, NotFound, Problem
from serialtrack.inventory.models import Lot, Product
from serialtrack.posting.scans import LotInfo, decode_scans
from serialtrack.serials import check_serials


def serial_line(item: Product, serials: Iterable[str], quantity: int | None, pattern: str = "",
                lots: dict[str, LotInfo] | None = None, *, new: bool = False
                ) -> tuple[list[str], list[Problem]]:
    """The line's distinct valid serials and every problem found; GS1 scans among `serials` are
    read (their lot/expiry go to `lots`). A line whose only fault is its count is refused at once
    (`CountMismatch`); the others are reported with the database's. `new`: the serials are new
    units' (the product's serial policy applies), not existing units'."""
    scan_problems: list[Problem] = []
    decoded = decode_scans(serials, item, scan_problems, lots if lots is not None else {})
    clean, problems, given = check_serials(decoded, pattern, product=item if new else None)
    given += len(scan_problems)
    problems = scan_problems + problems
    if quantity is not None and quantity != given:
        serials = "serial" if given == 1 else "serials"
        problems.append(Problem("count_mismatch", f"quantity {quantity} but {given} {serials} given",
                                field="quantity", extra={"quantity": quantity, "serials": given}))
    if given == 0:
        problems.append(Problem("count_mismatch", f"{item.sku} is serial-tracked: list the serials",
                                field="serials"))
    if problems and all(p.code == "count_mismatch" for p in problems):
        raise CountMismatch(problems)
    return clean, problems


# the most one document line moves: stock sums stay far inside the 64-bit columns
MAX_QUANTITY = 10**12


def quantity_line(item: Product, serials: Iterable[str], quantity: int | None) -> list[Problem]:
    problems: list[Problem] = []
    if any(True for _ in serials):
        problems.append(Problem("invalid", f"{item.sku} is not serial-tracked: give --qty, "
                                "no serials", field="serials"))
    if not quantity or quantity <= 0:
        problems.append(Problem("invalid", "quantity must be a positive number", field="quantity"))
    elif quantity > MAX_QUANTITY:
        problems.append(Problem("invalid", f"quantity {quantity} is more than one line can move "
                                f"({MAX_QUANTITY:,})", field="quantity"))
    return problems


def existing_lot(item: Product, code: str | None) -> Lot | None:
    if not code:
        return None
    lot = Lot.objects.filter(product=item, code=code).first()
    if lot is None:
        raise NotFound([Problem("not_found", f"unknown lot {code!r} of {item.sku}", field="lot")])
    return lot
