from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CatalogConfig(AppConfig):
    name = "catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from catalog.models import Category
        from catalog.signals import category_changed

        # The cached category tree (nav, breadcrumbs, listings) follows every change.
        post_save.connect(category_changed, sender=Category, dispatch_uid="catalog-tree-save")
        post_delete.connect(category_changed, sender=Category, dispatch_uid="catalog-tree-delete")

        # Cached page fragments (catalog.fragments) hold anything a page shows: every write to
        # these moves them on. Bulk writes to products bump in ProductQuerySet.
        from django.apps import apps
        from django.db.models.signals import m2m_changed

        from catalog.fragments import pages_version_changed

        for label in FRAGMENT_MODELS:
            model = apps.get_model(label)
            uid = f"catalog.fragments.{label}"
            post_save.connect(pages_version_changed, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(pages_version_changed, sender=model, dispatch_uid=f"{uid}.delete")
            for field in model._meta.local_many_to_many:
                m2m_changed.connect(pages_version_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}.{field.name}")


# What the storefront's pages show (the recommendations' own tables move their generation).
FRAGMENT_MODELS = (
    "catalog.Category",
    "catalog.Product",
    "catalog.ProductImage",
    "catalog.Attribute",
    "catalog.ProductAttributeValue",
    "reviews.Review",
    "addons.Service",
)
