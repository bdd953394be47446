from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "recommendations.followups"
    label = "followups"
    verbose_name = "Follow-up e-mails"
