"""Command-line argument types that refuse an out-of-range number as it is parsed.

argparse converts the text with the type and, when the type raises ArgumentTypeError, stops
with one line naming the argument (`argument --beam: expected an int >= 1, got '0'`), before
any file is read or any work done.
"""

import argparse
import math


def number_type(convert, accepts, expected):
    """An argparse type: `convert` the text, refuse what `accepts` does not, naming the expectation."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accepts(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected  # argparse names the type by it in its messages
    return parse


positive_int = number_type(int, lambda value: value >= 1, "an int >= 1")
non_negative_int = number_type(int, lambda value: value >= 0, "an int >= 0")
positive_float = number_type(float, lambda value: 0 < value < math.inf, "a number > 0")
finite_float = number_type(float, math.isfinite, "a finite number")
port_number = number_type(int, lambda value: 0 <= value <= 65535, "a port number in 0..65535")
