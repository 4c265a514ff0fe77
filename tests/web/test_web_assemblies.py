"""The unit page of an assembly shows its component tree (each component linked to its own
page), and a component's page what it is inside, up to the outermost unit; through Django's
test client on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from serialtrack import catalog, posting
from serialtrack.accounts.services import create_user
from serialtrack.inventory.models import Unit
from tests.helpers.web import PASSWORD


def test_the_unit_page_shows_the_tree_and_the_chain_up(shop: dict, user: Any) -> None:
    for sku in ("BIKE", "WHEEL", "BELL"):
        catalog.create_product(sku, f"The {sku.lower()}", "serial")
    for sku, serials in (("WHEEL", ["WH-1", "WH-2"]), ("BELL", ["BL-1"])):
        posting.receive(warehouse="WH1", product=sku, supplier="Supplier S", serials=serials,
                        user=user)
    posting.assemble(product="WHEEL", serial="WH-1", warehouse="WH1", serials=["BL-1"],
                     user=user)
    posting.assemble(product="BIKE", serial="BK-1", warehouse="WH1", serials=["WH-1", "WH-2"],
                     user=user)
    viewer, _ = create_user("vera", "viewer", PASSWORD)
    client = Client()
    client.force_login(viewer)
    page = client.get("/units/BIKE/BK-1").content.decode()
    tree = page.split('data-testid="unit-components"')[1].split("</section>")[0]
    assert tree.index("WH-1") < tree.index("BL-1") < tree.index("WH-2")  # BL-1 under WH-1
    assert tree.count("<ul") == 2 and 'href="/units/BELL/BL-1"' in tree
    bell = client.get("/units/BELL/BL-1").content.decode()
    inside = bell.split('data-testid="unit-inside"')[1].split("</dd>")[0]
    assert inside.index("WH-1") < inside.index("BK-1") and 'href="/units/BIKE/BK-1"' in inside
    assert "installed in WH-1" in bell  # the timeline
    assert 'data-testid="unit-components"' not in bell


def test_an_assembly_is_taken_apart_from_its_page(shop: dict, user: Any) -> None:
    for sku in ("BIKE", "WHEEL"):
        catalog.create_product(sku, f"The {sku.lower()}", "serial")
    posting.receive(warehouse="WH1", product="WHEEL", supplier="Supplier S",
                    serials=["WH-1", "WH-2"], user=user)
    posting.assemble(product="BIKE", serial="BK-1", warehouse="WH1", serials=["WH-1", "WH-2"],
                     user=user)
    viewer, clerk = Client(), Client()
    viewer.force_login(create_user("vera", "viewer", PASSWORD)[0])
    clerk.force_login(create_user("casey", "clerk", PASSWORD)[0])
    assert 'data-testid="assembly-actions"' not in viewer.get("/units/BIKE/BK-1").content.decode()
    assert viewer.post("/assemblies/disassemble", {"product": "BIKE", "serial": "BK-1"}
                       ).status_code == 403
    page = clerk.get("/units/BIKE/BK-1").content.decode()
    assert 'href="/assemble/?product=BIKE&amp;warehouse=WH1&amp;assembly=BK-1"' in page
    assert clerk.get("/assemble/?product=BIKE&warehouse=WH1&assembly=BK-1").status_code == 200
    apart = clerk.post("/assemblies/disassemble", {"product": "BIKE", "serial": "BK-1",
                                                   "keep_shell": "1"})
    assert apart.status_code == 302 and apart["Location"].startswith("/documents/ASM-")
    bike = Unit.objects.get(serial="BK-1")
    assert bike.status == "in_stock" and not Unit.objects.filter(parent=bike).exists()
    again = clerk.post("/assemblies/disassemble", {"product": "BIKE", "serial": "BK-1"})
    assert again.status_code == 422
    assert "has no components installed" in again.content.decode()
