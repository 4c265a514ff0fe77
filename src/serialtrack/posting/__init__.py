"""The posting engine: the only code that changes stock. One entry per document kind; every
interface (CLI, API, web, import) goes through these, so all enforce the same rules with the
same typed errors (`serialtrack.posting.errors`)."""

from serialtrack.posting import adjustments, corrections, receipts, repairs, returns, shipments
from serialtrack.posting.engine import retrying, system_user

hold = retrying(adjustments.hold)
release = retrying(adjustments.release)
scrap = retrying(adjustments.scrap)
transfer = retrying(adjustments.transfer)
correct_serial = retrying(corrections.correct_serial)
reverse = retrying(corrections.reverse)
add_found = retrying(receipts.add_found)
receive = retrying(receipts.receive)
repair_done = retrying(repairs.repair_done)
replace = retrying(repairs.replace)
ship_back = retrying(repairs.ship_back)
start_repair = retrying(repairs.start_repair)
receive_quantity_return = retrying(returns.receive_quantity_return)
receive_return = retrying(returns.receive_return)
ship = retrying(shipments.ship)

__all__ = [
    "add_found",
    "correct_serial",
    "hold",
    "receive",
    "receive_quantity_return",
    "receive_return",
    "release",
    "repair_done",
    "replace",
    "reverse",
    "scrap",
    "ship",
    "ship_back",
    "start_repair",
    "system_user",
    "transfer",
]
