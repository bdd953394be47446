from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "shop.security"
    label = "security"
    verbose_name = "Abuse protection"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
