from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    label = "recommendations"
    verbose_name = "Recommendations"

    def ready(self):
        # Imported here, once the models are loaded: the receivers reach the services.
        from recommendations import receivers
        from recommendations.copurchase.signals import snapshot_published
        from recommendations.models import Bundle, BundleItem, Complement, Exclusion, LadderTier, TierLadder, Upgrade

        # Any curation edit, from the admin, a shell or a data migration, invalidates the
        # cached blocks; bulk updates bypass signals and must call curation_version_bump().
        for model in (Complement, Upgrade, Exclusion, TierLadder, LadderTier, Bundle, BundleItem):
            uid = f"recommendations.curation.{model.__name__}"
            post_save.connect(receivers.curation_changed, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(receivers.curation_changed, sender=model, dispatch_uid=f"{uid}.delete")
        # A new live snapshot (or a rollback) changes every computed block.
        snapshot_published.connect(receivers.snapshot_published, dispatch_uid="recommendations.snapshot_published")
