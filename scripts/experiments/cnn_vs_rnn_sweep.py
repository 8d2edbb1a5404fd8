"""A fair comparison of the CNN-vs-RNN chapter's four models on MNIST-1D: a learning-rate sweep over seeds.

book/cnn_vs_rnn/measured.ipynb trains its causal dilated CNN, simple RNN, LSTM
and GRU once each, at one learning rate (1e-2) and one seed. A model that
fails there may fail because of that learning rate, not because of its
architecture. This script gives every model the same sweep: each learning
rate of ``--lrs`` with each seed of ``--seeds``, the notebook's recipe
otherwise (Adam, batches of 64, gradients clipped to norm 1, 600 steps), and
records the test accuracy after the last step and the training time of every
run.

It also re-runs, over the same seeds, the longer memory-task budget that the
notebook's text mentions (lag 128, 300 steps of batches of 64, learning rate
3e-3) for the LSTM and the GRU.

The models and the training functions are executed from the notebook's cells
tagged ``model`` and ``training``, so the script always trains the notebook's
networks the notebook's way. Results go to
course_lib/data/experiments/cnn_vs_rnn_sweep.json, which the notebook loads.

    python scripts/experiments/cnn_vs_rnn_sweep.py            # the shipped grid, one CPU thread
    python scripts/experiments/cnn_vs_rnn_sweep.py --lrs 1e-3 1e-2 --seeds 0 --steps 100 --no-memory --out /tmp
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from course_lib.data import load_mnist1d
from course_lib.experiments import save_experiment
from course_tools.notebook_cells import exec_tagged_cells, tagged_cell_sources

ROOT = Path(__file__).resolve().parents[2]

NOTEBOOK = ROOT / "book" / "cnn_vs_rnn" / "measured.ipynb"
KINDS = ("cnn", "rnn", "lstm", "gru")
LEARNING_RATES = (3e-4, 1e-3, 3e-3, 1e-2)
SEEDS = (0, 1, 2)
# The memory-task trial the notebook's text mentions: lag 128, 300 steps of batch 64, learning rate 3e-3.
MEMORY_TRIAL = {"lag": 128, "steps": 300, "batch": 64, "lr": 3e-3, "kinds": ["lstm", "gru"]}


def notebook_namespace():
    """The notebook's ``model`` cells, then its ``training`` cells, executed in one namespace."""
    cells = exec_tagged_cells(NOTEBOOK, "model")
    for index, source in enumerate(tagged_cell_sources(NOTEBOOK, "training")):
        exec(compile(source, f"{NOTEBOOK}[training cell {index}]", "exec"), cells)  # noqa: S102
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lrs", type=float, nargs="+", default=LEARNING_RATES)
    parser.add_argument("--seeds", type=int, nargs="+", default=SEEDS)
    parser.add_argument("--steps", type=int, default=600, help="Adam steps per run (the notebook's CPU budget)")
    parser.add_argument("--no-memory", action="store_true", help="skip the lag-128 memory trial")
    parser.add_argument("--out", type=Path, default=None, help="directory for the JSON (default: the shipped one)")
    args = parser.parse_args()

    started = time.time()
    torch.set_num_threads(1)  # as in the notebook: one thread is fastest for these small models
    cells = notebook_namespace()
    (x_train, y_train), (x_test, y_test) = load_mnist1d()
    data = (
        torch.from_numpy(x_train)[:, :, None],
        torch.from_numpy(y_train),
        torch.from_numpy(x_test)[:, :, None],
        torch.from_numpy(y_test),
    )

    runs = []
    for lr in args.lrs:
        for seed in args.seeds:
            for kind in KINDS:
                _, curve = cells["train_timed"](kind, data, args.steps, lr=lr, seed=seed, eval_every=args.steps)
                seconds, accuracy = curve[-1]
                runs.append(
                    {
                        "kind": kind,
                        "lr": lr,
                        "seed": seed,
                        "test_accuracy": round(accuracy, 4),
                        "train_seconds": round(seconds, 2),
                    }
                )
                print(
                    f"{kind:<5} lr {lr:<7g} seed {seed}: test accuracy {accuracy:.3f} in {seconds:5.1f} s", flush=True
                )

    memory = []
    if not args.no_memory:
        trial = MEMORY_TRIAL
        for seed in args.seeds:
            for kind in trial["kinds"]:
                start = time.perf_counter()
                accuracy = cells["memory_accuracy"](
                    kind, trial["lag"], trial["steps"], batch=trial["batch"], lr=trial["lr"], seed=seed
                )
                memory.append(
                    {
                        "kind": kind,
                        "seed": seed,
                        "test_accuracy": round(accuracy, 4),
                        "seconds": round(time.perf_counter() - start, 2),
                    }
                )
                print(f"memory lag {trial['lag']}: {kind:<5} seed {seed}: accuracy {accuracy:.3f}", flush=True)

    results = {
        "setup": {
            "kinds": list(KINDS),
            "lrs": list(args.lrs),
            "seeds": list(args.seeds),
            "steps": args.steps,
            "batch": cells["BATCH"],
            "clip_norm": cells["CLIP_NORM"],
            "optimizer": "Adam",
            "threads": torch.get_num_threads(),
        },
        "runs": runs,
        "memory_trial": {**MEMORY_TRIAL, "runs": memory} if memory else None,
    }
    command = "python " + " ".join([f"scripts/experiments/{Path(__file__).name}", *sys.argv[1:]])
    path = save_experiment("cnn_vs_rnn_sweep", results, command=command, started=started, directory=args.out)
    print(f"saved {path} ({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
