"""The Keras and PyTorch VAEs of book/vae are the same model, and their loss formulas agree.

Both notebooks tag the cell that defines the encoder, decoder, reparameterisation
and the two loss terms with ``model``. These tests run only those cells and check

- the encoder and decoder layer by layer: kinds of layer, output shapes on a
  dummy batch and parameter counts;
- that the KL and reconstruction terms give the same numbers in both
  frameworks on the same inputs, and the right numbers (a NumPy reference and
  a Monte Carlo estimate of the KL);
- the reparameterisation trick (moments, and that gradients reach mu and logvar);
- one Keras ``train_step`` reports the loss as reconstruction + KL;
- the applications notebook's copy of the model cell is the chapter's, unchanged.
"""

from pathlib import Path

import numpy as np
import pytest
from parity import channels_last

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells, tagged_cell_sources

ROOT = Path(__file__).resolve().parent.parent
KERAS_NB = ROOT / "book" / "vae" / "keras.ipynb"
TORCH_NB = ROOT / "book" / "vae" / "pytorch.ipynb"
APPLICATIONS_NB = ROOT / "book" / "vae" / "applications.ipynb"
LATENT = 16
EXPECTED = {"encoder": 55_008, "decoder": 35_121}

# Keras layer class -> the PyTorch module class that plays the same role.
SAME_KIND = {
    "Conv2D": "Conv2d",
    "Conv2DTranspose": "ConvTranspose2d",
    "ReLU": "ReLU",
    "Flatten": "Flatten",
    "Reshape": "Unflatten",
    "Dense": "Linear",
}


@pytest.fixture(scope="module")
def keras_ns():
    return exec_tagged_cells(KERAS_NB, "model")


@pytest.fixture(scope="module")
def torch_ns():
    return exec_tagged_cells(TORCH_NB, "model")


@pytest.mark.parametrize("part", ["encoder", "decoder"])
def test_same_layers_shapes_and_parameter_counts(keras_ns, torch_ns, part):
    import torch

    k_net = keras_ns[f"build_{part}"](LATENT)
    t_net = torch_ns[f"build_{part}"](LATENT).eval()
    assert k_net.count_params() == sum(p.numel() for p in t_net.parameters()) == EXPECTED[part]

    k_layers, t_layers = k_net.layers, list(t_net)
    assert [SAME_KIND.get(type(layer).__name__, type(layer).__name__) for layer in k_layers] == [
        type(m).__name__ for m in t_layers
    ]
    rng = np.random.default_rng(0)
    if part == "encoder":
        x = rng.random((3, 28, 28, 1), dtype=np.float32)
        h_keras, h_torch = x, torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    else:
        x = rng.normal(size=(3, LATENT)).astype(np.float32)
        h_keras, h_torch = x, torch.from_numpy(x)
    with torch.no_grad():
        for k_layer, t_layer in zip(k_layers, t_layers):
            h_keras, h_torch = k_layer(h_keras), t_layer(h_torch)
            assert tuple(h_keras.shape) == (3, *channels_last(tuple(h_torch.shape[1:]))), (
                f"{k_layer.name} gives {tuple(h_keras.shape)}, {type(t_layer).__name__} gives {tuple(h_torch.shape)}"
            )
            n_torch = sum(p.numel() for p in t_layer.parameters())
            assert k_layer.count_params() == n_torch, f"{k_layer.name}: {k_layer.count_params()} vs {n_torch}"
    expected_out = (3, 2 * LATENT) if part == "encoder" else (3, 28, 28, 1)
    assert tuple(h_keras.shape) == expected_out


def test_two_dimensional_latent_space_builds(keras_ns, torch_ns):
    # The Keras notebook also trains a VAE with latent_dim=2; only the first and last layers change.
    for part in ("encoder", "decoder"):
        n_keras = keras_ns[f"build_{part}"](2).count_params()
        n_torch = sum(p.numel() for p in torch_ns[f"build_{part}"](2).parameters())
        assert n_keras == n_torch
    assert keras_ns["build_encoder"](2).count_params() == EXPECTED["encoder"] - 1568 * 28 - 28


@pytest.fixture(scope="module")
def loss_inputs():
    rng = np.random.default_rng(1)
    mu = rng.normal(size=(4, LATENT)).astype(np.float32)
    logvar = rng.normal(scale=0.7, size=(4, LATENT)).astype(np.float32)
    logits = rng.normal(scale=3.0, size=(4, 28, 28, 1)).astype(np.float32)
    x = rng.random((4, 28, 28, 1), dtype=np.float32)
    return mu, logvar, logits, x


def numpy_kl(mu, logvar):
    return 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=1)


def numpy_bernoulli_nll(logits, x):
    p = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    return -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3))


def test_loss_terms_match_between_frameworks_and_numpy(keras_ns, torch_ns, loss_inputs):
    import keras
    import torch

    mu, logvar, logits, x = loss_inputs
    kl_keras = keras.ops.convert_to_numpy(keras_ns["kl_divergence"](mu, logvar))
    kl_torch = torch_ns["kl_divergence"](torch.from_numpy(mu), torch.from_numpy(logvar)).numpy()
    np.testing.assert_allclose(kl_keras, numpy_kl(mu, logvar), rtol=1e-5)
    np.testing.assert_allclose(kl_torch, numpy_kl(mu, logvar), rtol=1e-5)

    rec_keras = keras.ops.convert_to_numpy(keras_ns["reconstruction_nll"](logits, x))
    rec_torch = torch_ns["reconstruction_nll"](
        torch.from_numpy(logits.transpose(0, 3, 1, 2).copy()), torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    ).numpy()
    np.testing.assert_allclose(rec_keras, numpy_bernoulli_nll(logits, x), rtol=1e-5)
    np.testing.assert_allclose(rec_torch, numpy_bernoulli_nll(logits, x), rtol=1e-5)
    assert kl_keras.shape == kl_torch.shape == rec_keras.shape == rec_torch.shape == (4,)


def test_kl_is_zero_for_the_prior_and_matches_monte_carlo(torch_ns):
    import torch

    kl = torch_ns["kl_divergence"]
    assert kl(torch.zeros(2, LATENT), torch.zeros(2, LATENT)).abs().max().item() == 0.0
    mu, logvar = torch.tensor([[1.5, -0.5]]), torch.tensor([[-1.0, 0.8]])
    torch.manual_seed(0)
    z = torch_ns["reparameterize"](mu.expand(400_000, 2), logvar.expand(400_000, 2))
    log_q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(1)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
    assert kl(mu, logvar).item() == pytest.approx((log_q - log_p).mean().item(), rel=0.01)


def test_reparameterization_moments_and_gradients(keras_ns, torch_ns):
    import keras
    import torch

    mu, logvar = torch.full((200_000, 1), 2.0, requires_grad=True), torch.full((200_000, 1), np.log(0.25))
    logvar.requires_grad_(True)
    torch.manual_seed(0)
    z = torch_ns["reparameterize"](mu, logvar)
    assert z.mean().item() == pytest.approx(2.0, abs=0.01) and z.std().item() == pytest.approx(0.5, abs=0.01)
    z.sum().backward()  # dz/dmu = 1 for every sample; dz/dlogvar = 0.5 * sigma * eps
    assert torch.all(mu.grad == 1.0) and logvar.grad.abs().sum().item() > 0

    zk = keras.ops.convert_to_numpy(
        keras_ns["reparameterize"](
            np.full((200_000, 1), 2.0, "float32"),
            np.full((200_000, 1), np.log(0.25), "float32"),
            seed=keras.random.SeedGenerator(0),
        )
    )
    assert zk.mean() == pytest.approx(2.0, abs=0.01) and zk.std() == pytest.approx(0.5, abs=0.01)


def test_keras_train_step_reports_the_two_terms(keras_ns):
    import keras

    vae = keras_ns["VAE"](latent_dim=LATENT)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.default_rng(0).random((32, 28, 28, 1), dtype=np.float32)
    logs = vae.fit(x, batch_size=32, epochs=1, verbose=0, shuffle=False).history
    assert set(logs) == {"loss", "reconstruction", "kl"}
    assert logs["loss"][0] == pytest.approx(logs["reconstruction"][0] + logs["kl"][0], rel=1e-5)
    assert logs["kl"][0] >= 0 and logs["reconstruction"][0] > 0


def test_applications_notebook_copies_the_chapters_vae_unchanged():
    # The applications notebook repeats the chapter's model cell (so that it runs on its own) and adds a classifier.
    original = tagged_cell_sources(TORCH_NB, "model")
    copy = tagged_cell_sources(APPLICATIONS_NB, "model")
    assert len(original) == len(copy) == 1
    assert copy[0].startswith(original[0].rstrip()), (
        "book/vae/applications.ipynb's model cell differs from the chapter's"
    )
    namespace = exec_tagged_cells(APPLICATIONS_NB, "model")
    assert callable(namespace.get("VAE")) and callable(namespace.get("build_classifier"))


def test_the_scripts_training_is_the_notebooks():
    # scripts/train_vae.py runs these cells (tagged model and training): one epoch on a few digits.
    import torch

    cells = exec_tagged_cells(TORCH_NB, "model", "training")
    torch.manual_seed(0)
    x = (torch.rand(96, 1, 28, 28) > 0.7).float()
    model = cells["VAE"]()
    before = cells["evaluate"](model, x, samples=1)
    history = cells["train_vae"](model, x[:64], x[64:], 3, batch=32, log_every=0)
    assert set(history) == {"reconstruction", "kl", "val_reconstruction", "val_kl"}
    assert all(len(curve) == 3 for curve in history.values())
    after = cells["evaluate"](model, x, samples=1)
    assert sum(after) < sum(before)  # the negative ELBO went down
