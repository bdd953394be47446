"""Free text typed at checkout, made fit to print on a parcel and to quote in an e-mail.

The order confirmation quotes the name and address back to whatever address was typed, so
those fields are what a stranger could use to make the shop send their words: they are
kept to one line of visible characters, of a length a courier label takes, and never carry
a link or (in the name) a phone number.
"""

import re
import unicodedata

from django import forms

# Longest accepted values: a full name as GOV.UK's design system caps it, an address line
# and a town as couriers' labels print them.
NAME_MAX_LENGTH = 70
ADDRESS_LINE_MAX_LENGTH = 100
CITY_MAX_LENGTH = 60

# Unicode categories dropped outright: control (NUL, ESC…), format (zero-width characters,
# the right-to-left override that shows text backwards), surrogates, private use, unassigned.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACES = re.compile(r"\s+")
# A link, or something a mail client would turn into one: a scheme, "www.", or a host name
# ending in a common top-level domain.
_LINK = re.compile(
    r"(://|\bwww\.|\bhttps?\b|[a-z0-9-]\.(com|net|org|info|biz|io|co|uk|ru|cn|xyz|top|site|online|shop|store"
    r"|app|link|click|me|ly|to|tk|de|fr|nl|eu|us)\b)",
    re.IGNORECASE,
)
# A name: letters in any script with their accents, spaces, and the punctuation names use.
_NAME_CHARACTER = re.compile(r"[^\W\d_]|[ '’‘.,&-]")


def single_line(value: str) -> str:
    """NFC-normalised, control and invisible characters removed, any run of white space
    (line breaks and tabs included) turned into one space, trimmed."""
    value = unicodedata.normalize("NFC", value or "")
    kept = "".join(
        " " if character.isspace() else character
        for character in value
        if character.isspace() or unicodedata.category(character) not in _DROPPED_CATEGORIES
    )
    return _SPACES.sub(" ", kept).strip()


def contains_link(value: str) -> bool:
    return bool(_LINK.search(value))


def is_plain_name(value: str) -> bool:
    return all(_NAME_CHARACTER.fullmatch(character) or unicodedata.category(character).startswith("M") for character in value)


class SingleLineField(forms.CharField):
    """A CharField cleaned by single_line() before its length is checked, refusing links."""

    default_error_messages = {"link": "Please leave out web addresses."}

    def to_python(self, value):
        return single_line(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and contains_link(value):
            raise forms.ValidationError(self.error_messages["link"], code="link")


class PersonNameField(SingleLineField):
    """A recipient's name: letters (any script), spaces, apostrophes, hyphens, full stops,
    commas and "&"; no digits, so no phone numbers either."""

    default_error_messages = {
        "characters": "Please enter the recipient’s name using letters only.",
        "short": "Please enter the recipient’s full name.",
    }

    def validate(self, value):
        super().validate(value)
        if not value:
            return
        if not is_plain_name(value):
            raise forms.ValidationError(self.error_messages["characters"], code="characters")
        if sum(character.isalpha() for character in value) < 2:
            raise forms.ValidationError(self.error_messages["short"], code="short")
