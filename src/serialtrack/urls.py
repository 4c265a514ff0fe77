"""URL map: the REST API under /api/, sign-in at /login/, the web pages everywhere else."""

from django.urls import include, path

from serialtrack.accounts.views import login_view, logout_view
from serialtrack.api import routes  # noqa: F401 - registers the routes on the API
from serialtrack.api.core import api

urlpatterns = [
    path("api/", api.urls),
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("", include("serialtrack.web.urls")),
]
