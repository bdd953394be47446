"""Picture bytes made with Pillow for the upload and rendition tests."""

import io

from PIL import Image


def image_bytes(*, size=(40, 30), color="teal", image_format="PNG", **save_kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format, **save_kwargs)
    return buffer.getvalue()

