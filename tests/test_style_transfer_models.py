"""The Keras and PyTorch feature networks of book/style_transfer are the same, and the VGG19 path stays offline.

The notebook tags the cells that define the random feature network, the Gram
matrix and the losses with ``model`` (PyTorch, then Keras), and the optional
pretrained-VGG19 cell with ``vgg``. These tests run only those cells: same
feature shapes and weight counts in both frameworks, the same Gram matrices
once the PyTorch filters are copied into Keras, the properties of a Gram
matrix the notebook relies on, and a VGG19 cell that, offline or not opted in,
prints one line and never touches the network.
"""

import contextlib
import io
import socket
from pathlib import Path

import numpy as np
import pytest

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells, tagged_cell_sources

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "style_transfer" / "style_transfer.ipynb"
SIZES, FILTERS = (3, 5, 7, 11), 32


@pytest.fixture(scope="module")
def cells():
    return exec_tagged_cells(NOTEBOOK, "model")


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.uniform(size=(2, 24, 24, 3)).astype(np.float32)  # channels-last, in [0, 1]


def to_torch(images):
    import torch

    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()


def test_same_shapes_and_weight_counts(cells, images):
    import torch

    torch_net = cells["RandomFeatures"]()
    keras_net = cells["build_random_features_keras"]()
    with torch.no_grad():
        torch_features = torch_net(to_torch(images))
    keras_features = keras_net(images)
    assert len(torch_features) == len(keras_features) == len(SIZES)
    for t, k in zip(torch_features, keras_features):
        assert tuple(t.shape) == (2, FILTERS, 24, 24)
        assert tuple(k.shape) == (2, 24, 24, FILTERS)  # channels-last
    expected = FILTERS * 3 * sum(size * size for size in SIZES)
    assert expected == 19_584
    assert sum(p.numel() for p in torch_net.parameters()) == keras_net.count_params() == expected
    assert not any(p.requires_grad for p in torch_net.parameters()), "the random filters must stay fixed"
    assert not keras_net.trainable_weights, "the random filters must stay fixed"


def test_filters_have_unit_length_in_both_frameworks(cells):
    torch_net = cells["RandomFeatures"]()
    for conv in torch_net.convs:
        norms = conv.weight.detach().flatten(1).norm(dim=1).numpy()
        assert np.allclose(norms, 1.0, atol=1e-5)
    keras_net = cells["build_random_features_keras"]()
    kernels = [w for w in keras_net.get_weights()]
    for kernel in kernels:
        assert np.allclose(np.linalg.norm(kernel.reshape(-1, FILTERS), axis=0), 1.0, atol=1e-5)


def test_copied_filters_give_the_same_gram_matrices(cells, images):
    import torch

    torch_net = cells["RandomFeatures"](seed=3)
    keras_net = cells["build_random_features_keras"]()
    cells["copy_torch_filters"](torch_net, keras_net)
    with torch.no_grad():
        torch_grams = [cells["gram_matrix"](f).numpy() for f in torch_net(to_torch(images))]
    keras_grams = [np.asarray(cells["keras_gram_matrix"](f)) for f in keras_net(images)]
    for t, k in zip(torch_grams, keras_grams):
        assert t.shape == k.shape == (2, FILTERS, FILTERS)
        np.testing.assert_allclose(k, t, rtol=1e-4, atol=1e-4 * np.abs(t).max())

    # ... and the same style loss against a target.
    with torch.no_grad():
        torch_loss = float(
            cells["style_loss"](torch_net(to_torch(images[:1])), [torch.from_numpy(g[1:]) for g in torch_grams])
        )
    keras_loss = float(cells["keras_style_loss"](keras_net(images[:1]), [g[1:] for g in keras_grams]))
    assert torch_loss > 0.01
    assert keras_loss == pytest.approx(torch_loss, rel=1e-4)


def test_gram_matrix_properties(cells):
    import torch

    gram = cells["gram_matrix"]
    features = torch.relu(torch.randn(1, 8, 10, 12, generator=torch.Generator().manual_seed(0)))
    G = gram(features)[0].double()
    assert G.shape == (8, 8)
    assert torch.allclose(G, G.T)  # symmetric
    assert torch.linalg.eigvalsh(G).min() > -1e-10  # positive semi-definite
    assert torch.allclose(gram(3.0 * features), 9.0 * gram(features), rtol=1e-5)  # quadratic in the features
    # An average over positions: shuffling positions, or repeating the image, changes nothing.
    shuffled = features.flatten(2)[..., torch.randperm(120, generator=torch.Generator().manual_seed(1))].reshape(
        1, 8, 10, 12
    )
    assert torch.allclose(gram(shuffled), gram(features), rtol=1e-5, atol=1e-6)
    assert torch.allclose(gram(features.repeat(1, 1, 2, 3)), gram(features), rtol=1e-5, atol=1e-6)
    # Matches the definition G_ij = (1 / HW) sum_p F_ip F_jp.
    flat = features[0].reshape(8, -1)
    assert torch.allclose(gram(features)[0], flat @ flat.T / 120, rtol=1e-5)


def test_losses_vanish_at_their_targets_and_not_elsewhere(cells):
    import torch
    import torch.nn.functional as F

    net = cells["RandomFeatures"]()
    generator = torch.Generator().manual_seed(0)
    image, other = torch.rand(1, 3, 32, 32, generator=generator), torch.rand(1, 3, 32, 32, generator=generator) ** 2
    with torch.no_grad():
        features, other_features = net(image), net(other)
        grams = [cells["gram_matrix"](f) for f in features]
        target = F.avg_pool2d(features[-1], 4)
        assert float(cells["style_loss"](features, grams)) == 0.0
        assert float(cells["content_loss"](features[-1], target)) == 0.0
        assert float(cells["style_loss"](other_features, grams)) > 0.01
        assert float(cells["content_loss"](other_features[-1], target)) > 0.01


def run_vgg_cell(monkeypatch, environment):
    """Execute the notebook's ``vgg`` cell with the given environment and any connection attempt refused."""
    for name in ("COURSE_OFFLINE", "COURSE_USE_VGG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    def refuse(*args, **kwargs):
        raise AssertionError("the VGG19 cell tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        namespace = exec_tagged_cells(NOTEBOOK, "vgg")
    return namespace, output.getvalue()


@pytest.mark.parametrize(
    ("environment", "reason"),
    [
        ({"COURSE_OFFLINE": "1"}, "USE_VGG is False"),
        ({"COURSE_OFFLINE": "1", "COURSE_USE_VGG": "1"}, "COURSE_OFFLINE=1"),
        ({}, "USE_VGG is False"),
    ],
)
def test_vgg_path_skips_with_one_line(monkeypatch, environment, reason):
    namespace, printed = run_vgg_cell(monkeypatch, environment)
    lines = printed.strip().splitlines()
    assert len(lines) == 1, printed
    assert lines[0].startswith("Skipped the pretrained VGG19 path:") and reason in lines[0]
    assert "USE_VGG = True" in lines[0] and "COURSE_USE_VGG=1" in lines[0], "the message must say how to enable it"
    assert "vgg_result" not in namespace and "vgg_extractor" not in namespace


def test_vgg_path_reports_a_failed_download_in_one_line(monkeypatch):
    # Opted in and online, but the weights cannot be fetched: one line, no traceback. Keras's downloader is
    # replaced by one that fails, so the test neither uses a cached copy nor reaches the network.
    def failing_get_file(*args, **kwargs):
        raise OSError("URL fetch failure: no network in this test\nsecond line")

    monkeypatch.setattr("keras.src.utils.file_utils.get_file", failing_get_file)
    namespace, printed = run_vgg_cell(monkeypatch, {"COURSE_USE_VGG": "1"})
    lines = printed.strip().splitlines()
    assert len(lines) == 1 and "loading its ImageNet weights failed (OSError: URL fetch failure" in lines[0], printed
    assert "vgg_result" not in namespace


def test_vgg_transfer_code_runs_with_untrained_weights():
    # The opted-in path's transfer function, on a VGG19 without pretrained weights (no download), tiny images.
    cell = tagged_cell_sources(NOTEBOOK, "vgg")[0]
    definitions = cell.split("\nif not USE_VGG:")[0]  # the functions, not the decision
    namespace: dict = {}
    exec(compile(definitions, "vgg cell", "exec"), namespace)  # noqa: S102
    extractor = namespace["load_vgg19_features"](weights=None)
    rng = np.random.default_rng(0)
    content, style = rng.uniform(size=(32, 32, 3)).astype(np.float32), rng.uniform(size=(32, 32, 3)).astype(np.float32)
    result = namespace["vgg19_style_transfer"](extractor, content, style, evaluations=3)
    assert result.shape == (32, 32, 3) and result.dtype == np.float32
    assert np.isfinite(result).all() and result.min() >= 0.0 and result.max() <= 1.0
