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


def test_spare_parts_are_fitted_and_taken_out_from_the_page_of_a_unit_in_repair(
        shop: dict, user: Any) -> None:
    catalog.create_product("WHEEL", "Wheel", "serial")
    posting.receive(warehouse="WH1", product="WHEEL", supplier="Supplier S",
                    serials=["WH-1", "WH-2"], user=user)
    posting.receive(warehouse="WH1", product="HT-1", supplier="Supplier S", serials=["T-1"],
                    user=user)
    manager = create_user("mia", "manager", PASSWORD)[0]
    posting.start_repair(product="HT-1", serials=["T-1"], reason="cracked", user=manager)
    boss, clerk = Client(), Client()
    boss.force_login(manager)
    clerk.force_login(create_user("casey", "clerk", PASSWORD)[0])
    assert 'data-testid="spare-parts"' not in clerk.get("/units/HT-1/T-1").content.decode()
    assert clerk.post("/repairs/parts", {"product": "HT-1", "serial": "T-1", "parts": "WH-1",
                                         "action": "install"}).status_code == 403
    assert 'data-testid="spare-parts"' in boss.get("/units/HT-1/T-1").content.decode()
    fitted = boss.post("/repairs/parts", {"product": "HT-1", "serial": "T-1",
                                          "parts": "WH-1\n\nWH-2\n", "action": "install"})
    assert fitted.status_code == 302 and fitted["Location"].startswith("/documents/RPR-")
    assert sorted(Unit.objects.filter(parent__serial="T-1").values_list("serial", flat=True)
                  ) == ["WH-1", "WH-2"]
    wrong = boss.post("/repairs/parts", {"product": "HT-1", "serial": "T-1", "parts": "NOPE",
                                         "action": "remove"})
    assert wrong.status_code == 422 and "NOPE" in wrong.content.decode()
    out = boss.post("/repairs/parts", {"product": "HT-1", "serial": "T-1", "parts": "WH-2",
                                       "action": "scrap"})
    assert out.status_code == 302
    assert Unit.objects.get(serial="WH-2").status == "scrapped"
    assert Unit.objects.get(serial="WH-1").parent.serial == "T-1"
