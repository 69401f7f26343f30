"""python -m captioner: see captioner.cli."""

import sys

from captioner.cli import main

if __name__ == "__main__":
    sys.exit(main())
