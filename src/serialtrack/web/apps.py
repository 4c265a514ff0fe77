from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "serialtrack.web"
    label = "web"
    verbose_name = "Web pages (scan stations, unit and document pages, reports)"
