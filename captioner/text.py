"""Turning a raw caption into the words a vocabulary counts.

    tokenize("A dog's ball, red-and-white!")  ->  ["a", "dogs", "ball", "red", "and", "white"]

Lower case; apostrophes are removed so that "dog's" and "don't" stay one word; every other
character that is not a letter, a digit or a combining mark (punctuation, symbols) becomes a
space, so "red-and-white" and "left,right" split; the rest is split on whitespace. Whatever
single non-alphanumeric character is left (a stray combining mark) is dropped.
"""

import unicodedata

from numerics.validation import InputError

APOSTROPHES = frozenset("'\u2019\u02bc")


def tokenize(caption):
    """Words of a caption.

    caption: str. Returns list[str] of lower-case tokens, possibly empty.
    """
    if not isinstance(caption, str):
        raise InputError(f"caption must be a str, got {type(caption).__name__}")
    kept = caption.lower().translate(_KEPT_CHARACTERS)
    return [token for token in kept.split() if len(token) > 1 or token.isalnum()]


def _kept_character(character):
    """The character itself, "" for an apostrophe, or a space for punctuation and symbols."""
    if character in APOSTROPHES:
        return ""
    # Unicode categories: L* letters, N* numbers, M* combining marks (accents written apart).
    if unicodedata.category(character)[0] in "LNM" or character.isspace():
        return character
    return " "


class _KeptCharacterTable(dict):
    """str.translate's table {code point: _kept_character}, filled in as characters are first
    seen: translate then maps a whole caption in one call, not one Python call per character
    (the demo tokenizes 150,000 captions)."""

    def __missing__(self, code):
        self[code] = _kept_character(chr(code))
        return self[code]


_KEPT_CHARACTERS = _KeptCharacterTable()
