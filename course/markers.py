"""Finding the exercise bodies in a source file: the lines between a pair of marker comments.

A body is marked by two comment lines at the body's own indentation, a `# BEGIN EXERCISE N`
line before it and an `# END EXERCISE N` line after it. Pairs may not nest or overlap.
"""

import ast
import re
from dataclasses import dataclass

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN EXERCISE (?P<number>\d+)[ \t]*$")
END = re.compile(r"^(?P<indent>[ \t]*)# END EXERCISE (?P<number>\d+)[ \t]*$")


@dataclass(frozen=True)
class MarkedBody:
    """number: the exercise; begin, end: 0-based indexes of the two marker lines; indent: theirs."""

    number: int
    begin: int
    end: int
    indent: str


def marked_bodies(text, path="<source>"):
    """Every marker pair of a file's text, in order. Raises ValueError naming path and line."""
    bodies, opened, opened_at = [], None, None  # opened: the BEGIN match still waiting for its END
    for index, line in enumerate(text.splitlines()):
        begin, end = BEGIN.match(line), END.match(line)
        if begin and opened:
            raise ValueError(f"{path}:{index + 1}: BEGIN EXERCISE {begin['number']} inside "
                             f"exercise {opened['number']} (line {opened_at + 1})")
        if begin:
            opened, opened_at = begin, index
        elif end:
            if not opened or opened["number"] != end["number"]:
                raise ValueError(f"{path}:{index + 1}: END EXERCISE {end['number']} without its BEGIN")
            if opened["indent"] != end["indent"]:
                raise ValueError(f"{path}:{index + 1}: END EXERCISE {end['number']} is not indented "
                                 "like its BEGIN")
            bodies.append(MarkedBody(int(end["number"]), opened_at, index, end["indent"]))
            opened = None
    if opened:
        raise ValueError(f"{path}:{opened_at + 1}: BEGIN EXERCISE {opened['number']} is never ended")
    return bodies


def enclosing_function(text, body):
    """Name of the innermost function that holds body's marked lines, or None.

    The END marker follows the function's last statement, so it counts as inside when
    only blank and comment lines lie between them.
    """
    lines = text.splitlines()
    name, size = None, None
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first, last = node.lineno - 1, node.end_lineno - 1  # 0-based, like body.begin
            tail = lines[last + 1 : body.end]
            holds = first < body.begin <= last and all(not line.strip() or line.strip().startswith("#")
                                                       for line in tail)
            if holds and (size is None or last - first < size):
                name, size = node.name, last - first
    return name


def replace_bodies(text, replacement, path="<source>"):
    """text with the lines between each marker pair replaced by replacement(body) (a list of lines).

    The marker lines themselves stay, so a student knows where to write and the pair
    can be found again. Keeps the text's line endings and final newline.
    """
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    for body in reversed(marked_bodies(text, path)):
        lines[body.begin + 1 : body.end] = [line + newline for line in replacement(body)]
    return "".join(lines)


def marker_problems(text, path, exercises):
    """What is wrong with a file's markers, given the exercises registered for it ([] if nothing).

    Each function an exercise names in this file must hold exactly one marker pair of it,
    and every pair must belong to an exercise registered for this file.
    """
    try:
        bodies = marked_bodies(text, path)
    except ValueError as error:
        return [str(error)]
    expected = {}  # exercise number -> the functions it names in this file
    for exercise in exercises:
        expected.setdefault(exercise.number, []).extend(
            function for place, function in exercise.places if place == path)
    problems, found = [], []
    for body in bodies:
        if body.number not in expected:
            problems.append(f"{path}:{body.begin + 1}: exercise {body.number} is marked here but "
                            "not registered for this file")
            continue
        function = enclosing_function(text, body)
        found.append((body.number, function))
        if function not in expected[body.number]:
            problems.append(f"{path}:{body.begin + 1}: exercise {body.number} should be in "
                            f"{' or '.join(expected[body.number])}, found in {function}")
    for number, functions in expected.items():
        for function in functions:
            count = found.count((number, function))
            misplaced = any(f"exercise {number} should" in problem for problem in problems)
            if count != 1 and not misplaced:
                problems.append(f"{path}: exercise {number} is marked {count} times in {function}, not once")
    return problems
