"""Read side: history, stock, warranty. Reads never replay the ledger: the unit row holds the
current state; the ledger answers history. Every lookup a scanner does is an index seek."""

from serialtrack.queries.documents import document_summaries, document_summary
from serialtrack.queries.expiry import expiring
from serialtrack.queries.history import unit_history
from serialtrack.queries.stock import out_of_storage, quantities_on_hand, stock_on_hand
from serialtrack.queries.units import find_unit
from serialtrack.queries.warranty import warranty, warranty_of

__all__ = [
    "document_summaries",
    "document_summary",
    "expiring",
    "find_unit",
    "out_of_storage",
    "quantities_on_hand",
    "stock_on_hand",
    "unit_history",
    "warranty",
    "warranty_of",
]
