"""Expiry over HTTP: the shipment's `allow_expired` and `reason` (from its declaration), the
override's role, and the report of what expires."""

from __future__ import annotations

import datetime as dt
from typing import Any

from serialtrack import posting, queries
from serialtrack.api import routes  # noqa: F401 - registers the routes
from tests.conftest import snapshot
from tests.helpers.api import Api


def test_expired_shipment_refused_then_overridden_by_a_manager(shop: dict, user: Any,
                                                               users: dict[str, Api]) -> None:
    posting.receive(warehouse="WH1", product="HT-1", serials=["E-1"], lot="L-OLD",
                    expiry=dt.date(2020, 1, 1), supplier="Supplier S", user=user)
    body = {"warehouse": "WH1", "customer": "Customer A", "product": "HT-1", "serials": ["E-1"]}
    before = snapshot()
    refused = users["clerk"]("POST", "/api/shipments", body)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{
        "code": "expired", "message": "serial 'E-1' is of lot L-OLD, which expired 2020-01-01",
        "serial": "E-1", "line": None, "field": "serials", "lot": "L-OLD",
        "expiry": "2020-01-01"}]
    override = {**body, "allow_expired": True, "reason": "customer accepted short-dated"}
    forbidden = users["clerk"]("POST", "/api/shipments", override)
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"][0]["role_needed"] == "manager"
    assert snapshot() == before
    done = users["manager"]("POST", "/api/shipments", override)
    assert done.status_code == 201, done.json()
    assert queries.unit_history("E-1")["movements"][-1]["note"] == (
        "override: expired E-1 shipped — customer accepted short-dated")


def test_expiring_report_route(shop: dict, user: Any, users: dict[str, Api]) -> None:
    posting.receive(warehouse="WH2", product="SAL-1", quantity=7, lot="OLD",
                    expiry=dt.date(2020, 1, 1), supplier="Supplier S", user=user)
    answer = users["viewer"]("GET", "/api/expiring?days=10&warehouse=WH2")
    assert answer.status_code == 200
    assert [(q["lot"], q["quantity"], q["expired"], q["location"])
            for q in answer.json()["quantities"]] == [("OLD", 7, True, "WH2/MAIN")]
    assert users["anonymous"]("GET", "/api/expiring").status_code == 401
