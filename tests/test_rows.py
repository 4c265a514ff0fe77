"""`serialtrack.rows`: the instances a hot path builds from its own statement's rows (the token's
user, the open draft with its line and product) behave as the instances the ORM builds."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model
from django.db.models.signals import post_init

from serialtrack.accounts.services import authenticate_token, create_token, create_user
from serialtrack.inventory.models import Product
from serialtrack.posting import drafts
from serialtrack.rows import loaded


def _row(obj: Model) -> tuple[list[str], list[Any]]:
    names = [f.attname for f in type(obj)._meta.concrete_fields]
    return names, [getattr(obj, n) for n in names]


def _fields(obj: Model) -> dict[str, Any]:
    return dict(zip(*_row(obj), strict=True))


def test_loaded_is_what_from_db_builds(shop: dict[str, Any]) -> None:
    names, values = _row(Product.objects.get(sku="HT-1"))
    fast = loaded(Product, DEFAULT_DB_ALIAS, names, values)
    slow = Product.from_db(DEFAULT_DB_ALIAS, names, values)
    assert type(fast) is Product and fast == slow and _fields(fast) == _fields(slow)
    assert (fast._state.adding, fast._state.db) == (slow._state.adding, slow._state.db) \
        == (False, DEFAULT_DB_ALIAS)
    # saved as its own row, not as a new one
    before = Product.objects.count()
    fast.name = "Handheld terminal, 2nd gen"
    fast.save()
    assert Product.objects.count() == before
    assert Product.objects.get(sku="HT-1").name == "Handheld terminal, 2nd gen"


def test_the_open_draft_reads_and_saves_like_an_orm_instance(shop: dict[str, Any],
                                                             user: Any) -> None:
    opened = drafts.create_draft(kind="shipment", product="HT-1", warehouse="WH1",
                                 customer="Customer A", user=user)
    doc = drafts.get_draft(opened.pk)
    assert _fields(doc) == _fields(type(doc).objects.get(pk=doc.pk))
    assert _fields(doc.draft) == _fields(type(doc.draft).objects.get(document=doc))
    assert doc.draft.product.sku == "HT-1" and doc.party.name == "Customer A"
    assert doc.draft.document_id == doc.pk  # a relation read through its key, not a copy
    assert doc.draft.document == doc
    doc.reference = "PO-7"
    doc.save(update_fields=["reference"])
    assert type(doc).objects.get(pk=doc.pk).reference == "PO-7"


def test_the_token_user_is_the_stored_user(db: Any) -> None:
    alice, _password = create_user("alice", "clerk", "correct horse battery")
    _token, raw = create_token("alice")
    found = authenticate_token(raw)
    assert type(found) is get_user_model() and found == alice
    assert _fields(found) == _fields(get_user_model().objects.get(pk=alice.pk))
    assert found.check_password("correct horse battery")


def test_a_model_with_init_receivers_is_built_by_its_init(shop: dict[str, Any]) -> None:
    """A post_init receiver (an ImageField adds one) still sees every instance."""
    seen: list[Model] = []

    def receiver(sender: Any, instance: Model, **kwargs: Any) -> None:
        seen.append(instance)

    names, values = _row(Product.objects.get(sku="HT-1"))
    post_init.connect(receiver, sender=Product)
    try:
        built = loaded(Product, DEFAULT_DB_ALIAS, names, values)
    finally:
        post_init.disconnect(receiver, sender=Product)
    assert len(seen) == 1 and seen[0] is built
    loaded(Product, DEFAULT_DB_ALIAS, names, values)  # no receiver now
    assert len(seen) == 1
