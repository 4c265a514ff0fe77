from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "serialtrack.inventory"
    label = "inventory"
    verbose_name = "Inventory"
