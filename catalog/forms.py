from django import forms

from catalog.models import ProductImage
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

