"""Train the super-resolution chapter's ESPCN for longer than the notebook does, and save its scores.

The notebook (book/super_resolution/super_resolution.ipynb) trains ESPCN x3 for
6 passes over 4,000 patches (1,000 from each of four training photographs),
about 15 CPU-seconds, and gains a fraction of a decibel over bicubic on the
held-out ``camera`` photograph. This script asks what more training buys: the
same recipe (area downsampling, 16 x 16 low-res patches, Adam with a linear
warm-up over the first tenth of the steps and a cosine decay from 3e-3, batches
of 32, mean squared error) with more patches and more passes, by default 30
passes over 8,000 patches. The network is the notebook's: this script executes
the notebook's PyTorch cell tagged ``model`` (the Keras one is not needed). The
data preparation repeats the notebook's few lines (crop to a multiple of 3,
block means, random patches from ``numpy.random.default_rng(0)``).

It saves the held-out PSNR and SSIM (border of 3 pixels ignored, as in the
notebook), those of bicubic interpolation, and the held-out PSNR after every
pass, with ``course_lib.experiments.save_experiment`` into
``course_lib/data/experiments/super_resolution_longer.json``; the notebook
shows them.

    python scripts/experiments/super_resolution_longer.py              # about 5 CPU-minutes, 1 thread
    python scripts/experiments/super_resolution_longer.py --epochs 2 --patches 500 --out /tmp/sr   # a quick check
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

import course_lib
from course_lib.experiments import save_experiment
from course_lib.images import load_image
from course_tools.notebook_cells import tagged_cell_sources

ROOT = Path(__file__).resolve().parents[2]

NOTEBOOK = ROOT / "book" / "super_resolution" / "super_resolution.ipynb"
SCALE, LR_PATCH, BATCH, PEAK_LR = 3, 16, 32, 3e-3
TRAIN_IMAGES = ["astronaut", "chelsea", "coffee", "rocket"]
TEST_IMAGE = "camera"


def notebook_espcn():
    """``build_espcn`` from the notebook's PyTorch cell tagged ``model``."""
    namespace: dict = {"__name__": "notebook_cells:super_resolution"}
    sources = [s for s in tagged_cell_sources(NOTEBOOK, "model") if "class ESPCN" in s]
    if len(sources) != 1:
        raise ValueError(f"expected one model cell defining ESPCN in {NOTEBOOK}, found {len(sources)}")
    exec(compile(sources[0], f"{NOTEBOOK}[model cell]", "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace["build_espcn"]


def crop_to_multiple(image, scale=SCALE):
    height, width = image.shape
    return image[: height - height % scale, : width - width % scale]


def downsample(hr, scale=SCALE):  # area (box) downsampling, as in the notebook
    height, width = hr.shape
    return hr.reshape(height // scale, scale, width // scale, scale).mean(axis=(1, 3))


def quality(estimate, truth, border=SCALE):
    a, b = truth[border:-border, border:-border], estimate[border:-border, border:-border]
    return float(peak_signal_noise_ratio(a, b, data_range=1.0)), float(structural_similarity(a, b, data_range=1.0))


def make_patches(patches_per_image):
    rng = np.random.default_rng(0)
    lr_patches, hr_patches = [], []
    for name in TRAIN_IMAGES:
        hr = crop_to_multiple(load_image(name, gray=True))
        lr = downsample(hr)
        tops = rng.integers(0, lr.shape[0] - LR_PATCH + 1, patches_per_image)
        lefts = rng.integers(0, lr.shape[1] - LR_PATCH + 1, patches_per_image)
        for top, left in zip(tops, lefts):
            lr_patches.append(lr[top : top + LR_PATCH, left : left + LR_PATCH])
            hr_patches.append(hr[SCALE * top : SCALE * (top + LR_PATCH), SCALE * left : SCALE * (left + LR_PATCH)])
    return np.stack(lr_patches)[:, None], np.stack(hr_patches)[:, None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30, help="passes over the patches")
    parser.add_argument("--patches", type=int, default=8000, help="training patches in all (a quarter per photograph)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="directory for the JSON (default: the shipped one)")
    args = parser.parse_args()

    started = time.time()
    torch.set_num_threads(args.threads)
    build_espcn = notebook_espcn()
    course_lib.set_seed(args.seed)
    lr_patches, hr_patches = make_patches(args.patches // len(TRAIN_IMAGES))
    test_hr = crop_to_multiple(load_image(TEST_IMAGE, gray=True))
    test_lr = downsample(test_hr)
    bicubic = (
        F.interpolate(torch.from_numpy(test_lr)[None, None], scale_factor=SCALE, mode="bicubic", align_corners=False)[
            0, 0
        ]
        .clamp(0, 1)
        .numpy()
    )
    bicubic_psnr, bicubic_ssim = quality(bicubic, test_hr)

    model = build_espcn(SCALE)
    steps_per_epoch = -(-len(lr_patches) // BATCH)
    total_steps, warmup_steps = args.epochs * steps_per_epoch, args.epochs * steps_per_epoch // 10

    def learning_rate(step):  # linear warm-up to PEAK_LR, then cosine decay to zero (the notebook's schedule)
        if step < warmup_steps:
            return PEAK_LR * step / warmup_steps
        return PEAK_LR * 0.5 * (1 + np.cos(np.pi * (step - warmup_steps) / (total_steps - warmup_steps)))

    def upscale(lr):
        with torch.no_grad():
            return model(torch.from_numpy(lr)[None, None])[0, 0].clamp(0, 1).numpy()

    optimizer = torch.optim.Adam(model.parameters(), lr=PEAK_LR)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: learning_rate(step) / PEAK_LR)
    inputs, targets = torch.from_numpy(lr_patches), torch.from_numpy(hr_patches)
    held_out_psnr = []
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(inputs))
        for i in range(0, len(inputs), BATCH):
            batch = order[i : i + BATCH]
            loss = F.mse_loss(model(inputs[batch]), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        model.eval()
        held_out_psnr.append(round(quality(upscale(test_lr), test_hr)[0], 3))
        print(
            f"epoch {epoch + 1}: held-out PSNR {held_out_psnr[-1]:.2f} dB | {time.time() - started:.0f} s", flush=True
        )

    psnr, ssim = quality(upscale(test_lr), test_hr)
    results = {
        "epochs": args.epochs,
        "patches": len(lr_patches),
        "steps": total_steps,
        "seed": args.seed,
        "test_image": TEST_IMAGE,
        "espcn_psnr": round(psnr, 3),
        "espcn_ssim": round(ssim, 4),
        "bicubic_psnr": round(bicubic_psnr, 3),
        "bicubic_ssim": round(bicubic_ssim, 4),
        "held_out_psnr_per_epoch": held_out_psnr,
    }
    command = "python scripts/experiments/super_resolution_longer.py" + (
        ""
        if (args.epochs, args.patches, args.seed) == (30, 8000, 0)
        else f" --epochs {args.epochs} --patches {args.patches} --seed {args.seed}"
    )
    path = save_experiment("super_resolution_longer", results, command=command, started=started, directory=args.out)
    print(f"ESPCN PSNR {psnr:.2f} dB, SSIM {ssim:.3f} | bicubic {bicubic_psnr:.2f} dB, {bicubic_ssim:.3f} -> {path}")


if __name__ == "__main__":
    main()
