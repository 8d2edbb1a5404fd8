"""Train the course's digit judge and save its weights into course_lib/data/digit_judge.npz.

The judge is the CNN classifier of the convolutional-networks chapter (built
from the cell tagged ``model`` in book/cnn/pytorch.ipynb, so it has one
definition), trained longer, on the 4,000 MNIST-5k training digits only (the 1,000 test digits stay
unseen, so they can serve as the "real" reference set). course_lib.metrics runs
it in NumPy, so any chapter can score generated digits without loading a
framework.

    python scripts/train_judge.py            # about 6 minutes on an idle 2-core CPU
    python scripts/train_judge.py --epochs 5 --out /tmp/judge.npz

The run is deterministic (fixed seed, deterministic kernels), so rerunning it
on the same software reproduces the shipped file's accuracy and statistics.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import course_lib
from course_lib import load_mnist_5k, set_seed
from course_lib.metrics import DigitJudge
from course_tools.notebook_cells import exec_tagged_cells

OUT = Path(course_lib.__file__).parent / "data" / "digit_judge.npz"
NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "cnn" / "pytorch.ipynb"


def build_classifier() -> torch.nn.Module:
    """The CNN chapter's classifier, built by the cell tagged ``model`` in book/cnn/pytorch.ipynb."""
    return exec_tagged_cells(NOTEBOOK, "model")["build_classifier"]()


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random rotation (±12°), zoom (±10%) and shift (±2 px) of a batch (n, 1, 28, 28)."""
    n = x.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(12)
    scale = 1 + (torch.rand(n, generator=generator) * 2 - 1) * 0.10
    shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * (2 / 14)  # 2 px in [-1, 1] units
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    set_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_mnist_5k(normalize=True)
    xt = torch.from_numpy(x_train[:, None])
    yt = torch.from_numpy(y_train.astype(np.int64))
    model = build_classifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    batch = 64
    steps = args.epochs * math.ceil(len(xt) / batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps)
    generator = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        total = 0.0
        for i in range(0, len(xt), batch):
            idx = order[i : i + batch]
            loss = F.cross_entropy(model(augment(xt[idx], generator)), yt[idx], label_smoothing=0.05)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1:2d}  loss {total / len(xt):.4f}  {time.perf_counter() - start:5.0f} s", flush=True)

    judge = DigitJudge.from_state_dict(model.state_dict())
    accuracy = float((judge.predict_proba(x_test).argmax(1) == y_test).mean())
    print(f"test accuracy (NumPy forward pass): {accuracy:.4f}")
    judge.save(args.out, x_reference=x_test, x_train=x_train, test_accuracy=accuracy)
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
