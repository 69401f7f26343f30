"""python -m lstm demo: train a vanilla RNN, a GRU and an LSTM on a task that needs memory."""

import sys

from lstm.demo import main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments or arguments[0] not in ("demo", "-h", "--help"):
        sys.exit("usage: python -m lstm demo [--gap N --steps N --cell all|rnn|gru|lstm]")
    main(arguments[1:] if arguments[0] == "demo" else arguments)
