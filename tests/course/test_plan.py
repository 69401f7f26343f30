"""The course plans hold together: no notebook needs an exercise due after its week."""

import json
import subprocess
import sys

import pytest

from course.notebooks import NEEDS
from course.plan import PROJECT_ROOT, load_plan, plan_as_json, plan_names, plan_problems


def test_the_default_and_the_compressed_plan_exist():
    assert {"6w", "4w"} <= set(plan_names())
    assert len(load_plan("6w").weeks) == 6 and len(load_plan("4w").weeks) == 4


@pytest.mark.parametrize("name", plan_names())
def test_every_plan_is_consistent(name):
    assert plan_problems(load_plan(name)) == []


def test_a_notebook_before_the_exercise_it_needs_is_named():
    plan = load_plan("6w")
    needs = {**NEEDS, "notebooks/02_short_term_memory.ipynb": (12,)}
    assert ("week 1: notebooks/02_short_term_memory.ipynb needs exercise 12 (backprop through time), due "
            "only in week 4") in plan_problems(plan, needs=needs)


def test_an_exercise_due_twice_or_never_and_missing_points_are_named():
    plan = load_plan("4w")
    first = plan.weeks[0]
    twice = first.__class__(**{**first.__dict__, "exercises": (*first.exercises, 13)})
    broken = plan.__class__(plan.name, plan.title, (twice, *plan.weeks[1:]), 1)
    problems = plan_problems(broken)
    assert "exercise 13 is due in week 1 and again in week 3" in problems
    assert any(problem.startswith("week 1: points are given for") for problem in problems)
    shorter = plan.__class__(plan.name, plan.title, plan.weeks[:3], 1)
    assert "exercise 16 (beam search) is never due" in plan_problems(shorter)


def test_python_m_course_plan_prints_the_json_the_tools_read():
    run = subprocess.run([sys.executable, "-m", "course", "plan", "--plan", "4w", "--json"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, check=True)
    printed = json.loads(run.stdout)
    assert printed == plan_as_json(load_plan("4w"))
    assert printed["plan"] == "4w"
    week = printed["weeks"][1]
    assert week["week"] == 2 and "notebooks/08_backward_through_a_cell.ipynb" in week["notebooks"]
    assert week["points"]["12"] == 12 and week["points"]["08.1"] == 1 and week["hours"] > 0


def test_weeks_of_both_plans_with_the_same_edition_are_checked_once_running_the_notebooks_of_both():
    from course.simulate import editions_to_check

    editions = editions_to_check([load_plan("6w"), load_plan("4w")])
    by_members = {tuple(members): notebooks for _, _, _, members, notebooks, _ in editions}
    assert by_members[(("6w", 2), ("4w", 1))] == [f"notebooks/{name}.ipynb" for name in (
        "04_forget_gate", "05_input_gate_and_candidate", "06_cell_state", "07_output_gate",
        "01_setup_and_backend", "02_short_term_memory", "03_sigmoid_and_tanh")]
    weeks = sorted(member for members in by_members for member in members)
    assert weeks == sorted([("6w", week) for week in range(1, 7)] + [("4w", week) for week in range(1, 5)])
