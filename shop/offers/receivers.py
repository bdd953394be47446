from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Deal, OfferSettings
from .points import offer_settings_forget
from .selectors import deals_cache_bump


@receiver(post_save, sender=Deal)
@receiver(post_delete, sender=Deal)
def deal_changed(**kwargs):
    # After the commit: a page read between the save and the commit would cache the old rows.
    transaction.on_commit(deals_cache_bump)


@receiver(post_save, sender=OfferSettings)
def offer_settings_changed(**kwargs):
    transaction.on_commit(offer_settings_forget)
