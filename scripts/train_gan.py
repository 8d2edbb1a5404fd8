"""Train the GAN chapter's conditional generator for longer and save it to course_lib/data/gan_generator.npz.

The networks, the losses, the training step and the moving average are
defined once, in the cells of book/gan/pytorch.ipynb tagged ``model`` and
``training``; this script executes those cells, so the checkpoint always
matches the notebook's architecture and recipe. The recipe is the notebook's (non-saturating
loss, Adam with beta1 = 0.5 and learning rate 1e-3, batches of 64, a moving
average of the generator's weights), run for more steps, with a slower moving
average (0.999) to suit the longer run. The moving-average generator is saved:
all its ``state_dict`` entries (weights and batch-norm statistics) as float32,
about 0.5 MB.

    python scripts/train_gan.py                    # 3,000 steps, about 3 CPU-minutes (1 thread)
    python scripts/train_gan.py --steps 500 --out /tmp/gan.npz

After retraining the shipped file, update its sha256 in
``course_lib/data.py`` (``BUNDLED_SHA256``) and in ``course_lib/data/README.md``;
the script prints it.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import numpy as np
import torch

import course_lib
from course_lib.device import torch_device
from course_lib.download import sha256_of
from course_lib.metrics import score_digits
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOK = ROOT / "book" / "gan" / "pytorch.ipynb"
OUT = Path(course_lib.__file__).parent / "data" / "gan_generator.npz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--ema", type=float, default=0.999)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (1 is fastest for this small model)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    cells = exec_tagged_cells(NOTEBOOK, "model", "training")  # the networks, losses, train_step and update_ema
    latent_dim, n_classes = cells["LATENT_DIM"], cells["N_CLASSES"]
    train_step, update_ema = cells["train_step"], cells["update_ema"]
    torch.set_num_threads(args.threads)
    device = torch_device()
    course_lib.set_seed(0)

    (x_train, y_train), _ = course_lib.load_mnist_5k(normalize=True)
    x_real = torch.from_numpy(x_train * 2 - 1).unsqueeze(1).to(device)
    y_real = torch.from_numpy(y_train).long().to(device)

    generator, discriminator = cells["build_generator"]().to(device), cells["build_discriminator"]().to(device)
    ema_generator = copy.deepcopy(generator).eval()
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=args.lr, betas=(0.5, 0.999))

    start, cpu_start = time.perf_counter(), time.process_time()
    order, position = torch.randperm(len(x_real), device=device), 0
    for step in range(1, args.steps + 1):
        if position + args.batch > len(x_real):
            order, position = torch.randperm(len(x_real), device=device), 0
        idx = order[position : position + args.batch]
        position += args.batch
        stats = train_step(generator, discriminator, g_optimizer, d_optimizer, x_real[idx], y_real[idx])
        update_ema(ema_generator, generator, args.ema)
        if step % 500 == 0 or step == args.steps:
            print(
                f"step {step:>6}: D loss {stats['d_loss']:.3f}, G loss {stats['g_loss']:.3f}, "
                f"{time.perf_counter() - start:.0f} s, {time.process_time() - cpu_start:.0f} CPU-s",
                flush=True,
            )

    with torch.no_grad():
        z = torch.randn(1000, latent_dim, generator=torch.Generator().manual_seed(1)).to(device)
        samples = ema_generator(z, torch.arange(1000, device=device) % n_classes)
    print("EMA generator:", score_digits(samples.cpu().numpy(), value_range=(-1, 1)))

    state = {k: v.detach().cpu().numpy() for k, v in ema_generator.state_dict().items()}
    state = {k: v.astype(np.float32) if np.issubdtype(v.dtype, np.floating) else v for k, v in state.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **state)
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), sha256 {sha256_of(args.out)}")


if __name__ == "__main__":
    main()
