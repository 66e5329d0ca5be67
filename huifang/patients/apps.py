from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "huifang.patients"
    label = "patients"
    verbose_name = "患者"
