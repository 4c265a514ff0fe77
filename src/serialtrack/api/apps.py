from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "serialtrack.api"
    label = "api"
    verbose_name = "REST API"
