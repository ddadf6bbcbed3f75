from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration story. It sits above every layer (it drives them all) and nothing imports it."""

    name = "oversight.demo"
    label = "demo"
    verbose_name = "Demonstration"
