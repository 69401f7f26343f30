"""The course's pages, generated from the course plan: the syllabus and the instructors' tables.

course/plans/*.json (weeks, notebooks, chapters, exercises due, points, hours, outcomes),
course/exercises.py (what each exercise is, which test files grade it) and course/notebooks.py
(what each notebook needs) are the one source; conf.py writes these tables into book/figures/
at every build, for syllabus.md and instructors.md to {include}. Nothing here runs or collects
the tests: the book's build needs neither pytest nor the tests' packages.
"""

from pathlib import Path

from figure_tools import write_table

from course.exercises import BY_NUMBER, EXERCISES
from course.notebooks import NEEDS, PRECOMPUTED
from course.plan import DEFAULT_PLAN, load_plan, notebook_exercises, plan_as_json, plan_names

# The chapter that explains each exercise, by exercise number (its week's chapters otherwise).
CHAPTER_OF = {1: "forget_gate", 2: "input_gate", 3: "input_gate", 4: "output_gate", 5: "forget_gate",
              6: "input_gate", 7: "input_gate", 8: "output_gate", 9: "cell_state", 10: "output_gate",
              11: "backward_through_a_cell", 12: "backprop_through_time", 13: "convolution", 14: "batch_norm",
              15: "bottleneck_and_resnet50", 16: "decoding", 17: "bleu", 18: "bleu", 19: "gru", 20: "gru",
              21: "attention", 22: "attention", 23: "sigmoid_and_tanh", 24: "backward_through_a_cell"}
PLAN_NAMES = {"6w": "six weeks (the default)", "4w": "four weeks (`--plan 4w`)"}


def chapter_link(chapter, root):
    title = chapter.replace("_", " ")
    if (root / "book" / "chapters" / f"{chapter}.md").exists():
        return f"{{doc}}`{title} </chapters/{chapter}>`"
    return title


def notebook_name(notebook):
    return Path(notebook).stem.replace("_", " ")


def exercise_name(number):
    return f"{number} {BY_NUMBER[number].title}"


def write_plan_table(out, plan, root):
    """plan_NAME.md: one row per week: reading, notebooks, exercises due with points, hours."""
    rows = []
    for week in plan_as_json(plan, root)["weeks"]:
        exercises = "<br>".join(f"{exercise_name(number)} ({week['points'][str(number)]} points)"
                                for number in week["exercises"])
        notebook_ids = [key for key in week["points"] if "." in key]
        if notebook_ids:
            exercises += f"<br>notebook exercises {', '.join(notebook_ids)} (1 point each)"
        rows.append([week["week"], ", ".join(chapter_link(chapter, root) for chapter in week["chapters"]),
                     "<br>".join(notebook_name(notebook) for notebook in week["notebooks"]),
                     exercises, week["hours"]])
    header = ["week", "read before class", "notebooks", "graded exercises due at the week's end", "hours"]
    write_table(out / f"plan_{plan.name}.md", header, rows)


def write_syllabus(out, plan, root):
    """syllabus_NAME.md: per week its title, hours, points, learning outcomes, reading, work."""
    weeks = plan_as_json(plan, root)["weeks"]
    total_points = sum(sum(week["points"].values()) for week in weeks)
    lines = [f"{len(weeks)} weeks, {sum(week['hours'] for week in weeks)} hours, {total_points} points.", ""]
    for week in weeks:
        points = sum(week["points"].values())
        lines += [f"### Week {week['week']}: {week['title']}", "",
                  f"About {week['hours']} hours; {points} points.", "", "By the end of the week you can:", ""]
        lines += [f"- {outcome}" for outcome in week["outcomes"]]
        chapters = ", ".join(chapter_link(chapter, root) for chapter in week["chapters"])
        notebooks = ", ".join(notebook_name(notebook) for notebook in week["notebooks"])
        lines += ["", f"Read {chapters}; work through the notebooks {notebooks}.", ""]
        graded = [f"exercise {exercise_name(number)} ({week['points'][str(number)]})"
                  for number in week["exercises"]]
        lines.append("Graded: " + "; ".join(graded) + ".")
        if week["commands"]:
            lines += ["", "Run: " + ", ".join(f"`{command}`" for command in week["commands"]) + "."]
        lines.append("")
    (out / f"syllabus_{plan.name}.md").write_text("\n".join(lines))


def write_notebook_needs(out, root):
    """notebook_needs.md: what each notebook calls, what it shows recorded, its week in each plan."""
    plans = [load_plan(name) for name in plan_names()]
    rows = []
    for notebook, needs in NEEDS.items():
        recorded = ", ".join(str(number) for number in PRECOMPUTED.get(notebook, ())) or "-"
        weeks = [str(plan.notebook_week(notebook)) for plan in plans]
        code = ", ".join(notebook_exercises(notebook, root)) or "-"
        rows.append([notebook_name(notebook), ", ".join(str(number) for number in needs) or "none", recorded,
                     code, *weeks])
    header = ["notebook", "needs exercises", "shows recorded results until", "its code exercises",
              *(f"week ({plan.name})" for plan in plans)]
    write_table(out / "notebook_needs.md", header, rows)


def write_exercise_table(out, root):
    """exercise_table.md: each exercise, where it is written, its grading tests, week and points per plan."""
    plans = [load_plan(name) for name in sorted(plan_names(), key=lambda name: name != DEFAULT_PLAN)]
    rows = []
    for exercise in sorted(EXERCISES, key=lambda item: (plans[0].due_week(item.number), item.number)):
        chapter = CHAPTER_OF.get(exercise.number)
        title = f"{{doc}}`{exercise.title} </chapters/{chapter}>`" if chapter else exercise.title
        places = "<br>".join(f"`{function}` in `{path}`" for path, function in exercise.places)
        due = ", ".join(f"week {plan.due_week(exercise.number)} of {plan.name}" for plan in plans)
        tests = "<br>".join(f"`{path}`" for path in exercise.tests)
        points = plans[0].points(exercise.number)
        rows.append([exercise.number, f"{title}<br>{places}", tests, f"{due}; {points} points"])
    header = ["", "what the student writes (and its chapter)", "graded by the tests marked exercise(N) in",
              "due"]
    write_table(out / "exercise_table.md", header, rows)


def write_course_pages(out, root):
    """Every table of syllabus.md and instructors.md, into out (book/figures/)."""
    out, root = Path(out), Path(root)
    out.mkdir(parents=True, exist_ok=True)
    for name in plan_names():
        plan = load_plan(name)
        write_plan_table(out, plan, root)
        write_syllabus(out, plan, root)
    write_notebook_needs(out, root)
    write_exercise_table(out, root)
