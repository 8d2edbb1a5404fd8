"""Train the VAE chapter's model for longer and save it to course_lib/data/vae_model.npz.

The model, its loss, ``evaluate()`` and ``train_vae()`` are defined once, in
the cells of book/vae/pytorch.ipynb tagged ``model`` and ``training``; this
script executes those cells, so the checkpoint always matches the notebook's
architecture and recipe. The recipe is the notebook's (the negative ELBO
with beta = 1, Adam at a constant learning rate of 2e-3, batches of 64, seed
0), run for more epochs. The whole ``state_dict`` (encoder and decoder) is
saved as float32, about 0.35 MB.

    python scripts/train_vae.py                     # 100 epochs, about 1.5-3 CPU-minutes (1 thread)
    python scripts/train_vae.py --epochs 5 --out /tmp/vae.npz

After retraining the shipped file, update its sha256 in
``course_lib/data.py`` (``BUNDLED_SHA256``) and in ``course_lib/data/README.md``,
and the measured test negative ELBO in ``tests/test_gan_vae_checkpoints.py``;
the script prints both.
"""

from __future__ import annotations

import argparse
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

NOTEBOOK = ROOT / "book" / "vae" / "pytorch.ipynb"
OUT = Path(course_lib.__file__).parent / "data" / "vae_model.npz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (1 is fastest for this small model)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    cells = exec_tagged_cells(NOTEBOOK, "model", "training")  # the model, its loss, evaluate() and train_vae()
    torch.set_num_threads(args.threads)
    device = torch_device()
    (x_train, _), (x_test, _) = course_lib.load_mnist_5k(normalize=True)
    x_train = torch.from_numpy(x_train).unsqueeze(1).to(device)
    x_test = torch.from_numpy(x_test).unsqueeze(1).to(device)

    course_lib.set_seed(0)
    model = cells["VAE"]().to(device)
    start = time.perf_counter()
    cells["train_vae"](model, x_train, x_test, args.epochs, batch=args.batch, lr=args.lr, log_every=10)
    print(f"trained {args.epochs} epochs in {time.perf_counter() - start:.0f} s")

    torch.manual_seed(0)
    rec, kl = cells["evaluate"](model, x_test, samples=5)
    print(f"test negative ELBO (5 draws per digit, seed 0): {rec + kl:.2f} nats per image")
    with torch.no_grad():
        z = torch.randn(1000, cells["LATENT_DIM"], generator=torch.Generator().manual_seed(1)).to(device)
        samples = torch.sigmoid(model.decoder(z))
    print("samples from the prior:", score_digits(samples.cpu().numpy()))

    state = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **state)
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), sha256 {sha256_of(args.out)}")


if __name__ == "__main__":
    main()
