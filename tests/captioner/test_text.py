import pytest
from hypothesis import given
from hypothesis import strategies as st

from captioner.text import _kept_character, tokenize


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        (
            "A child in a pink dress is climbing up a set of stairs .",
            ["a", "child", "in", "a", "pink", "dress", "is", "climbing", "up", "a", "set", "of", "stairs"],
        ),
        (
            '"A little girl , covered in paint , sits ."',
            ["a", "little", "girl", "covered", "in", "paint", "sits"],
        ),
        ("A dog's ball; don't!", ["a", "dogs", "ball", "dont"]),
        ("A red-and-white T-shirt", ["a", "red", "and", "white", "t", "shirt"]),
        ("Two dogs & 3 cats + $", ["two", "dogs", "3", "cats"]),
        ("  Café   ZÜRICH\t", ["café", "zürich"]),
        (
            "a small red circle , a large blue square",
            ["a", "small", "red", "circle", "a", "large", "blue", "square"],
        ),
        ("", []),
        (" . , ! ", []),
    ],
)
def test_tokenize_examples(caption, expected):
    assert tokenize(caption) == expected


def test_tokenize_rejects_a_non_string():
    with pytest.raises(ValueError, match="caption must be a str, got list"):
        tokenize(["a", "dog"])


@given(st.text())
def test_tokens_are_lower_case_nonempty_and_free_of_punctuation_and_spaces(caption):
    for token in tokenize(caption):
        assert token
        assert token == token.lower()
        assert not any(character.isspace() for character in token)
        assert not any(character in ".,;:!?\"'()[]-&$" for character in token)
        assert len(token) > 1 or token.isalnum()


@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1), max_size=8))
def test_tokenize_of_plain_lower_case_words_gives_them_back(words):
    assert tokenize(" ".join(words)) == words


@given(st.text())
def test_the_translation_table_maps_each_character_as_the_character_rule_does(caption):
    one_by_one = "".join(_kept_character(character) for character in caption.lower())
    assert tokenize(caption) == [token for token in one_by_one.split() if len(token) > 1 or token.isalnum()]
