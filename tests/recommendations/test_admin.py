"""Curation in the admin: inlines with clear errors, the preview and the suggestion queue."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse

from recommendations.models import Complement, CurationVersion, Exclusion, LadderTier
from recommendations.caching import STATE_KEY, cache_generation
from recommendations.copurchase.models import Snapshot
from recommendations.copurchase.signals import snapshot_published
from recommendations.selectors.placements import product_page_recommendations
from tests.factories import (
    CategoryFactory,
    ComplementFactory,
    LadderTierFactory,
    ProductFactory,
    TierLadderFactory,
    UserFactory,
)
from tests.recommendations.conftest import publish_pairs

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def inline_data(product, **extra):
    data = {
        "name": product.name, "slug": product.slug, "sku": product.sku, "category": product.category_id,
        "description": product.description, "price": str(product.price), "stock": product.stock, "is_active": "on",
    }
    for prefix in ("images", "attribute_values", "complement_links", "upgrade_links"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}
    data.update(extra)
    return data


def complement_rows(rows):
    data = {"complement_links-TOTAL_FORMS": len(rows)}
    for i, (complement, position) in enumerate(rows):
        data |= {f"complement_links-{i}-complement": complement, f"complement_links-{i}-position": position}
    return data


def test_staff_add_complements_on_the_product_page_and_the_storefront_follows(staff):
    knife, steel, board = ProductFactory.create_batch(3)
    assert product_page_recommendations(product=knife).fbt is None

    response = staff.post(
        reverse("admin:catalog_product_change", args=[knife.pk]), inline_data(knife, **complement_rows([(board.pk, 2), (steel.pk, 1)]))
    )

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert [i.product_id for i in product_page_recommendations(product=knife).fbt.items] == [steel.pk, board.pk]


def test_a_product_linked_to_itself_is_a_form_error(staff):
    knife = ProductFactory()
    response = staff.post(reverse("admin:catalog_product_change", args=[knife.pk]), inline_data(knife, **complement_rows([(knife.pk, 1)])))

    assert response.status_code == 200
    assert "A product cannot complement itself." in response.content.decode()
    assert not Complement.objects.exists()


def test_a_duplicate_link_is_a_form_error(staff):
    knife, steel = ProductFactory.create_batch(2)
    response = staff.post(
        reverse("admin:catalog_product_change", args=[knife.pk]), inline_data(knife, **complement_rows([(steel.pk, 1), (steel.pk, 2)]))
    )

    # Django's own formset check catches it before ours, with the same clear wording.
    assert "Please correct the duplicate data for complement" in response.content.decode()
    assert not Complement.objects.exists()


def ladder_data(rows):
    data = {"name": "Toasters", "hide_identical_rows": "on", "tiers-TOTAL_FORMS": len(rows), "tiers-INITIAL_FORMS": 0,
            "tiers-MIN_NUM_FORMS": 0, "tiers-MAX_NUM_FORMS": 1000}
    for i, (product, recommended) in enumerate(rows):
        data |= {f"tiers-{i}-product": product.pk, f"tiers-{i}-label": f"T{i}", f"tiers-{i}-position": i}
        if recommended:
            data[f"tiers-{i}-is_recommended"] = "on"
    return data


def test_a_ladder_with_two_recommended_tiers_is_a_form_error(staff):
    a, b, c = ProductFactory.create_batch(3)
    response = staff.post(reverse("admin:recommendations_tierladder_add"), ladder_data([(a, True), (b, True), (c, False)]))

    assert "Only one tier can be marked “Recommended”." in response.content.decode()
    assert not LadderTier.objects.exists()
    response = staff.post(reverse("admin:recommendations_tierladder_add"), ladder_data([(a, False), (b, True), (c, False)]))
    assert response.status_code == 302
    assert LadderTier.objects.filter(is_recommended=True).count() == 1


def test_the_database_also_refuses_two_recommended_tiers():
    ladder = TierLadderFactory()
    LadderTierFactory(ladder=ladder, is_recommended=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        LadderTierFactory(ladder=ladder, is_recommended=True)


def bundle_data(discount_type, value, products):
    data = {"name": "Set", "discount_type": discount_type, "discount_value": value, "is_active": "on",
            "items-TOTAL_FORMS": len(products), "items-INITIAL_FORMS": 0, "items-MIN_NUM_FORMS": 0, "items-MAX_NUM_FORMS": 1000}
    for i, product in enumerate(products):
        data |= {f"items-{i}-product": product.pk, f"items-{i}-quantity": 1}
    return data


@pytest.mark.parametrize(
    ("discount_type", "value", "message"),
    [
        ("percent", "-5", "The discount must be more than zero."),
        ("percent", "120", "A bundle takes at most 50% off its set."),
        ("percent", "60", "A bundle takes at most 50% off its set."),
        ("amount", "30.00", "can be at most 50% of the bundle&#x27;s price (£30.00): £15.00 or less."),
        ("amount", "15.01", "can be at most 50% of the bundle&#x27;s price"),
    ],
)
def test_a_bad_bundle_discount_is_a_form_error(staff, discount_type, value, message):
    products = [ProductFactory(price=Decimal("20.00")), ProductFactory(price=Decimal("10.00"))]

    response = staff.post(reverse("admin:recommendations_bundle_add"), bundle_data(discount_type, value, products))

    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_valid_bundle_is_saved(staff):
    products = [ProductFactory(price=Decimal("20.00")), ProductFactory(price=Decimal("10.00"))]
    response = staff.post(reverse("admin:recommendations_bundle_add"), bundle_data("amount", "5.00", products))

    assert response.status_code == 302


def test_an_exclusion_is_stored_normalised_and_a_reversed_duplicate_is_a_form_error(staff):
    a, b = ProductFactory.create_batch(2)
    staff.post(reverse("admin:recommendations_exclusion_add"), {"product_a": b.pk, "product_b": a.pk})
    assert list(Exclusion.objects.values_list("product_a_id", "product_b_id")) == [(a.pk, b.pk)]

    response = staff.post(reverse("admin:recommendations_exclusion_add"), {"product_a": a.pk, "product_b": b.pk})

    assert "already excluded" in response.content.decode()
    assert Exclusion.objects.count() == 1


def test_the_preview_shows_each_block_with_reasons_and_statistics(staff, publish):
    kitchen = CategoryFactory(name="Kitchen")
    knife, steel, board = ProductFactory.create_batch(3, category=kitchen)
    ComplementFactory(product=knife, complement=steel, pitch="Keeps the blade sharp")
    publish({knife: [(board, 31, 100, 200)]})

    html = staff.get(reverse("admin:recommendations_preview", args=[knife.pk])).content.decode()

    assert "Staff pick — Keeps the blade sharp" in html
    assert "Bought together by 31% of customers who bought this" in html
    assert "31 of 100" in html and "0.310" in html
    change = staff.get(reverse("admin:catalog_product_change", args=[knife.pk])).content.decode()
    assert reverse("admin:recommendations_preview", args=[knife.pk]) in change


def test_the_suggestion_queue_lists_open_pairs_and_pins_or_excludes_them(staff, publish):
    knife, board, towel, steel = (ProductFactory(sales_count=n) for n in (100, 90, 80, 70))
    ComplementFactory(product=knife, complement=steel)
    publish({knife: [(board, 40, 100, 90), (towel, 30, 100, 80), (steel, 20, 100, 70)]})

    html = staff.get(reverse("admin:recommendations_suggestions")).content.decode()
    assert f'data-suggestion="{knife.pk}-{board.pk}"' in html
    assert f'data-suggestion="{knife.pk}-{towel.pk}"' in html
    assert f"{knife.pk}-{steel.pk}" not in html  # already curated

    staff.post(reverse("admin:recommendations_suggestion_action"), {"product": knife.pk, "partner": board.pk, "action": "pin"})
    staff.post(reverse("admin:recommendations_suggestion_action"), {"product": knife.pk, "partner": towel.pk, "action": "exclude"})

    assert Complement.objects.filter(product=knife, complement=board).exists()
    assert Exclusion.objects.count() == 1
    html = staff.get(reverse("admin:recommendations_suggestions")).content.decode()
    assert "data-suggestion=" not in html
    assert [i.product_id for i in product_page_recommendations(product=knife).fbt.items] == [steel.pk, board.pk]


def test_the_suggestion_actions_need_post_and_staff(client):
    knife, board = ProductFactory.create_batch(2)
    url = reverse("admin:recommendations_suggestion_action")
    client.post(url, {"product": knife.pk, "partner": board.pk, "action": "pin"})
    assert not Complement.objects.exists()

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url, {"product": knife.pk, "partner": board.pk, "action": "pin"}).status_code == 405
    assert not Complement.objects.exists()


def test_every_curation_edit_bumps_the_cache_generation():
    before = cache_generation()
    link = ComplementFactory()
    after_save = cache_generation()
    link.delete()
    after_delete = cache_generation()

    assert before[1] < after_save[1] < after_delete[1]
    assert CurationVersion.objects.get().version == after_delete[1]


def test_a_snapshot_switch_invalidates_cached_blocks(publish):
    knife, board, towel = ProductFactory.create_batch(3)
    publish({knife: [(board, 40, 100, 90)]})
    assert [i.product_id for i in product_page_recommendations(product=knife).fbt.items] == [board.pk]

    # A new snapshot goes live; the engine's signal alone must drop the cached state.
    Snapshot.objects.update(status=Snapshot.Status.RETIRED)
    snapshot = publish_pairs({knife: [(towel, 40, 100, 90)]})
    cache.set(STATE_KEY, (snapshot.pk - 1, cache_generation()[1]))  # simulate a stale state
    snapshot_published.send(sender=Snapshot, snapshot=snapshot)

    assert [i.product_id for i in product_page_recommendations(product=knife).fbt.items] == [towel.pk]
