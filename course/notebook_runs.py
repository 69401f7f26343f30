"""Running a notebook in a fresh kernel and reading its code exercises off the run.

A notebook's code exercise is a solution cell (course.notebook_solutions) followed by a
check cell (tagged "check") that asserts the answer against independent values. The
exercise passes when both cells ran without an error. The run goes on after an error, so
that every exercise of the notebook is graded; `errors` lists every cell that failed.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from course.notebook_solutions import solution_cells

CHECK_TAG = "check"


@dataclass
class NotebookRun:
    """errors: [(cell index, error name, first line of its message)];
    exercises: {id: (status, detail)}; titles: {id: title}."""

    path: str
    errors: list = field(default_factory=list)
    exercises: dict = field(default_factory=dict)
    titles: dict = field(default_factory=dict)


def check_cell_of(cells, solution_index):
    """Index of the check cell that follows a solution cell, or None."""
    for index in range(solution_index + 1, len(cells)):
        cell = cells[index]
        if cell["cell_type"] == "code":
            return index if CHECK_TAG in cell.get("metadata", {}).get("tags", []) else None
    return None


def run_notebook(path, root, timeout=600):
    """Run the notebook at path in a fresh kernel that imports the project at root.

    Returns a NotebookRun. The kernel starts in the notebook's folder, as in Jupyter.
    """
    import nbclient  # the notebooks extra: only running notebooks needs it
    import nbformat

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    paths = [str(root), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    client = nbclient.NotebookClient(notebook, timeout=timeout, allow_errors=True,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)
    run = NotebookRun(str(path))
    failed = {}
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                message = next(iter(str(output.get("evalue", "")).splitlines()), "")
                failed[index] = (output.get("ename", "Error"), message)
                run.errors.append((index, *failed[index]))
                break
    plain = json.loads(nbformat.writes(notebook))
    for index, exercise_id, title, _ in solution_cells(plain, str(path)):
        run.titles[exercise_id] = title
        check = check_cell_of(plain["cells"], index)
        if index in failed or check in failed:
            name, message = failed.get(index) or failed[check]
            detail = message if name == "AssertionError" else f"{name}: {message}"
            run.exercises[exercise_id] = ("failed", detail)
        elif check is None:
            run.exercises[exercise_id] = ("failed", "no check cell follows the solution cell")
        else:
            run.exercises[exercise_id] = ("passed", "")
    return run
