"""The course plan: weeks, their notebooks, chapters, exercises due, points and hours.

A plan is a JSON file in course/plans/ (6w.json, the default, and 4w.json). It is the one
source that the instructors' page, the syllabus, the student edition (--through-week and
--written-through), the gradebook's points and CI's weekly simulation read. plan_problems()
says what is inconsistent in a plan: a notebook of week w that needs an exercise due after
week w, an exercise due twice or never, a notebook or chapter that does not exist.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from course.exercises import BY_NUMBER, EXERCISES
from course.notebooks import NEEDS

PLANS = Path(__file__).resolve().parent / "plans"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PLAN = "6w"


@dataclass(frozen=True)
class Week:
    week: int
    title: str
    notebooks: tuple
    chapters: tuple
    exercises: tuple
    points: dict  # exercise number (int) -> points
    hours: float
    commands: tuple
    outcomes: tuple


@dataclass(frozen=True)
class Plan:
    name: str
    title: str
    weeks: tuple
    notebook_exercise_points: int

    def due_week(self, number):
        """The week exercise `number` is due, or None when the plan never asks for it."""
        return next((week.week for week in self.weeks if number in week.exercises), None)

    def due_through(self, week):
        """The exercise numbers due in weeks 1 .. week."""
        return {number for w in self.weeks if w.week <= week for number in w.exercises}

    def notebooks_through(self, week):
        return [notebook for w in self.weeks if w.week <= week for notebook in w.notebooks]

    def notebook_week(self, notebook):
        return next((week.week for week in self.weeks if notebook in week.notebooks), None)

    def points(self, number):
        return next(week.points[number] for week in self.weeks if number in week.points)


def plan_names():
    return sorted(path.stem for path in PLANS.glob("*.json"))


def load_plan(name=DEFAULT_PLAN):
    """The plan called name (a file course/plans/NAME.json). Raises ValueError naming what is wrong."""
    path = PLANS / f"{name}.json"
    if not path.exists():
        raise ValueError(f"no plan {name!r}: the plans are {', '.join(plan_names())}")
    data = json.loads(path.read_text(encoding="utf-8"))
    weeks = []
    for entry in data["weeks"]:
        try:
            points = {int(number): value for number, value in entry["points"].items()}
        except ValueError as error:
            raise ValueError(f"{path.name}, week {entry['week']}: points keys must be exercise "
                             "numbers") from error
        weeks.append(Week(entry["week"], entry["title"], tuple(entry["notebooks"]), tuple(entry["chapters"]),
                          tuple(entry["exercises"]), points, entry["hours"], tuple(entry.get("commands", ())),
                          tuple(entry.get("outcomes", ()))))
    return Plan(data["plan"], data["title"], tuple(weeks), data.get("notebook_exercise_points", 1))


def plan_problems(plan, root=PROJECT_ROOT, needs=NEEDS, exercises=EXERCISES):
    """Everything inconsistent in a plan, one line each ([] when it holds together)."""
    problems = []
    numbers = [week.week for week in plan.weeks]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"weeks are numbered {numbers}, not 1 .. {len(numbers)}")
    due = {}
    for week in plan.weeks:
        for number in week.exercises:
            if number not in BY_NUMBER:
                problems.append(f"week {week.week}: exercise {number} is not in course/exercises.py")
            elif number in due:
                problems.append(f"exercise {number} is due in week {due[number]} and again in "
                                f"week {week.week}")
            else:
                due[number] = week.week
        if set(week.points) != set(week.exercises):
            problems.append(f"week {week.week}: points are given for {sorted(week.points)}, "
                            f"but the exercises due are {sorted(week.exercises)}")
    problems += [f"exercise {exercise.number} ({exercise.title}) is never due" for exercise in exercises
                 if exercise.number not in due]
    seen = {}
    for week in plan.weeks:
        for notebook in week.notebooks:
            if notebook in seen:
                problems.append(f"{notebook} is in week {seen[notebook]} and again in week {week.week}")
            seen[notebook] = week.week
            if notebook not in needs:
                problems.append(f"{notebook}: not in course/notebooks.py NEEDS")
                continue
            if not (root / notebook).exists():
                problems.append(f"week {week.week}: {notebook} does not exist")
            for number in needs[notebook]:
                if number in due and due[number] > week.week:
                    problems.append(f"week {week.week}: {notebook} needs exercise {number} "
                                    f"({BY_NUMBER[number].title}), due only in week {due[number]}")
                elif number not in due:
                    problems.append(f"week {week.week}: {notebook} needs exercise {number}, "
                                    "which is never due")
        for chapter in week.chapters:
            if not (root / "book" / "chapters" / f"{chapter}.md").exists():
                problems.append(f"week {week.week}: no chapter book/chapters/{chapter}.md")
    present = {str(path.relative_to(root)) for path in (root / "notebooks").glob("*.ipynb")}
    problems += [f"{notebook} is in no week" for notebook in sorted(present - set(seen))]
    return problems


def notebook_exercises(notebook, root=PROJECT_ROOT):
    """The ids ('08.1', ...) of a notebook's code exercises (solution cells); none for a missing one."""
    from course.notebook_solutions import solution_cells  # here: plan printing needs no notebook parsing

    path = root / notebook
    if not path.exists():
        return []
    return [cell[1] for cell in solution_cells(json.loads(path.read_text(encoding="utf-8")), notebook)]


def plan_as_json(plan, root=PROJECT_ROOT):
    """{"plan": name, "weeks": [{"week", "notebooks", "chapters", "exercises", "points", "hours", ...}]}.

    points: exercise number (as a string) -> points, then each notebook exercise id -> points.
    """
    weeks = []
    for week in plan.weeks:
        points = {str(number): week.points[number] for number in week.exercises}
        for notebook in week.notebooks:
            points.update(dict.fromkeys(notebook_exercises(notebook, root), plan.notebook_exercise_points))
        weeks.append({"week": week.week, "title": week.title, "notebooks": list(week.notebooks),
                      "chapters": list(week.chapters), "exercises": list(week.exercises), "points": points,
                      "hours": week.hours, "commands": list(week.commands), "outcomes": list(week.outcomes)})
    return {"plan": plan.name, "title": plan.title, "weeks": weeks}


def plan_as_text(plan, root=PROJECT_ROOT):
    """The plan week by week, for a terminal."""
    lines = [f"{plan.name}: {plan.title}"]
    total = 0
    for week in plan_as_json(plan, root)["weeks"]:
        points = sum(week["points"].values())
        total += points
        lines += ["", f"week {week['week']}: {week['title']} ({week['hours']} hours, {points} points)"]
        chapters = ", ".join(f"book/chapters/{chapter}.md" for chapter in week["chapters"])
        lines.append("  read:      " + chapters)
        lines.append("  notebooks: " + ", ".join(Path(notebook).stem for notebook in week["notebooks"]))
        for number in week["exercises"]:
            lines.append(f"  exercise {number:2d} ({BY_NUMBER[number].title}), "
                         f"{week['points'][str(number)]} points")
        notebook_ids = [key for key in week["points"] if "." in key]
        if notebook_ids:
            lines.append(f"  notebook exercises {', '.join(notebook_ids)}, "
                         f"{plan.notebook_exercise_points} point each")
        for command in week["commands"]:
            lines.append(f"  run: {command}")
    lines += ["", f"total: {total} points"]
    return "\n".join(lines)
