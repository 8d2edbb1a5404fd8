"""The shipped GAN and VAE checkpoints, and the model cells of the comparison and failure-mode notebooks.

- ``course_lib/data/vae_model.npz`` (scripts/train_vae.py) loads strictly into
  the VAE chapter's model and reproduces its measured test negative ELBO;
- book/vae/gan_vs_vae.ipynb copies the two chapters' networks: with the
  shipped weights, its copies compute exactly what the chapters' models do;
- a damaged, missing or mismatched checkpoint is reported clearly;
- the toy-problem helpers of book/gan/failure_modes.ipynb (mode coverage, the
  minibatch standard-deviation feature) compute what the notebook says.
"""

from pathlib import Path

import numpy as np
import pytest

from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
VAE_NB = ROOT / "book" / "vae" / "pytorch.ipynb"
GAN_NB = ROOT / "book" / "gan" / "pytorch.ipynb"
COMPARISON_NB = ROOT / "book" / "vae" / "gan_vs_vae.ipynb"
FAILURE_NB = ROOT / "book" / "gan" / "failure_modes.ipynb"

# Measured by scripts/train_vae.py when the shipped checkpoint was made: 108.33 nats per test digit
# (5 draws of z per digit, torch seed 0). The ceiling leaves 1.5% for other platforms' arithmetic;
# a checkpoint from a shorter or broken training run (the chapter's 20 epochs give 112.7) fails it.
VAE_TEST_NELBO = 108.33
VAE_TEST_NELBO_CEILING = 110.0
GREY_PIXEL_FLOOR = 46.0  # no Bernoulli decoder can go below this on these digits (book/vae/pytorch.ipynb)


@pytest.fixture(scope="module")
def vae_ns():
    return exec_tagged_cells(VAE_NB, "model")


@pytest.fixture(scope="module")
def gan_ns():
    return exec_tagged_cells(GAN_NB, "model")


@pytest.fixture(scope="module")
def comparison_ns():
    return exec_tagged_cells(COMPARISON_NB, "model")


@pytest.fixture(scope="module")
def failure_ns():
    return exec_tagged_cells(FAILURE_NB, "model")


def load(model, filename):
    import torch

    from course_lib.data import bundled_path

    with np.load(bundled_path(filename)) as saved:  # bundled_path checks the sha256
        state = {name: torch.from_numpy(saved[name]) for name in saved.files}
    model.load_state_dict(state)  # strict: every tensor present, with the right shape
    return model.eval()


def test_vae_checkpoint_is_small_float32():
    from course_lib.data import bundled_path

    path = bundled_path("vae_model.npz")
    assert path.stat().st_size < 1_000_000
    with np.load(path) as saved:
        assert saved.files and all(saved[name].dtype == np.float32 for name in saved.files)


def test_vae_checkpoint_reproduces_its_test_elbo(vae_ns):
    import torch

    import course_lib

    model = load(vae_ns["VAE"](), "vae_model.npz")
    (_, _), (x_test, _) = course_lib.load_mnist_5k(normalize=True)
    x = torch.from_numpy(x_test).unsqueeze(1)
    torch.manual_seed(0)
    rec = kl = 0.0
    with torch.no_grad():
        for _ in range(5):
            for i in range(0, len(x), 500):
                r, k = vae_ns["loss_terms"](model, x[i : i + 500])
                rec, kl = rec + r.sum().item(), kl + k.sum().item()
    rec, kl = rec / (5 * len(x)), kl / (5 * len(x))
    assert GREY_PIXEL_FLOOR < rec + kl < VAE_TEST_NELBO_CEILING, rec + kl
    assert rec + kl == pytest.approx(VAE_TEST_NELBO, abs=1.0)
    assert 10 < kl < 40, "the KL term should be neither collapsed to 0 nor exploding"


def test_comparison_notebook_copies_the_chapters_networks(comparison_ns, gan_ns, vae_ns):
    import torch

    assert comparison_ns["GAN_LATENT_DIM"] == gan_ns["LATENT_DIM"]
    assert comparison_ns["VAE_LATENT_DIM"] == vae_ns["LATENT_DIM"]
    gan_copy, gan_chapter = (
        load(comparison_ns["Generator"](), "gan_generator.npz"),
        load(gan_ns["build_generator"](), "gan_generator.npz"),
    )
    vae_copy, vae_chapter = load(comparison_ns["VAE"](), "vae_model.npz"), load(vae_ns["VAE"](), "vae_model.npz")
    rng = torch.Generator().manual_seed(0)
    z, labels = torch.randn(8, gan_ns["LATENT_DIM"], generator=rng), torch.arange(8)
    x = torch.rand(8, 1, 28, 28, generator=rng)
    with torch.no_grad():
        torch.testing.assert_close(gan_copy(z, labels), gan_chapter(z, labels))
        torch.testing.assert_close(vae_copy.encoder(x), vae_chapter.encoder(x))
        code = torch.randn(8, vae_ns["LATENT_DIM"], generator=rng)
        torch.testing.assert_close(vae_copy.decoder(code), vae_chapter.decoder(code))
        torch.manual_seed(1)
        copy_terms = comparison_ns["loss_terms"](vae_copy, x)
        torch.manual_seed(1)
        chapter_terms = vae_ns["loss_terms"](vae_chapter, x)
    for a, b in zip(copy_terms, chapter_terms):
        torch.testing.assert_close(a, b)


def test_missing_checkpoint_is_reported(tmp_path, monkeypatch):
    from course_lib import data
    from course_lib.download import DataIntegrityError

    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(DataIntegrityError, match="vae_model.npz is missing"):
        data.bundled_path("vae_model.npz")


def test_wrong_checkpoint_for_the_model_is_refused(vae_ns):
    with pytest.raises(RuntimeError, match="Missing key"):
        load(vae_ns["VAE"](), "gan_generator.npz")


def test_mode_coverage(failure_ns):
    import torch

    real = failure_ns["sample_ring"](2000, torch.Generator().manual_seed(0))
    covered, quality, per_mode = failure_ns["mode_coverage"](real)
    assert covered == 8 and quality > 0.97 and per_mode.sum().item() == pytest.approx(quality)
    collapsed = failure_ns["MODES"][3] + 0.01 * torch.randn(500, 2, generator=torch.Generator().manual_seed(1))
    covered, quality, per_mode = failure_ns["mode_coverage"](collapsed)
    assert covered == 1 and quality == 1.0 and per_mode.argmax().item() == 3
    assert failure_ns["mode_coverage"](torch.zeros(100, 2))[:2] == (0, 0.0)  # the centre is no mode


def test_minibatch_std_feature(failure_ns):
    import torch

    layer = failure_ns["MinibatchStdDev"]()
    same = layer(torch.ones(5, 3))
    assert same.shape == (5, 4) and torch.all(same[:, -1] == 0)
    h = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(layer(h)[:, -1], h.std(dim=0).mean().expand(64))
    plain = failure_ns["build_discriminator"]()
    with_std = failure_ns["build_discriminator"](minibatch_std=True)
    extra = sum(p.numel() for p in with_std.parameters()) - sum(p.numel() for p in plain.parameters())
    assert extra == failure_ns["HIDDEN"]  # one more input to the second layer, nothing else
    assert with_std(torch.zeros(7, 2)).shape == failure_ns["build_generator"]()(
        torch.zeros(7, failure_ns["NOISE_DIM"])
    ).shape[:1] + (1,)
