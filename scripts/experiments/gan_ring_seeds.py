"""Mode collapse on the ring of eight Gaussians, over five seeds: the evidence for book/gan/failure_modes.ipynb.

The notebook runs each setting once (seed 0). This script reruns its
experiments with seeds 0 to 4, using the notebook's own code: the networks
and the ring (cells tagged ``model``) and its training function ``train_gan``
(the cell tagged ``train-loop``), so nothing is copied. It measures

- modes covered and the high-quality fraction after 2,000 steps for four
  settings of the learning rates, with and without the minibatch
  standard-deviation feature;
- for the stalling experiment of section 7 (plain SGD for the generator,
  a 300-step head start for the discriminator, 800 steps), the mean distance
  from a generated point to its nearest mode, minimax against non-saturating
  loss, for seeds 0 to 2.

    python scripts/experiments/gan_ring_seeds.py      # about 3 CPU-minutes
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
import torch.nn.functional as F

import course_lib
from course_lib.experiments import save_experiment
from course_tools.notebook_cells import tagged_cell_sources

ROOT = Path(__file__).resolve().parent.parent.parent

NOTEBOOK = ROOT / "book" / "gan" / "failure_modes.ipynb"
SETTINGS = {  # name: (generator lr, discriminator lr, minibatch std)
    "generator lr 2e-3, discriminator lr 5e-4": (2e-3, 5e-4, False),
    "same, with minibatch std": (2e-3, 5e-4, True),
    "equal learning rates 1e-3": (1e-3, 1e-3, False),
    "generator lr 5e-4, discriminator lr 2e-3": (5e-4, 2e-3, False),
}
SEEDS = (0, 1, 2, 3, 4)
SGD_SEEDS = (0, 1, 2)


def notebook_namespace() -> dict:
    """The notebook's model cells and its train_gan, executed with the imports they rely on."""
    namespace = {"__name__": "failure_modes", "course_lib": course_lib, "torch": torch, "F": F, "plt": None}
    for tag in ("model", "train-loop"):
        sources = tagged_cell_sources(NOTEBOOK, tag)
        if not sources:
            raise ValueError(f"no cell tagged {tag!r} in {NOTEBOOK}")
        for source in sources:
            exec(compile(source, f"{NOTEBOOK}[{tag}]", "exec"), namespace)  # noqa: S102
    return namespace


def main() -> None:
    t0 = time.time()
    torch.set_num_threads(1)
    nb = notebook_namespace()
    coverage = []
    for name, (lr_g, lr_d, minibatch_std) in SETTINGS.items():
        for seed in SEEDS:
            log = nb["train_gan"](
                2000,
                lr_g=lr_g,
                lr_d=lr_d,
                minibatch_std=minibatch_std,
                seed=seed,
                record_every=2000,
                snapshot_at=(2000,),
            )
            covered, quality, _ = nb["mode_coverage"](log["snapshots"][2000])
            coverage.append({"setting": name, "seed": seed, "modes_covered": covered, "quality": round(quality, 4)})
            print(coverage[-1], flush=True)
    stalling = []
    for loss in ("minimax", "non-saturating"):
        for seed in SGD_SEEDS:
            log = nb["train_gan"](
                800, lr_g=0.01, lr_d=1e-3, loss=loss, g_optimizer="sgd", d_head_start=300, seed=seed, record_every=800
            )
            stalling.append({"loss": loss, "seed": seed, "distance": round(log["distance"][-1], 3)})
            print(stalling[-1], flush=True)
    print(
        save_experiment(
            "gan_ring_seeds",
            {"coverage": coverage, "stalling": stalling, "cpu_seconds": round(time.process_time(), 1)},
            command="python scripts/experiments/gan_ring_seeds.py",
            started=t0,
        )
    )


if __name__ == "__main__":
    main()
