from django.apps import AppConfig


class UtilitiesConfig(AppConfig):
    name = "dangan.utilities"
    label = "utilities"
    verbose_name = "Utilities"
