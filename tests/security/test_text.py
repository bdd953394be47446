"""Free text from checkout: one line of visible characters, no links, names without digits."""

import pytest

from shop.security.text import contains_link, is_plain_name, single_line


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Grace   Hopper ", "Grace Hopper"),
        ("1 Harbour Road\r\nDear customer, click here", "1 Harbour Road Dear customer, click here"),
        ("Tab\tseparated", "Tab separated"),
        ("Null\x00byte and \x1b[31mescape", "Nullbyte and [31mescape"),
        ("evil\u202etxt.exe", "eviltxt.exe"),  # the right-to-left override
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("Zoe\u0308", "Zoë"),  # combining diaeresis composed (NFC)
        ("\u00a0non-breaking\u2003spaces\u00a0", "non-breaking spaces"),
    ],
)
def test_single_line_drops_control_and_invisible_characters_and_collapses_space(typed, kept):
    assert single_line(typed) == kept


@pytest.mark.parametrize(
    "text",
    ["http://spam.example", "see https://x.y/z", "visit www.example", "hxxp://x", "cheap-pills.com", "my.shop.ru", "Example.CO"],
)
def test_links_and_host_names_are_spotted(text):
    assert contains_link(text)


@pytest.mark.parametrize("text", ["J.Smith", "Flat 2, St. Mary's Court", "Co. Dublin", "Mr. Jones", "12 Comet Street"])
def test_ordinary_names_and_addresses_are_not_links(text):
    assert not contains_link(text)


@pytest.mark.parametrize("name", ["Grace Hopper", "Zoë O’Brien-Smith", "Jean-Luc de la Tour", "李小龍", "Mr & Mrs Bennet", "J. R. R. Tolkien"])
def test_real_names_are_plain(name):
    assert is_plain_name(name)


@pytest.mark.parametrize("name", ["Call 0800 123 456", "Win £500", "Grace <b>Hopper</b>", "Grace@Hopper", "Ada/Lovelace"])
def test_digits_and_symbols_are_not_names(name):
    assert not is_plain_name(name)
