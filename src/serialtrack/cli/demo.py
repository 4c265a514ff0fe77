"""The trade's walkthrough on sample data: five handheld terminals arrive, one is sold, comes
back "keeps rebooting", is repaired and shipped back; then the reports answer at once."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from serialtrack import catalog, posting, queries
from serialtrack.cli.common import current_user
from serialtrack.inventory.models import Document, Product

SKU = "HT-200"
SERIALS = [f"device-{n:05d}" for n in range(121, 126)]


def load_sample_data(user: Any) -> dict[str, str]:
    """Post the walkthrough once; later runs reuse it. Returns the document numbers."""
    if not Product.objects.filter(sku=SKU).exists():
        catalog.create_product(SKU, "Handheld terminal HT-200", "serial", warranty_days=365,
                               serial_pattern=r"device-\d{5}")
        catalog.create_warehouse("MAIN", "Main warehouse")
        catalog.create_party("Scanners Wholesale Ltd", supplier=True)
        catalog.create_party("Customer A", customer=True)
        posting.receive(warehouse="MAIN", product=SKU, supplier="Scanners Wholesale Ltd",
                        serials=SERIALS, cost=None, user=user, reference="PO-1001")
        shipment = posting.ship(warehouse="MAIN", customer="Customer A", product=SKU,
                                serials=["device-00123"], user=user)
        posting.receive_return(shipment=shipment.number, serials=["device-00123"],
                               disposition="repair", reason="keeps rebooting", user=user)
        posting.ship_back(product=SKU, serials=["device-00123"], user=user,
                          reason="firmware reflashed")
    docs = Document.objects.exclude(number=None).order_by("id")
    return {d.kind: d.number for d in docs}


def run_demo(out: Console, as_json: bool) -> None:
    numbers = load_sample_data(current_user())
    history = queries.unit_history("device-00123", SKU)
    warranty = queries.warranty("device-00123", SKU)
    stock = queries.stock_on_hand(product=SKU)
    if as_json:
        print(json.dumps({"documents": numbers, "history": history, "warranty": warranty,
                          "stock": stock}, default=str))
        return
    out.rule("serialtrack demo")
    out.print("Five handheld terminals arrive; device-00123 is sold to Customer A, comes back "
              "'keeps rebooting', is repaired and shipped back.\n", highlight=False)
    table = Table("time", "document", "kind", "from → to", "status")
    for m in history["movements"]:
        table.add_row(m["time"][:19].replace("T", " "), m["document"], m["kind"],
                      f"{m['from'] or '—'} → {m['to'] or '—'}",
                      f"{m['from_status'] or '—'} → {m['to_status']}")
    out.print("[bold]serialtrack history device-00123[/]")
    out.print(table)
    out.print("[bold]serialtrack warranty device-00123[/]")
    out.print(f"  sold to {warranty['sold_to']} ({warranty['sold_on']}), warranty until "
              f"{warranty['warranty_end']}, under warranty today: {warranty['under_warranty']}; "
              f"returned before: {', '.join(warranty['returned_before'])}", highlight=False)
    out.print("[bold]serialtrack stock[/]")
    for group in stock:
        out.print(f"  {group['warehouse']}/{group['bin']} {group['product']} {group['status']}: "
                  f"{group['count']} — {', '.join(group['serials'])}", highlight=False)
    out.print("\nTry: serialtrack --help · serialtrack stock --out-of-storage · "
              "serialtrack show RCV-000001", highlight=False)
