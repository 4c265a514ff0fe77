"""URL map: the REST API under /api/, sign-in at /login/, the web pages everywhere else."""

from typing import Any

from django.urls import include, path

from serialtrack.accounts.views import login_view, logout_view
from serialtrack.api import routes  # noqa: F401 - registers the routes on the API
from serialtrack.api.core import api

# Django tries a URL map's patterns in order. The routes a scanner or a lookup client calls on
# every request come first: in the API's own order the scan's would be the 46th of 55 patterns,
# ~45 µs of regular-expression misses per scan (~5 % of it). Each API pattern matches only whole
# paths of its own shape, so moving these changes which view a path reaches for no path.
HOT_ROUTES = ("drafts/<draft_id>/serials", "units/by-serial/<serial>",
              "products/<sku>/units/<serial>")


def _hot_first(urls: tuple[list[Any], str, str]) -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = urls
    rank = {route: i for i, route in enumerate(HOT_ROUTES)}
    return (sorted(patterns, key=lambda p: rank.get(str(p.pattern), len(rank))),  # stable
            app_name, namespace)


urlpatterns = [
    path("api/", _hot_first(api.urls)),
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("", include("serialtrack.web.urls")),
]
