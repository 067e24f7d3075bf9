from django.apps import AppConfig


class EservicesConfig(AppConfig):
    name = "eservices"
    verbose_name = "Client Connect eServices"
