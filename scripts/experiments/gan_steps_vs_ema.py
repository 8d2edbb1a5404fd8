"""Does the GAN chapter's generator gain from training twice as long, at the same moving-average decay?

book/gan/pytorch.ipynb trains its conditional GAN for 1,500 steps with a
moving average (EMA) of the generator's weights of decay 0.995;
scripts/train_gan.py trains the shipped checkpoint for 3,000 steps with
decay 0.999. Comparing those two runs mixes two changes. This experiment
separates them: one run (per seed) of 3,000 steps with the notebook's recipe,
keeping *two* EMA copies (0.995 and 0.999) side by side, and scoring both
with the digit judge at step 1,500 and at step 3,000. Training length is then
compared at a fixed decay, and decay at a fixed length.

The networks, losses, training step and moving average come from the notebook's cells
tagged ``model`` and ``training`` (never copied).

    python scripts/experiments/gan_steps_vs_ema.py                # seed 0, about 3 CPU-minutes
    python scripts/experiments/gan_steps_vs_ema.py --seeds 0 1 2  # three seeds, about 9 CPU-minutes
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import torch

import course_lib
from course_lib.experiments import save_experiment
from course_lib.metrics import score_digits
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent.parent

NOTEBOOK = ROOT / "book" / "gan" / "pytorch.ipynb"
DECAYS = (0.995, 0.999)
CHECKPOINTS = (1500, 3000)


def run(cells: dict, seed: int, steps: int, batch: int = 64, lr: float = 1e-3) -> list[dict]:
    latent_dim, n_classes = cells["LATENT_DIM"], cells["N_CLASSES"]
    course_lib.set_seed(seed)
    (x_train, y_train), _ = course_lib.load_mnist_5k(normalize=True)
    x_real = torch.from_numpy(x_train * 2 - 1).unsqueeze(1)
    y_real = torch.from_numpy(y_train).long()
    generator, discriminator = cells["build_generator"](), cells["build_discriminator"]()
    emas = {decay: copy.deepcopy(generator).eval() for decay in DECAYS}
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    rows = []
    order, position = torch.randperm(len(x_real)), 0
    for step in range(1, steps + 1):
        if position + batch > len(x_real):
            order, position = torch.randperm(len(x_real)), 0
        idx = order[position : position + batch]
        position += batch
        cells["train_step"](generator, discriminator, g_optimizer, d_optimizer, x_real[idx], y_real[idx])
        for decay, ema in emas.items():
            cells["update_ema"](ema, generator, decay)
        if step in CHECKPOINTS:
            for decay, ema in emas.items():
                with torch.no_grad():  # the notebook's sample(): 1,000 digits, 100 per class, noise seed 1
                    z = torch.randn(1000, latent_dim, generator=torch.Generator().manual_seed(1))
                    images = ema.eval()(z, torch.arange(1000) % n_classes).numpy()
                score = score_digits(images, value_range=(-1, 1))
                rows.append(
                    {
                        "seed": seed,
                        "steps": step,
                        "ema_decay": decay,
                        "confidence": round(float(score.confidence), 4),
                        "classes": int(score.classes_present),
                        "frechet_ratio": round(float(score.frechet_ratio), 3),
                    }
                )
                print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    t0 = time.time()
    torch.set_num_threads(1)
    cells = exec_tagged_cells(NOTEBOOK, "model", "training")
    rows = [row for seed in args.seeds for row in run(cells, seed, max(CHECKPOINTS))]
    seeds = " ".join(map(str, args.seeds))
    command = "python scripts/experiments/gan_steps_vs_ema.py" + ("" if args.seeds == [0] else f" --seeds {seeds}")
    print(
        save_experiment(
            "gan_steps_vs_ema",
            {"rows": rows, "cpu_seconds": round(time.process_time(), 1)},
            command=command,
            started=t0,
        )
    )


if __name__ == "__main__":
    main()
