"""URL map: the REST API under /api/ (the web pages come with their issue)."""


urlpatterns: list = []
