"""Schemathesis against the live OpenAPI schema, authenticated as an admin: for a bounded number
of generated requests per operation, never a 5xx, and every documented response matches."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from serialtrack.api import routes  # noqa: F401 - registers the routes
from serialtrack.api.core import api
from serialtrack.wsgi import application

# The schema /api/openapi.json serves (it needs a login, and the database is not open while
# tests are collected), driven through the WSGI application.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))
schema.app = application
EXAMPLES = 12


@pytest.fixture(autouse=True)
def keep_test_connection() -> Any:
    """Like Django's test client: a request must not close the test's open (in-transaction)
    database connection, which `close_old_connections` does on PostgreSQL."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db: Any) -> str:
    from serialtrack import catalog
    from serialtrack.accounts.services import create_token, create_user

    create_user("fuzz-admin", "admin", "correct horse battery")
    catalog.create_product("HT-1", "Handheld", "serial")
    catalog.create_warehouse("WH1")
    catalog.create_party("Customer A", customer=True)
    return create_token("fuzz-admin")[1]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_never_fails_and_keeps_its_schema(case: Any, admin_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"},
                           checks=[not_a_server_error, response_schema_conformance])
