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
