from .holdout import current_visit
from .services import add_record, service_add_record


def stamp_cart_group(sender, instance, **kwargs):
    """A new cart records its visitor's holdout group (the follow-ups read it), from the
    current request's visit; the cart knows nothing of measurement."""
    if not instance._state.adding or instance.rec_group:
        return
    visit = current_visit.get()
    if visit is not None and visit.counted:
        instance.rec_group = visit.group


def record_recommendation_add(sender, instance, created, update_fields=None, **kwargs):
    """An add to cart from a recommendation, recorded where the cart line is written.

    A receiver rather than a call in the cart services keeps the dependency pointing one way
    (the cart knows nothing of measurement). Saves that touch only some columns (a quantity
    change, a move to another cart) cannot be a new recommendation add and cost no query.
    """
    if update_fields is not None and "rec_added_at" not in update_fields:
        return
    add_record(line=instance)


def record_service_add(sender, instance, created, **kwargs):
    """A service add-on taken from one of its offers, recorded where its cart row is written.
    Only a new row is a new add (a row is never saved twice: a line's quantity is its own)."""
    if created:
        service_add_record(line_service=instance)
