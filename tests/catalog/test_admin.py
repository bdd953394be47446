import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.admin import ProductAdmin
from catalog.models import Product, ProductImage
from tests.catalog.pictures import image_bytes
from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def product_form_data(*, category, image=None, **overrides):
    data = {
        "name": "Enamel Mug",
        "slug": "enamel-mug",
        "sku": "MUG-1",
        "category": category.pk,
        "description": "",
        "price": "8.50",
        "is_active": "on",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-alt": "",
        "images-0-position": "0",
        "attribute_values-TOTAL_FORMS": "0",
        "attribute_values-INITIAL_FORMS": "0",
        "attribute_values-MIN_NUM_FORMS": "0",
        "attribute_values-MAX_NUM_FORMS": "1000",
    }
    if image is not None:
        data["images-0-image"] = image
    data.update(overrides)
    return data


def add_product(staff_client, data):
    url = reverse("admin:catalog_product_add")
    page = staff_client.get(url)
    # empty management forms for every inline present, whoever added it
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        if f"{prefix}-TOTAL_FORMS" not in data:
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return staff_client.post(url, data)


def test_uploading_a_real_image_in_the_admin_makes_thumbnails(staff_client):
    upload = SimpleUploadedFile("mug.jpg", image_bytes(size=(900, 700), image_format="JPEG"), content_type="image/jpeg")

    response = add_product(staff_client, product_form_data(category=CategoryFactory(), image=upload))

    assert response.status_code == 302, response.context and response.context["errors"]
    image = ProductImage.objects.get(product__sku="MUG-1")
    assert image.thumbnail.name.endswith("-thumb.jpg") and image.medium.name.endswith("-medium.jpg")


def test_uploading_a_text_file_renamed_jpg_shows_a_clear_error_and_saves_nothing(staff_client):
    upload = SimpleUploadedFile("mug.jpg", b"this is not a picture\n" * 50, content_type="image/jpeg")

    response = add_product(staff_client, product_form_data(category=CategoryFactory(), image=upload))

    assert response.status_code == 200
    assert "Upload a real image" in response.content.decode()
    assert not Product.objects.filter(sku="MUG-1").exists()


def test_uploading_an_oversized_file_shows_a_clear_error(staff_client, settings):
    settings.MAX_UPLOAD_IMAGE_BYTES = 2_000
    upload = SimpleUploadedFile("big.png", image_bytes(size=(300, 300), image_format="PNG", compress_level=0))

    response = add_product(staff_client, product_form_data(category=CategoryFactory(), image=upload))

    assert response.status_code == 200
    assert "images may be at most 2.0" in response.content.decode()
    assert not ProductImage.objects.exists()


def test_changelist_shows_thumbnails_in_a_constant_number_of_queries(staff_client):
    category = CategoryFactory()
    ProductImageFactory(product=ProductFactory(category=category))
    url = reverse("admin:catalog_product_changelist")
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    for _ in range(20):
        ProductImageFactory(product=ProductFactory(category=category))

    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("-thumb.jpg") == 21
    assert len(many) == len(few)


@pytest.mark.parametrize(("choice", "expected"), [("in", {"Plenty", "Few"}), ("low", {"Few"}), ("out", {"None"})])
def test_changelist_filters_by_stock_level(staff_client, choice, expected):
    ProductFactory(name="Plenty", stock=50)
    ProductFactory(name="Few", stock=2)
    ProductFactory(name="None", stock=0)

    response = staff_client.get(reverse("admin:catalog_product_changelist"), {"stock": choice})

    assert {p.name for p in response.context["cl"].result_list} == expected


def test_changelist_edits_active_inline_but_never_writes_stock(staff_client):
    product = ProductFactory(stock=5, is_active=True)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(product.pk),
        "form-0-stock": "12",
        "_save": "Save",
    }

    response = staff_client.post(reverse("admin:catalog_product_changelist"), data)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.stock, product.is_active) == (5, False)


def test_product_admin_searches_by_sku(staff_client):
    ProductFactory(name="Mug", sku="ZZ-900")
    ProductFactory(name="Bag", sku="AA-100")

    response = staff_client.get(reverse("admin:catalog_product_changelist"), {"q": "ZZ-900"})

    assert [p.name for p in response.context["cl"].result_list] == ["Mug"]


def test_category_autocomplete_is_available_for_products(staff_client):
    CategoryFactory(name="Kitchen")
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"term": "kit", "app_label": "catalog", "model_name": "product", "field_name": "category"},
    )
    assert [item["text"] for item in response.json()["results"]] == ["Kitchen"]


def test_product_admin_inlines_are_a_plain_list_others_can_extend():
    assert isinstance(ProductAdmin.inlines, list)


def change_product(staff_client, product, data):
    url = reverse("admin:catalog_product_change", args=[product.pk])
    page = staff_client.get(url)
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        if f"{prefix}-TOTAL_FORMS" not in data:
            initial = formset.formset.initial_form_count()
            data.update({f"{prefix}-TOTAL_FORMS": str(initial), f"{prefix}-INITIAL_FORMS": str(initial)})
            for i, inline_form in enumerate(formset.formset.forms[:initial]):
                data.update({f"{prefix}-{i}-id": inline_form.instance.pk, f"{prefix}-{i}-product": product.pk})
    return staff_client.post(url, data)


def stored(image):
    from django.core.files.storage import default_storage

    return {name: default_storage.exists(name) for name in (image.image.name, image.thumbnail.name, image.medium.name)}


def image_form(product, image, **fields):
    return {
        "images-TOTAL_FORMS": "1", "images-INITIAL_FORMS": "1", "images-0-id": image.pk, "images-0-product": product.pk,
        "images-0-alt": image.alt, "images-0-position": "0", **fields,
    }


def test_replacing_an_image_deletes_the_old_files_once_saved(staff_client, django_capture_on_commit_callbacks):
    product = ProductFactory(sku="MUG-1", slug="enamel-mug", category=CategoryFactory())
    old = ProductImageFactory(product=product)
    old_files = stored(old)
    upload = SimpleUploadedFile("new.jpg", image_bytes(size=(300, 200), image_format="JPEG"), content_type="image/jpeg")
    data = product_form_data(category=product.category, **image_form(product, old, **{"images-0-image": upload}))

    with django_capture_on_commit_callbacks(execute=True):
        response = change_product(staff_client, product, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    new = ProductImage.objects.get(pk=old.pk)
    assert set(stored(new).values()) == {True} and not set(stored(new)) & set(old_files)
    assert set(old_files.values()) == {True} and set(stored(old).values()) == {False}  # gone from storage


def test_deleting_an_image_or_its_product_deletes_its_files(staff_client, django_capture_on_commit_callbacks):
    product = ProductFactory(sku="MUG-1", slug="enamel-mug", category=CategoryFactory())
    first, second = ProductImageFactory(product=product), ProductImageFactory(product=ProductFactory())
    data = product_form_data(category=product.category, **image_form(product, first, **{"images-0-DELETE": "on"}))

    with django_capture_on_commit_callbacks(execute=True):
        change_product(staff_client, product, data)
        staff_client.post(reverse("admin:catalog_product_delete", args=[second.product.pk]), {"post": "yes"})

    assert not ProductImage.objects.exists()
    assert set(stored(first).values()) == set(stored(second).values()) == {False}


def test_a_file_another_image_still_uses_is_kept(django_capture_on_commit_callbacks):
    from catalog.services import product_images_delete

    first = ProductImageFactory()
    twin = ProductImage.objects.create(  # the same three files, as a copied row would have
        product=ProductFactory(), image=first.image.name, thumbnail=first.thumbnail.name, medium=first.medium.name
    )

    with django_capture_on_commit_callbacks(execute=True):
        product_images_delete(images=ProductImage.objects.filter(pk=first.pk))

    assert set(stored(twin).values()) == {True}
