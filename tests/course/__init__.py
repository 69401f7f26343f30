"""The course kit: a student edition of the project, and a gradebook of its exercises.

exercises.py            the exercises: number, title, file, function, hint
markers.py              finds the marked exercise bodies in a source file
placeholder.py          the raise NotImplementedError(...) that replaces a body or a solution cell
notebook_solutions.py   clears the notebooks' solution cells
student_edition.py      python -m tests.course.student_edition OUT_DIR
marks.py, plugin.py     the exercise(N) and needs_exercises(...) test markers; one-line failures
gradebook.py            python -m tests.course.gradebook [--json FILE] [--csv FILE]
check_student_edition.py   CI's check that a student edition fails exactly where it should
"""
