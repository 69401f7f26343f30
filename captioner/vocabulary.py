"""The mapping between words and the integer ids the decoder reads and predicts.

Ids 0..3 are the special tokens <pad>, <start>, <end>, <unk>; then come the words that occur at
least `min_count` times in the TRAINING captions, most frequent first, ties in alphabetical order,
so the same captions always give the same ids. Words seen only in validation or test captions map
to <unk>: the model must never be shown what it will be scored on.

A caption of at most `max_length` words is encoded as max_length + 2 ids:

    <start> w1 w2 ... wk <end> <pad> ... <pad>

The decoder reads ids[:-1] and learns to predict ids[1:] where ids[1:] is not <pad>.
"""

import json
from collections import Counter

import numpy

from captioner.text import tokenize
from numerics import to_host
from numerics.validation import InputError

PAD, START, END, UNK = "<pad>", "<start>", "<end>", "<unk>"
SPECIAL_TOKENS = (PAD, START, END, UNK)
PAD_ID, START_ID, END_ID, UNK_ID = range(len(SPECIAL_TOKENS))
JSON_FORMAT = "captioner-vocabulary"


class Vocabulary:
    """Words <-> ids. Build it with `Vocabulary.build` or `Vocabulary.from_training_captions`."""

    def __init__(self, words):
        """words: every token in id order, starting with SPECIAL_TOKENS (<pad>, <start>, <end>, <unk>)."""
        words = tuple(words)
        if words[: len(SPECIAL_TOKENS)] != SPECIAL_TOKENS:
            raise InputError(f"words must start with {SPECIAL_TOKENS}, got {words[: len(SPECIAL_TOKENS)]}")
        repeated = sorted(word for word, count in Counter(words).items() if count > 1)
        if repeated:
            raise InputError(f"words must be distinct, repeated: {repeated[:5]}")
        self._words = words
        self._ids = {word: index for index, word in enumerate(words)}

    @classmethod
    def build(cls, token_lists, min_count=5):
        """Vocabulary of the words occurring at least `min_count` times in `token_lists`.

        token_lists: iterable of list[str] (tokenised training captions; special tokens in them are
        not counted). min_count: int >= 1.
        """
        if not isinstance(min_count, int) or min_count < 1:
            raise InputError(f"min_count must be an int >= 1, got {min_count!r}")
        counts = Counter(token for tokens in token_lists for token in tokens if token not in SPECIAL_TOKENS)
        frequent = sorted(
            (word for word, count in counts.items() if count >= min_count),
            key=lambda word: (-counts[word], word),
        )
        return cls(SPECIAL_TOKENS + tuple(frequent))

    @classmethod
    def from_training_captions(cls, captions, train_images, min_count=5):
        """Vocabulary of the training split's captions only.

        captions: {image name: [raw caption, ...]} (any split may be in it); train_images: the names
        of the training images, each of which must be in `captions`. min_count: int >= 1.
        """
        train_images = list(train_images)
        missing = [name for name in train_images if name not in captions]
        if missing:
            raise InputError(f"train_images has {len(missing)} images without captions, e.g. {missing[:5]}")
        return cls.build(
            (tokenize(caption) for name in train_images for caption in captions[name]), min_count
        )

    @property
    def words(self):
        """All tokens in id order (tuple of str), specials first."""
        return self._words

    def __len__(self):
        return len(self._words)

    def __contains__(self, word):
        return word in self._ids

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self._words == other._words

    __hash__ = None

    def __repr__(self):
        return (
            f"Vocabulary({len(self)} tokens: {', '.join(self._words[:8])}{', ...' if len(self) > 8 else ''})"
        )

    def id_of(self, word):
        """The id of `word` (str), or UNK_ID if it is not in the vocabulary."""
        return self._ids.get(word, UNK_ID)

    def encode(self, tokens, max_length):
        """One caption as ids.

        tokens: list[str]; max_length: int >= 1, the most words kept (longer captions are cut, <end> kept).
        Returns (ids, mask): ids (max_length + 2,) int64 "<start> words <end> <pad>...",
        mask (max_length + 2,) bool, True where ids is not <pad>.
        """
        ids, mask = self.encode_batch([tokens], max_length)
        return ids[0], mask[0]

    def encode_batch(self, token_lists, max_length):
        """Several captions as ids.

        token_lists: list of N list[str]; max_length: int >= 1.
        Returns (ids, mask): ids (N, max_length + 2) int64, mask (N, max_length + 2) bool (ids != <pad>).
        """
        if not isinstance(max_length, int) or max_length < 1:
            raise InputError(f"max_length must be an int >= 1, got {max_length!r}")
        ids = numpy.full((len(token_lists), max_length + 2), PAD_ID, dtype=numpy.int64)
        for row, tokens in enumerate(token_lists):
            if isinstance(tokens, str):
                raise InputError(f"token_lists[{row}] must be a list of tokens, got the string {tokens!r}")
            words = [self.id_of(token) for token in tokens[:max_length]]
            ids[row, : len(words) + 2] = [START_ID, *words, END_ID]
        return ids, ids != PAD_ID

    def decode(self, ids):
        """Words of one id sequence, stopping at <end>, skipping <start> and <pad>.

        ids: (T,) integers (list, NumPy or CuPy array). Returns list[str]; unknown words stay "<unk>".
        """
        ids = to_host(ids)
        if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
            raise InputError(f"ids must be a (T,) integer array, got shape {ids.shape} dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise InputError(f"ids must lie in [0, {len(self)}), got values in [{ids.min()}, {ids.max()}]")
        words = []
        for index in ids.tolist():
            if index == END_ID:
                break
            if index not in (START_ID, PAD_ID):
                words.append(self._words[index])
        return words

    def decode_batch(self, ids):
        """Words of each row. ids: (N, T) integers. Returns N list[str] (see `decode`)."""
        ids = to_host(ids)
        if ids.ndim != 2:
            raise InputError(f"ids must have shape (N, T), got {ids.shape}")
        return [self.decode(row) for row in ids]

    def to_json(self):
        """The vocabulary as a JSON string (for checkpoints): {"format": ..., "words": [...]}."""
        return json.dumps({"format": JSON_FORMAT, "words": list(self._words)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text):
        """The vocabulary written by `to_json`. text: str."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"vocabulary JSON is not valid JSON: {error}") from error
        if not isinstance(document, dict) or document.get("format") != JSON_FORMAT:
            raise InputError(f'vocabulary JSON must be an object with "format": {JSON_FORMAT!r}')
        words = document.get("words")
        if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
            raise InputError('vocabulary JSON must hold a "words" list of strings')
        return cls(words)


def trim_padding(ids):
    """Drop the columns that are padding in every row. ids: (B, L) host int array."""
    used = numpy.flatnonzero((ids != PAD_ID).any(axis=0))
    return ids[:, : used[-1] + 1]
