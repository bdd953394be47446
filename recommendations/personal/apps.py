from django.apps import AppConfig


class PersonalConfig(AppConfig):
    name = "recommendations.personal"
    label = "personal"
    verbose_name = "Personal recommendations"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401 - registers the system checks
        from .receivers import merge_viewed_on_login

        # A guest's recently viewed products follow them into their account.
        user_logged_in.connect(merge_viewed_on_login, dispatch_uid="personal_merge_viewed_on_login")
