"""Clearing the instructor's solution cells from a notebook.

A solution cell is a code cell tagged "solution" whose first line is exactly

    # Exercise NN.k (short title): solution

optionally followed by a "# Hint: ..." line. In the student edition the cell keeps these
comment lines; the rest becomes raise NotImplementedError("Exercise NN.k (short title): hint")
and its outputs are dropped. Every other cell stays as it is. Clearing a cleared notebook
changes nothing.
"""

import json
import re

from course.placeholder import exercise_message, raise_lines

SOLUTION_TAG = "solution"
HEADER = re.compile(r"^# Exercise (?P<id>\d+\.\d+) \((?P<title>.+)\): solution[ \t]*$")
HINT = re.compile(r"^# Hint: (?P<hint>.+?)[ \t]*$")
DEFAULT_HINT = "write your solution in this cell"


def _source_lines(cell):
    source = cell["source"]
    return ("".join(source) if isinstance(source, list) else source).splitlines()


def solution_cells(notebook, path="<notebook>"):
    """[(cell index, exercise id, title, hint or None)] of a notebook's solution cells (parsed JSON).

    Raises ValueError, naming the notebook and the cell, for a solution cell without the
    header line or a code cell with the header but without the tag: either would leave a
    solution in the student edition or a student cell without its exercise.
    """
    found = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        lines = _source_lines(cell)
        header = HEADER.match(lines[0]) if lines else None
        tagged = SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])
        if tagged and not header:
            raise ValueError(f"{path}, cell {index}: tagged '{SOLUTION_TAG}' but its first line is not "
                             f"'# Exercise NN.k (short title): solution'")
        if header and not tagged:
            raise ValueError(f"{path}, cell {index}: '{lines[0]}' in a cell not tagged '{SOLUTION_TAG}'")
        if header:
            hint = HINT.match(lines[1]) if len(lines) > 1 else None
            found.append((index, header["id"], header["title"], hint["hint"] if hint else None))
    return found


def clear_solutions(text, path="<notebook>"):
    """(a notebook's JSON text with its solution cells cleared, how many there were).

    A notebook without solution cells comes back as the very same text.
    """
    try:
        notebook = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{path} is not a notebook (JSON): {error}") from error
    cells = solution_cells(notebook, path)
    if not cells:
        return text, 0
    for index, exercise_id, title, hint in cells:
        cell = notebook["cells"][index]
        comments = _source_lines(cell)[: 2 if hint else 1]
        lines = [*comments, *raise_lines(exercise_message(exercise_id, title, hint or DEFAULT_HINT))]
        cell["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
        cell["outputs"], cell["execution_count"] = [], None
    # nbformat's own layout, so that the file reads like the notebooks around it
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n", len(cells)
