"""Time sklstm against hand-written Keras and PyTorch on identical LSTM work.

Run from the repository root, one process per Keras backend::

    python benchmarks/run.py --backend tensorflow
    python benchmarks/run.py --backend jax --workloads W1,W2 --json jax.json

Every implementation of a workload trains the same network on the same data,
with the same epochs, batch size and seed, on the same backend; the table
shows sklstm, hand-written Keras and PyTorch side by side. See README.md in
this folder for the workloads.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

WORKLOADS = ("W1", "W2", "W3", "W4", "W5")
BACKENDS = ("tensorflow", "jax", "torch")
NOTES = """\
Times are wall clock (time.perf_counter). Each fit is timed end to end --
model build, compile and training, as a user runs it. With warm-up on, one
untimed 1-epoch fit of each implementation on the first rows comes before
W1-W3, so none pays the process's one-time costs for the others. Fit times
are the median of --repeats runs, in rotating order; other figures are the
last run's.
Ratios are sklstm / other in the row's unit: above 1 is slower for s and ms,
faster for samples/s. Training throughput = rows trained x epochs / fit time.
W4 fits W2's network (2 epochs) and times predictions only; the Keras
predict throughput uses batch_size=4096, sklstm's predict chunk size.
W5 runs in a process of its own and only for sklstm: hand-written Keras
would need the windows as one array, whose size the keras column shows
(computed, not run)."""


def backend_parser(doc, backends=BACKENDS):
    """A parser described by the first paragraph of ``doc``, with ``--backend``.

    Parameters
    ----------
    doc : str
        The script's docstring.
    backends : tuple of str, default=BACKENDS
        The Keras backends the script runs on.
    """
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--backend",
        choices=backends,
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        help="Keras backend (default: $KERAS_BACKEND, else tensorflow)",
    )
    return parser


def parse_args(argv=None):
    """Parse the command line."""
    parser = backend_parser(__doc__)
    parser.add_argument(
        "--workloads",
        type=_workload_list,
        default=list(WORKLOADS),
        help="comma-separated subset of W1,W2,W3,W4,W5 (default: all)",
    )
    parser.add_argument(
        "--scale",
        type=positive(float),
        default=1.0,
        help="multiplies data sizes, W1's epochs and W4's call counts "
        "(default: 1.0; the smoke test uses 0.002)",
    )
    parser.add_argument(
        "--repeats",
        type=positive(int),
        default=1,
        help="fits per implementation in W1-W3, median reported (default: 1)",
    )
    parser.add_argument(
        "--threads",
        type=positive(int),
        help="cap the thread pools of TensorFlow, XLA and PyTorch at this "
        "many threads (default: each framework's own choice); 1 keeps "
        "PyTorch's spinning OpenMP threads sane on a busy machine",
    )
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="skip the untimed 1-epoch fits before W1-W3 (quicker, but the "
        "first implementation to run then pays the process's one-time costs)",
    )
    parser.add_argument("--json", type=Path, help="write every raw number here")
    # Internal: the W5 subprocess.
    parser.add_argument("--child", choices=["W5"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _workload_list(text):
    names = [name.strip().upper() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(WORKLOADS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"workloads must be among {','.join(WORKLOADS)}, got {text!r}"
        )
    return [name for name in WORKLOADS if name in names]


def positive(kind):
    """An argparse type: ``kind`` of the text, rejected unless above 0."""

    def parse(text):
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def select_backend(backend, argv):
    """Set ``KERAS_BACKEND`` before keras is imported.

    Keras fixes its backend on first import, so if this process has already
    imported keras with another backend, start the running script over in a
    fresh one.
    """
    keras = sys.modules.get("keras")
    if keras is not None and keras.backend.backend() != backend:
        env = os.environ | {"KERAS_BACKEND": backend}
        script = sys.argv[0]
        os.execve(sys.executable, [sys.executable, script, *argv], env)
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def limit_threads(n_threads):
    """Cap the frameworks' thread pools; must run before any of them loads."""
    if n_threads is None:
        return
    for name in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "TF_NUM_INTRAOP_THREADS",
        "TF_NUM_INTEROP_THREADS",
    ):
        os.environ[name] = str(n_threads)
    if n_threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false"


def main(argv=None):
    """Run the chosen workloads, print the table, optionally write JSON."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    select_backend(args.backend, argv)
    limit_threads(args.threads)
    # Imports keras: only now that the backend is set.
    import workloads

    if args.child == "W5":
        print(json.dumps(workloads.run_w5(args.scale)))
        return 0
    report = {
        "machine": machine_info(),
        "settings": {
            "backend": args.backend,
            "workloads": args.workloads,
            "scale": args.scale,
            "repeats": args.repeats,
            "threads": args.threads,
            "warm_up": not args.no_warm_up,
            "implementations": workloads.available(),
        },
        "workloads": {},
    }
    report["machine"]["torch_threads"] = workloads.torch_threads()
    settings = workloads.Settings(args.scale, args.repeats, not args.no_warm_up)
    for name in args.workloads:
        start = time.perf_counter()
        if name == "W5":
            raw = run_w5_in_subprocess(args)
        else:
            raw = workloads.RUNNERS[name](settings)
        raw["wall_s"] = time.perf_counter() - start
        report["workloads"][name] = raw
        print(f"{name} done in {raw['wall_s']:.1f} s", file=sys.stderr, flush=True)
    print(format_report(report, workloads.ROWS))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def run_w5_in_subprocess(args):
    """Run W5 in a child process, so that its peak RSS is its own."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--backend",
        args.backend,
        "--scale",
        repr(args.scale),
        "--child",
        "W5",
    ]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    child = subprocess.run(command, capture_output=True, text=True, check=False)
    if child.returncode != 0:
        raise RuntimeError(f"W5 failed ({child.returncode}):\n{child.stderr[-3000:]}")
    raw = json.loads(child.stdout.strip().splitlines()[-1])
    # Cross-check: the kernel's peak over the children waited for so far.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    raw["results"]["sklstm"]["children_maxrss_mb"] = children.ru_maxrss / 1024
    return raw


def machine_info():
    """CPU, memory, load, library versions and the commit benchmarked."""
    info = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "load_average_1m": os.getloadavg()[0],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "backend": os.environ["KERAS_BACKEND"],
        "commit": _commit(),
    }
    packages = ("sklstm", "keras", "scikeras", "scikit-learn", "numpy")
    for package in (*packages, "tensorflow", "jax", "jaxlib", "torch"):
        info[package] = _version(package)
    return info


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _commit():
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "sklstm"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty sklstm/" if dirty else "")


# -- the table ---------------------------------------------------------------

COLUMNS = ("sklstm", "keras", "torch")


def format_report(report, rows):
    """The machine, the table of every workload run, and how to read it."""
    machine = report["machine"]
    torch_missing = "torch" not in report["settings"]["implementations"]
    lines = [
        f"backend {machine['backend']} | keras {machine['keras']} | "
        f"{backend_version(machine)} | torch "
        f"{'not installed' if torch_missing else machine['torch']}"
        f" | sklstm {machine['sklstm']} ({machine['commit']})",
        f"{machine['cpu_count']} CPUs ({machine['cpus_usable']} usable), "
        f"{machine['cpu_model']}, {machine['memory_gb']:.0f} GiB, "
        f"load {machine['load_average_1m']:.2f} at start | "
        f"python {machine['python']} | scale {report['settings']['scale']} | "
        f"repeats {report['settings']['repeats']} | "
        f"threads {report['settings']['threads'] or 'framework defaults'} | "
        f"warm-up {'on' if report['settings']['warm_up'] else 'off'}",
        "",
    ]
    header = ("workload / metric", *COLUMNS, "sk/keras", "sk/torch")
    table = [header]
    for name, raw in report["workloads"].items():
        table.append((f"{name}  {_describe(raw['params'])}", "", "", "", "", ""))
        for row in (row for row in rows if row.workload == name):
            table.append(_cells(row, raw["results"], torch_missing))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        cells = [line[0].ljust(widths[0])]
        cells += [
            cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if line is header:
            lines.append("-" * len(lines[-1]))
    return "\n".join([*lines, "", NOTES])


def backend_version(machine):
    """The backend's name and version(s) from ``machine_info()``."""
    if machine["backend"] == "jax":
        return f"jax {machine['jax']}, jaxlib {machine['jaxlib']}"
    return f"{machine['backend']} {machine[machine['backend']]}"


def _describe(params):
    fit = params.get("fit", params)
    return (
        f"({fit['n_samples']:,} x {fit['n_timesteps']} x {fit['n_features']}, "
        f"LSTM{tuple(fit['units'])}, {fit['epochs']} epochs, "
        f"batch {fit['batch_size']}, validation_split {fit['validation_split']})"
    )


def _cells(row, results, torch_missing):
    values = {name: (results.get(name) or {}).get(row.key) for name in COLUMNS}
    unit = f" ({row.unit})" if row.unit else ""
    cells = [f"  {row.label}{unit}"]
    for name in COLUMNS:
        missing = "not installed" if name == "torch" and torch_missing else "-"
        cells.append(missing if values[name] is None else _format(values[name], row))
    for name in ("keras", "torch"):
        ok = row.ratio and None not in (values["sklstm"], values[name])
        cells.append(f"{values['sklstm'] / values[name]:.2f}" if ok else "")
    return tuple(cells)


def _format(value, row):
    if row.unit == "ms":
        value *= 1000
    if row.unit in ("samples/s", "MB"):
        return f"{value:,.0f}"
    if isinstance(value, int) or abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


if __name__ == "__main__":
    sys.exit(main())
