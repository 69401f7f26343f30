"""python -m course plan [--plan NAME] [--json]: print a course plan, and check it."""

import argparse
import json
import sys

from course.plan import DEFAULT_PLAN, load_plan, plan_as_json, plan_as_text, plan_names, plan_problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course plan", description=__doc__.split("\n")[0])
    parser.add_argument("--plan", default=DEFAULT_PLAN, choices=plan_names(),
                        help="which plan (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print it as JSON")
    args = parser.parse_args(argv)
    plan = load_plan(args.plan)
    print(json.dumps(plan_as_json(plan), indent=1) if args.json else plan_as_text(plan))
    problems = plan_problems(plan)
    for problem in problems:
        print(f"plan {plan.name}: {problem}", file=sys.stderr)
    return 1 if problems else 0
