"""The diffusion notebook's U-Net, loss and sampler, run from its tagged cells (book/diffusion/pytorch.ipynb).

The notebook trains for a minute and asserts the judge's verdict; these
tests check the pieces on their own, in seconds: shapes and parameter count,
that time and label reach the output, the loss's target, the sampler's
Euler steps and guidance, and that a few training steps lower the loss.
"""

from pathlib import Path

import pytest
import torch

import course_lib
from course_tools.notebook_cells import exec_tagged_cells

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "diffusion" / "pytorch.ipynb"


@pytest.fixture(scope="module")
def nb():
    return exec_tagged_cells(NOTEBOOK, "model", "training")


def test_unet_maps_images_to_images_and_sees_time_and_label(nb):
    course_lib.set_seed(0)
    model = nb["UNet"]().eval()
    assert sum(p.numel() for p in model.parameters()) < 100_000  # small enough for a CPU
    x = torch.randn(4, 1, 28, 28)
    t, labels = torch.full((4,), 0.5), torch.tensor([0, 1, 2, nb["N_CLASSES"]])
    with torch.no_grad():
        out = model(x, t, labels)
        assert out.shape == x.shape
        assert not torch.allclose(out, model(x, torch.full((4,), 0.9), labels), atol=1e-4)  # time matters
        assert not torch.allclose(out, model(x, t, torch.tensor([5, 6, 7, 8])), atol=1e-4)  # label matters


def test_time_features_are_bounded_and_distinct(nb):
    features = nb["time_features"](torch.linspace(0, 1, 11))
    assert features.shape == (11, nb["CHANNELS"])
    assert features.abs().max() <= 1
    assert torch.cdist(features, features).fill_diagonal_(1).min() > 0.1  # every time gets its own code


def test_noisy_images_go_from_noise_to_data(nb):
    x1, x0 = torch.rand(3, 1, 28, 28), torch.randn(3, 1, 28, 28)
    out = nb["noisy_images"](x1, x0, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.allclose(out[0], x0[0]) and torch.allclose(out[2], x1[2])
    assert torch.allclose(out[1], (x0[1] + x1[1]) / 2)


def test_the_loss_is_zero_for_the_exact_velocity(nb, monkeypatch):
    # A "model" that returns x1 - x0 exactly has zero loss: the target is the velocity, not the noise.
    course_lib.set_seed(0)
    x1 = torch.rand(8, 1, 28, 28) * 2 - 1
    seen = {}

    def oracle(x_t, t, labels):
        seen["labels"] = labels
        x0 = (x_t - t.view(-1, 1, 1, 1) * x1) / (1 - t.view(-1, 1, 1, 1))
        return x1 - x0

    loss = nb["flow_matching_loss"](oracle, x1, torch.arange(8) % 10)
    assert loss.item() < 1e-8

    # With label dropout, some labels become "no label" and the rest stay.
    def recorder(x_t, t, labels):
        seen["labels"] = labels
        return torch.zeros_like(x_t)

    course_lib.set_seed(0)
    nb["flow_matching_loss"](recorder, x1.repeat(50, 1, 1, 1), torch.zeros(400, dtype=torch.long))
    dropped = (seen["labels"] == nb["N_CLASSES"]).float().mean().item()
    assert abs(dropped - nb["LABEL_DROPOUT"]) < 0.05


class ConstantVelocity(torch.nn.Module):
    """A stand-in model: velocity +1 with a label, -1 without one."""

    def __init__(self, n_classes):
        super().__init__()
        self.n_classes = n_classes
        self.calls = 0

    def forward(self, x, t, labels):
        self.calls += 1
        sign = torch.where(labels == self.n_classes, -1.0, 1.0).view(-1, 1, 1, 1)
        return torch.zeros_like(x) + sign * 0.1


def test_sampler_takes_euler_steps_with_guidance(nb):
    labels = torch.arange(300) % 10
    stand_in = ConstantVelocity(nb["N_CLASSES"])
    plain = nb["sample"](stand_in, labels, steps=4, guidance=0.0, seed=1)
    guided = nb["sample"](stand_in, labels, steps=4, guidance=2.0, seed=1)
    start = torch.randn(300, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    # Over t from 0 to 1 the constant velocity v moves x by v: -0.1 unguided, -0.1 + 2 * 0.2 guided.
    assert torch.allclose(plain, (start - 0.1).clamp(-1, 1), atol=1e-5)
    assert torch.allclose(guided, (start + 0.3).clamp(-1, 1), atol=1e-5)
    assert stand_in.calls == 2 * 4 * 2  # two chunks of at most 250 digits, one batched call per step, two runs


def test_a_few_training_steps_lower_the_loss(nb):
    course_lib.set_seed(0)
    (x_train, y_train), _ = course_lib.load_mnist_5k(normalize=True)
    x = torch.from_numpy(x_train[:256] * 2 - 1).unsqueeze(1)
    y = torch.from_numpy(y_train[:256]).long()
    model = nb["UNet"]()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

    def mean_loss():
        course_lib.set_seed(1)
        with torch.no_grad():
            return sum(nb["flow_matching_loss"](model, x, y).item() for _ in range(3)) / 3

    before = mean_loss()
    for _ in range(40):
        idx = torch.randint(0, len(x), (64,))
        loss = nb["flow_matching_loss"](model, x[idx], y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert mean_loss() < 0.7 * before
