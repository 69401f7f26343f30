"""The course kit: the plan, the student edition, the gradebook and its Gradescope output.

    python -m course plan | edition | grade | grade-all | autograder | simulate | isolation

__main__.py              python -m course COMMAND: the commands above
plans/*.json, plan.py    the course plan (weeks, notebooks, chapters, exercises due, points, hours)
plan_cli.py              python -m course plan [--plan NAME] [--json]: print a plan, and check it
exercises.py             the graded exercises: number, title, where the body is, hint, grading tests
notebooks.py             which exercises each notebook needs, and which it shows precomputed
markers.py, placeholder.py, notebook_solutions.py
                         finding the marked bodies, what replaces them, clearing solution cells
edition.py               python -m course edition OUT_DIR [--plan NAME]
                         [--through-week W | --written-through W]
marks.py, plugin.py      the exercise(N) and needs_exercises(...) test markers; one-line failures
gradebook.py             python -m course grade: the table, points, Gradescope's results.json
outcomes.py              the gradebook's pytest plugin: every test's exercises and outcome, as JSON
notebook_runs.py         a notebook run in a fresh kernel, its code exercises read off the run
grade_all.py, autograder.py   a folder of submissions; Gradescope's autograder bundle
precomputed.py, data/    results a notebook shows until the exercise behind them is written
simulate.py, isolation.py     CI: every week of every plan works; each exercise fails alone

Nothing here imports the tests or pytest at import time: the book imports this package.
"""
