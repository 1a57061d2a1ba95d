"""Command line of sklstm: ``python -m sklstm`` and the ``sklstm`` script.

Commands: ``forecast``, ``classify``, ``predict`` and ``demo``; with no
arguments it runs the demo. Keras is imported by a command once its input is
checked, quietly, so ``--help``, argument errors and bad input do not wait
for it, and TensorFlow's start-up logs stay off the terminal unless
``TF_CPP_MIN_LOG_LEVEL`` is set. Bad input ends with a one-line message and
exit status 2, as argument errors do.
"""

import argparse
import importlib
import sys
import warnings

from sklstm._version import __version__

DEMO_EPOCHS = 20
DEMO_N_POINTS = 1000
DEMO_SEED = 0
MIN_DEMO_POINTS = 100


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors take one line, as bad input does.

    argparse prints the usage before an error; ``--help`` shows it, and the
    error line says so. Its subparsers are of this class too.
    """

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_args(self, args=None, namespace=None):
        # An unknown option is found after the command's parser returns: let
        # that parser report it, so that the line names the command.
        args, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = getattr(args, "parser", self)
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        return args


def _fraction(text):
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


_fraction.__name__ = "float"  # argparse names the type in its message


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
    demo.set_defaults(handler=_run_demo, parser=demo)


def _run_demo(args):
    from sklstm._commands import start_framework

    start_framework()
    from sklstm._demo import run_demo

    run_demo(epochs=args.epochs, n_points=args.n_points, seed=args.seed)
    return 0


def _add_forecast_parser(subparsers):
    forecast = subparsers.add_parser(
        "forecast",
        help="forecast a column of one or many CSV time series with an LSTM",
        description="Read a time series from a CSV file (one row per time "
        "step), or many series in long format (--id), fit the scaled window "
        "pipeline (MinMaxScaler, SlidingWindowTransformer, LSTMRegressor, "
        "scaled target) on the first times and forecast the target on the "
        "last ones. Prints the test RMSE and MAE next to a naive last-value "
        "forecast, and writes predictions.csv, the model (model.sklstm, "
        "model.json), forecast.png and history.png to --out.",
    )
    forecast.add_argument("data", help="CSV file with a header row")
    forecast.add_argument("--target", required=True, help="column to forecast")
    forecast.add_argument(
        "--features",
        nargs="+",
        default=[],
        metavar="COL",
        help="other numeric columns to feed the network (default: none)",
    )
    forecast.add_argument(
        "--time-col",
        help="column of times (numbers or dates), each time once: sorts the "
        "rows, labels the output and places the rows of 'sklstm predict' in "
        "time (default: row order)",
    )
    forecast.add_argument(
        "--id",
        metavar="COL",
        help="column naming the series of each row, for many series in one "
        "long-format file (needs --time-col; each series holds a time once): "
        "one network learns from all of them, its windows cut per series and "
        "never across; the test set is the last times of every series, "
        "--search splits folds by time across series (PanelTimeSeriesSplit), "
        "and the output files have the id and time columns (default: one "
        "series)",
    )
    window = forecast.add_mutually_exclusive_group()
    window.add_argument(
        "--window",
        type=_int_at_least(1),
        default=20,
        help="time steps per window (default: %(default)s)",
    )
    window.add_argument(
        "--search",
        action="store_true",
        help="choose the window size and LSTM units by GridSearchCV over "
        "TimeSeriesSplit folds (PanelTimeSeriesSplit with --id), and print the "
        "cross-validation table",
    )
    forecast.add_argument(
        "--horizon",
        type=_int_at_least(1),
        default=1,
        help="forecast this many steps ahead at once (direct multi-step "
        "forecasting; default: %(default)s)",
    )
    forecast.add_argument(
        "--test-size",
        type=_fraction,
        default=0.2,
        help="fraction of the times at the end to test on: the last rows of one "
        "series, the last times of all series with --id (default: %(default)s)",
    )
    forecast.add_argument(
        "--normalize",
        choices=["last", "mean"],
        help="feed the network each window relative to its last value or its "
        "mean, undone on its output, so that a series trending beyond its "
        "training range is forecast from its shape (LSTMRegressor's normalize; "
        "with --search, every candidate uses it; default: none)",
    )
    forecast.add_argument(
        "--future",
        metavar="FILE",
        help="CSV file of the known future values of the --features columns "
        "(and --time-col) for the steps after the data, one row a step; "
        "writes future.csv, the target forecast for those steps, each fed "
        "back as the next input (the features of a row help forecast the "
        "step after it); with --id, the --id column too and the rows of every "
        "series, the same number of steps after each series' own end, and "
        "features of one value per series (such as a store's size) may be "
        "left out: each series keeps its value",
    )
    forecast.add_argument(
        "--interval",
        type=_fraction,
        metavar="COVERAGE",
        help="with --future, also write the bounds of a prediction interval "
        "meant to hold the actual value with this probability (0.9 for 90%%) "
        "as columns lower and upper of future.csv, and draw it as a band in "
        "forecast.png: split-conformal, from the errors of the same recursive "
        "forecast made from every origin of the test period, whose values the "
        "network was not fitted on, step by step (recursive_forecast's "
        "coverage; the series of --id pooled); the test period must hold at "
        "least coverage / (1 - coverage) such forecasts (default: none)",
    )
    _add_training_arguments(forecast, out="sklstm-forecast")
    forecast.set_defaults(
        handler=_command("_cli_forecast", "run_forecast"), parser=forecast
    )


def _add_classify_parser(subparsers):
    classify = subparsers.add_parser(
        "classify",
        help="classify sequences given as long-format CSV tables",
        description="Read training and test sequences from long-format CSV "
        "files (one row per time step; every column but id, label and time is "
        "a numeric feature; sequences may have different lengths), fit an "
        "LSTMClassifier, and print the test accuracy, the confusion matrix and "
        "per-class metrics. Writes predictions.csv and the model to --out.",
    )
    classify.add_argument("train", help="CSV file of the training sequences")
    classify.add_argument("test", help="CSV file of the test sequences")
    classify.add_argument("--id", required=True, help="column naming the sequence")
    classify.add_argument(
        "--label", required=True, help="column with each sequence's class"
    )
    classify.add_argument(
        "--time-col",
        help="column to order each sequence's rows by (default: file order)",
    )
    _add_training_arguments(classify, out="sklstm-classify")
    classify.set_defaults(
        handler=_command("_commands", "run_classify"), parser=classify
    )


def _add_predict_parser(subparsers):
    predict = subparsers.add_parser(
        "predict",
        help="apply a model written by forecast or classify to a CSV file",
        description="Load a model written by 'sklstm forecast' or 'sklstm "
        "classify' (its folder, or its model.sklstm file, next to model.json) "
        "and predict for a CSV file with the same columns: the forecast made "
        "at every row, or the class of every sequence. A forecaster trained "
        "with --time-col places the rows in time by that column: rows that "
        "continue the training data are windowed on its last rows, rows inside "
        "the training period on the rows before them, any others on the file's "
        "own rows. Without a time column, rows have no time: a file that "
        "begins with the training rows is windowed as in training, padded at "
        "its start, and any other file is taken to continue the training data "
        "(with a warning). A forecaster of many series (--id) reads the same "
        "long format, the rows of each series placed after that series' own "
        "training rows. Writes CSV to standard output or --out.",
    )
    predict.add_argument("model", help="output folder or model.sklstm file")
    predict.add_argument("data", help="CSV file with the columns the model reads")
    predict.add_argument("--out", help="CSV file to write (default: standard output)")
    predict.set_defaults(handler=_command("_commands", "run_predict"), parser=predict)


def _add_training_arguments(parser, out):
    """Add the options of the commands that train: network, seed, output."""
    parser.add_argument(
        "--epochs",
        type=_int_at_least(1),
        default=50,
        help="training epochs (default: %(default)s)",
    )
    parser.add_argument(
        "--units",
        type=_int_at_least(1),
        default=16,
        help="LSTM units (default: %(default)s; forecast --search tries 8 and 32)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random_state (default: %(default)s)"
    )
    parser.add_argument(
        "--out", default=out, help="output folder (default: %(default)s)"
    )


def _command(module, name):
    """The handler that runs ``sklstm.<module>.<name>``, importing it late."""

    def run(args):
        return getattr(importlib.import_module(f"sklstm.{module}"), name)(args)

    return run


def build_parser():
    """Return the argument parser of the ``sklstm`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        One subparser per subcommand; each sets the ``handler`` default that
        runs it and the ``parser`` default, itself, that reports its errors.
    """
    parser = _Parser(
        prog="sklstm",
        description="Keras LSTM networks as scikit-learn estimators. Without a "
        "command, runs the demo.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="command", title="commands"
    )
    _add_forecast_parser(subparsers)
    _add_classify_parser(subparsers)
    _add_predict_parser(subparsers)
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
    from sklstm._cli_input import CommandError

    with warnings.catch_warnings():
        warnings.showwarning = _warning_printer(args.command)
        try:
            return args.handler(args)
        except CommandError as error:
            print(f"sklstm {args.command}: error: {_one_line(error)}", file=sys.stderr)
            return 2


def _warning_printer(command):
    """Print each warning as one line that names the command, as errors are."""

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"sklstm {command}: warning: {_one_line(message)}", file=sys.stderr)

    return show


def _one_line(message):
    """``message`` on one line: messages from pandas can hold line breaks."""
    return " ".join(str(message).split())


if __name__ == "__main__":
    raise SystemExit(main())
