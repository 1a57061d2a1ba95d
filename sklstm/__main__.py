"""Command line of sklstm: ``python -m sklstm`` and the ``sklstm`` script.

With no arguments it runs the built-in demo (the ``demo`` subcommand). Keras
and scikit-learn are imported inside the subcommands, so ``--help`` and
argument errors do not wait for them.
"""

import argparse

DEMO_EPOCHS = 20
DEMO_N_POINTS = 1000
DEMO_SEED = 0
MIN_DEMO_POINTS = 100


def _int_at_least(minimum):
    def parse(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def _add_demo_parser(subparsers):
    demo = subparsers.add_parser(
        "demo",
        help="tune and evaluate an LSTM forecaster on a noisy sine wave (the default)",
        description="Generate a noisy sine wave, tune the window size and LSTM "
        "width with GridSearchCV over TimeSeriesSplit folds, and compare the "
        "test RMSE of the best model with a naive last-value forecast.",
    )
    demo.add_argument(
        "--epochs",
        type=_int_at_least(1),
        default=DEMO_EPOCHS,
        help="training epochs of every fit (default: %(default)s)",
    )
    demo.add_argument(
        "--n-points",
        type=_int_at_least(MIN_DEMO_POINTS),
        default=DEMO_N_POINTS,
        help="length of the generated series (default: %(default)s)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=DEMO_SEED,
        help="seed of the data and the networks (default: %(default)s)",
    )
    demo.set_defaults(handler=_run_demo)


def _run_demo(args):
    from sklstm._demo import run_demo

    run_demo(epochs=args.epochs, n_points=args.n_points, seed=args.seed)
    return 0


def build_parser():
    """Return the argument parser of the ``sklstm`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        One subparser per subcommand; each sets the ``handler`` default that
        runs it.
    """
    parser = argparse.ArgumentParser(
        prog="sklstm",
        description="Keras LSTM networks as scikit-learn estimators. Without a "
        "command, runs the demo.",
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="command", title="commands"
    )
    _add_demo_parser(subparsers)
    return parser


def main(argv=None) -> int:
    """Run the ``sklstm`` command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        The exit status, 0 on success.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["demo"])
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
