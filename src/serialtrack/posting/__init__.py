"""The posting engine: the only code that changes stock. One entry per document kind; every
interface (CLI, API, web, import) goes through these, so all enforce the same rules with the
same typed errors (`serialtrack.errors`).

Each kind's module declares what it posts (`operations.register`); importing the modules here
fills the registry the interfaces read (`serialtrack.posting.operations`)."""

from serialtrack.posting.adjustments import hold, release, scrap, transfer
from serialtrack.posting.assemblies import assemble, disassemble, install_parts, remove_parts
from serialtrack.posting.corrections import correct_serial, reverse
from serialtrack.posting.engine import system_user
from serialtrack.posting.landed_costs import add_landed_cost
from serialtrack.posting.recalls import create_recall, hold_recall, preview_recall
from serialtrack.posting.receipts import add_found, receive
from serialtrack.posting.repairs import repair_done, replace, ship_back, start_repair
from serialtrack.posting.returns import customer_return, receive_quantity_return, receive_return
from serialtrack.posting.shipments import ship
from serialtrack.posting.supplier_returns import (
    record_credit,
    return_to_supplier,
    supplier_replacement,
)

__all__ = [
    "add_found",
    "add_landed_cost",
    "assemble",
    "correct_serial",
    "create_recall",
    "customer_return",
    "disassemble",
    "hold",
    "hold_recall",
    "install_parts",
    "preview_recall",
    "receive",
    "receive_quantity_return",
    "receive_return",
    "record_credit",
    "release",
    "remove_parts",
    "repair_done",
    "replace",
    "return_to_supplier",
    "reverse",
    "scrap",
    "ship",
    "ship_back",
    "start_repair",
    "supplier_replacement",
    "system_user",
    "transfer",
]
