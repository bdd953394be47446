from django.db import transaction

from catalog.selectors import category_tree_invalidate


def category_changed(sender, **kwargs):
    # After the commit: a request racing the transaction could otherwise re-cache the old tree.
    transaction.on_commit(category_tree_invalidate)
