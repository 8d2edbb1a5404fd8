"""Train the VAE chapter's model for longer and save it to course_lib/data/vae_model.npz.

The model is defined once, in the cells of book/vae/pytorch.ipynb tagged
``model``; this script executes those cells, so the checkpoint always matches
the notebook's architecture. The recipe is the notebook's (the negative ELBO
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


@torch.no_grad()
def negative_elbo(model: torch.nn.Module, loss_terms, x: torch.Tensor, samples: int = 5) -> tuple[float, float]:
    """Mean reconstruction and KL terms (nats per image) over ``samples`` draws of z per image."""
    model.eval()
    rec = kl = 0.0
    for _ in range(samples):
        for i in range(0, len(x), 500):
            r, k = loss_terms(model, x[i : i + 500])
            rec, kl = rec + r.sum().item(), kl + k.sum().item()
    return rec / (samples * len(x)), kl / (samples * len(x))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (1 is fastest for this small model)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    cells = exec_tagged_cells(NOTEBOOK, "model")
    torch.set_num_threads(args.threads)
    device = torch_device()
    (x_train, _), (x_test, _) = course_lib.load_mnist_5k(normalize=True)
    x_train = torch.from_numpy(x_train).unsqueeze(1).to(device)
    x_test = torch.from_numpy(x_test).unsqueeze(1).to(device)

    course_lib.set_seed(0)
    model = cells["VAE"]().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), device=device)
        for i in range(0, len(x_train), args.batch):
            rec, kl = cells["loss_terms"](model, x_train[order[i : i + args.batch]])
            loss = (rec + kl).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if epoch % 10 == 0 or epoch == args.epochs:
            rec, kl = negative_elbo(model, cells["loss_terms"], x_test, samples=1)
            print(
                f"epoch {epoch:>4}: test negative ELBO {rec + kl:.1f} (reconstruction {rec:.1f} + KL {kl:.1f}), "
                f"{time.perf_counter() - start:.0f} s",
                flush=True,
            )

    torch.manual_seed(0)
    rec, kl = negative_elbo(model, cells["loss_terms"], x_test, samples=5)
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
