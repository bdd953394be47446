from django import forms

from catalog.models import Product, ProductImage, StockMovement
from catalog.services import StockChange
from catalog.validators import validate_product_image


class ProductImageField(forms.ImageField):
    """An ImageField whose checks come first and speak plainly.

    Django's own ImageField turns every Pillow failure, the decompression-bomb guard
    included, into one generic message; ours says what is wrong (too big, too many
    pixels, not an image) before Django's checks run.
    """

    def to_python(self, data):
        if data not in self.empty_values:
            validate_product_image(data)
        return super().to_python(data)


class ProductImageForm(forms.ModelForm):
    image = ProductImageField(
        help_text="JPEG, PNG, GIF or WebP. Thumbnails are made when the product is saved."
    )

    class Meta:
        model = ProductImage
        fields = ["image", "alt", "position"]



# Largest single adjustment staff can type: a typo of a few extra digits is refused, not stocked.
MAX_STOCK_ADJUSTMENT = 100_000
STAFF_STOCK_KINDS = [StockMovement.Kind.ADJUSTMENT, StockMovement.Kind.RETURN]


class ProductAdminForm(forms.ModelForm):
    """The product form of the admin. Stock is not one of its fields: it shows read-only,
    and staff change it by a number of units with a reason (applied by stock_move as a delta),
    so a form loaded before a sale can't write the old figure back."""

    stock_change = forms.IntegerField(
        label="Adjust stock by",
        required=False,
        min_value=-MAX_STOCK_ADJUSTMENT,
        max_value=MAX_STOCK_ADJUSTMENT,
        help_text="+N for goods received or returned, −N for goods damaged, lost or miscounted. "
        "Sales and cancellations change stock on their own.",
    )
    stock_kind = forms.ChoiceField(
        label="Reason",
        choices=[(kind.value, kind.label) for kind in STAFF_STOCK_KINDS],
        initial=StockMovement.Kind.ADJUSTMENT,
        required=False,
    )
    stock_note = forms.CharField(
        label="Note", required=False, max_length=200, help_text="Why, in a few words (“delivery 4512”, “stock count”)."
    )

    class Meta:
        model = Product
        exclude = ["stock", "sales_count"]

    def clean(self):
        cleaned = super().clean()
        cleaned["stock_kind"] = cleaned.get("stock_kind") or StockMovement.Kind.ADJUSTMENT
        change = cleaned.get("stock_change")
        if change is None:
            return cleaned
        if change == 0:
            self.add_error("stock_change", "Enter a number of units other than 0, or leave it empty.")
        if not cleaned.get("stock_note", "").strip():
            self.add_error("stock_note", "Say why the stock changes.")
        current = Product.objects.filter(pk=self.instance.pk).values_list("stock", flat=True).first() or 0
        if change < 0 and current + change < 0:
            self.add_error("stock_change", f"Only {current} in stock: at most {current} can be taken.")
        return cleaned

    def stock_changes(self) -> list[StockChange]:
        """The adjustment asked for (none when the field was left empty); after save()."""
        change = self.cleaned_data.get("stock_change")
        return [StockChange(self.instance.pk, change)] if change else []
