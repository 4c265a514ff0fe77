"""URL map: the REST API under /api/ (the web pages come with their issue)."""

from django.urls import path

from serialtrack.api import routes  # noqa: F401 - registers the routes on the API
from serialtrack.api.core import api

urlpatterns = [path("api/", api.urls)]
