"""Postings through the engine with the shop fixture's names, and a refusal that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from serialtrack import errors, posting
from tests.conftest import snapshot

SERIALS = [f"device-{n:05d}" for n in range(121, 126)]


def receive(user: Any, serials: list[str], warehouse: str = "WH1", **kw: Any) -> Any:
    return posting.receive(warehouse=warehouse, product=kw.pop("product", "HT-1"),
                           supplier="Supplier S", serials=serials, user=user, **kw)


def ship(user: Any, serials: list[str], customer: str = "Customer A", warehouse: str = "WH1",
         **kw: Any) -> Any:
    return posting.ship(warehouse=warehouse, customer=customer, product=kw.pop("product", "HT-1"),
                        serials=serials, user=user, **kw)


def refused(exc_type: type[errors.Refused], fn: Any, *args: Any, **kwargs: Any) -> errors.Refused:
    """Run `fn`, expect `exc_type`, and check that nothing at all changed."""
    before = snapshot()
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    assert snapshot() == before
    return info.value
