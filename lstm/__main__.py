"""python -m lstm demo: train an LSTM and a vanilla RNN on a task that needs memory."""

import sys

from lstm.demo import main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments or arguments[0] not in ("demo", "-h", "--help"):
        sys.exit("usage: python -m lstm demo [--gap N --steps N --cell lstm|rnn|both]")
    main(arguments[1:] if arguments[0] == "demo" else arguments)
