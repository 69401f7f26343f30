"""python -m course COMMAND: the course's tools for instructors and CI.

    plan [--plan NAME] [--json]              the course plan, week by week
    edition DIR [--plan NAME] [--through-week W | --written-through W]
                                             write a student edition
    grade [--gradescope FILE] [--json FILE] [--csv FILE] [--plan NAME] [--no-notebooks]
                                             grade this project (run it inside an edition)
    grade-all SUBMISSIONS/ --csv FILE        grade a folder of submissions with your own tests
    autograder OUT.zip                       build Gradescope's autograder bundle
    simulate [--plan NAME] [--week W]        CI: every week of a plan works in its edition
    isolation [EXERCISE ...]                 CI: each exercise, wrong alone, fails only its own tests
"""

import importlib
import sys

COMMANDS = {
    "plan": "course.plan_cli",
    "edition": "course.edition",
    "grade": "course.gradebook",
    "grade-all": "course.grade_all",
    "autograder": "course.autograder",
    "simulate": "course.simulate",
    "isolation": "course.isolation",
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
