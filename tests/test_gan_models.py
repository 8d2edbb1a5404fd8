"""The Keras and PyTorch GANs of book/gan are the same networks.

Both notebooks tag the cell that defines ``build_generator()`` and
``build_discriminator()`` with ``model``. These tests run only those cells
and compare the two implementations: hyperparameters, kinds of layer, output
shapes layer by layer on a dummy batch, and parameter counts.

Two differences between the frameworks are real and tested explicitly:

- Keras needs parameter-free *structural* layers (``Concatenate``,
  ``Reshape``, ``Dot``, ``Add``, ``InputLayer``) where PyTorch computes in
  ``forward`` (``torch.cat``, ``.view``, ``(a * b).sum(1)``, ``+``).
- Keras counts batch normalisation's running mean and variance as
  (non-trainable) weights; PyTorch keeps them as buffers, outside
  ``parameters()``. So Keras's ``count_params()`` is larger by exactly the
  size of those buffers, and the *trainable* counts are equal.
"""

from pathlib import Path

import numpy as np
import pytest
from parity import channels_last, torch_parameters

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
KERAS_NB = ROOT / "book" / "gan" / "keras.ipynb"
TORCH_NB = ROOT / "book" / "gan" / "pytorch.ipynb"
GENERATOR_PARAMETERS = 125_637
DISCRIMINATOR_PARAMETERS = 25_745
HYPERPARAMETERS = ("LATENT_DIM", "N_CLASSES", "EMBED_DIM", "G_CHANNELS", "D_CHANNELS")

# Keras layer class -> the PyTorch module class that plays the same role.
SAME_KIND = {
    "Embedding": "Embedding",
    "Dense": "Linear",
    "BatchNormalization": "BatchNorm",
    "ReLU": "ReLU",
    "UpSampling2D": "Upsample",
    "Conv2D": "Conv2d",
    "Activation": "Tanh",
    "LeakyReLU": "LeakyReLU",
    "Flatten": "Flatten",
}
STRUCTURAL = {"InputLayer", "Concatenate", "Reshape", "Dot", "Add"}


@pytest.fixture(scope="module")
def keras_ns():
    return exec_tagged_cells(KERAS_NB, "model")


@pytest.fixture(scope="module")
def torch_ns():
    return exec_tagged_cells(TORCH_NB, "model")


def torch_kind(module):
    name = type(module).__name__
    return "BatchNorm" if name.startswith("BatchNorm") else name


def keras_trace(model, inputs):
    """(kind, output shape without batch, trainable parameters) of each non-structural Keras layer, in order."""
    import keras

    layers = [layer for layer in model.layers if type(layer).__name__ not in STRUCTURAL]
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    outputs = probe(inputs, training=False)
    return [
        (
            SAME_KIND[type(layer).__name__],
            tuple(out.shape[1:]),
            sum(int(np.prod(w.shape)) for w in layer.trainable_weights),
        )
        for layer, out in zip(layers, outputs)
    ]


def torch_trace(model, *inputs):
    """(kind, output shape (channels last) without batch, parameters) of each leaf module, in call order."""
    import torch

    record, hooks = [], []
    for module in model.modules():
        if not list(module.children()):
            hooks.append(
                module.register_forward_hook(
                    lambda m, _, out: record.append(
                        (torch_kind(m), channels_last(tuple(out.shape[1:])), torch_parameters(m))
                    )
                )
            )
    with torch.no_grad():
        model.eval()(*inputs)
    for hook in hooks:
        hook.remove()
    return record


def split_embeddings(trace):
    """Embeddings feed a side branch; Keras and PyTorch may order them differently among the other layers."""
    return [t for t in trace if t[0] == "Embedding"], [t for t in trace if t[0] != "Embedding"]


def test_same_hyperparameters(keras_ns, torch_ns):
    for name in HYPERPARAMETERS:
        assert keras_ns[name] == torch_ns[name], f"{name}: Keras {keras_ns[name]} vs PyTorch {torch_ns[name]}"


def test_generator_layers_and_shapes(keras_ns, torch_ns):
    import tensorflow as tf
    import torch

    n, latent = 3, torch_ns["LATENT_DIM"]
    labels = np.array([0, 4, 9], dtype=np.int32)
    k = keras_trace(keras_ns["build_generator"](), [tf.zeros((n, latent)), tf.constant(labels)])
    t = torch_trace(torch_ns["build_generator"](), torch.zeros(n, latent), torch.from_numpy(labels).long())
    assert split_embeddings(k) == split_embeddings(t)
    assert k[-1][1] == t[-1][1] == (28, 28, 1)


def test_discriminator_layers_and_shapes(keras_ns, torch_ns):
    import tensorflow as tf
    import torch

    labels = np.array([0, 4, 9], dtype=np.int32)
    k = keras_trace(keras_ns["build_discriminator"](), [tf.zeros((3, 28, 28, 1)), tf.constant(labels)])
    t = torch_trace(torch_ns["build_discriminator"](), torch.zeros(3, 1, 28, 28), torch.from_numpy(labels).long())
    assert split_embeddings(k) == split_embeddings(t)


def test_parameter_counts_and_batchnorm_convention(keras_ns, torch_ns):
    g_keras, g_torch = keras_ns["build_generator"](), torch_ns["build_generator"]()
    d_keras, d_torch = keras_ns["build_discriminator"](), torch_ns["build_discriminator"]()
    trainable = sum(int(np.prod(w.shape)) for w in g_keras.trainable_weights)
    assert trainable == sum(p.numel() for p in g_torch.parameters()) == GENERATOR_PARAMETERS
    running_stats = sum(
        b.numel() for name, b in g_torch.named_buffers() if name.endswith(("running_mean", "running_var"))
    )
    assert running_stats == 2 * (32 * 7 * 7 + 16)
    assert g_keras.count_params() == GENERATOR_PARAMETERS + running_stats
    assert d_keras.count_params() == sum(p.numel() for p in d_torch.parameters()) == DISCRIMINATOR_PARAMETERS


def test_same_layer_settings(keras_ns, torch_ns):
    from torch import nn

    k_bn = [layer for layer in keras_ns["build_generator"]().layers if type(layer).__name__ == "BatchNormalization"]
    t_bn = [m for m in torch_ns["build_generator"]().modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert len(k_bn) == len(t_bn) == 2
    for k, t in zip(k_bn, t_bn):
        # Keras keeps `momentum` of the old average, PyTorch gives `momentum` to the new batch.
        assert k.momentum == pytest.approx(1 - t.momentum)
        assert k.epsilon == pytest.approx(t.eps)
    k_lrelu = [layer for layer in keras_ns["build_discriminator"]().layers if type(layer).__name__ == "LeakyReLU"]
    t_lrelu = [m for m in torch_ns["build_discriminator"]().modules() if isinstance(m, nn.LeakyReLU)]
    assert [layer.negative_slope for layer in k_lrelu] == pytest.approx([m.negative_slope for m in t_lrelu])
    k_conv = [layer for layer in keras_ns["build_discriminator"]().layers if type(layer).__name__ == "Conv2D"]
    t_conv = [m for m in torch_ns["build_discriminator"]().modules() if isinstance(m, nn.Conv2d)]
    assert [(layer.kernel_size, layer.strides) for layer in k_conv] == [(m.kernel_size, m.stride) for m in t_conv]


def test_generators_draw_in_tanh_range(keras_ns, torch_ns):
    import tensorflow as tf
    import torch

    z = np.random.default_rng(0).standard_normal((10, torch_ns["LATENT_DIM"])).astype(np.float32) * 3
    labels = np.arange(10, dtype=np.int32)
    images_k = keras_ns["build_generator"]()([tf.constant(z), tf.constant(labels)], training=False).numpy()
    with torch.no_grad():
        images_t = torch_ns["build_generator"]().eval()(torch.from_numpy(z), torch.from_numpy(labels).long()).numpy()
    for images in (images_k, images_t):
        assert np.all(np.abs(images) <= 1) and images.std() > 0


def test_same_initialisation_scheme(keras_ns, torch_ns):
    """PyTorch's defaults differ from Keras's (N(0, 1) embeddings above all); the notebook sets Keras's scheme."""
    import torch

    for builder in ("build_generator", "build_discriminator"):
        k_model, t_model = keras_ns[builder](), torch_ns[builder]()
        k_weights = {w.path: np.asarray(w) for w in k_model.trainable_weights}
        t_weights = {name: p.detach().numpy() for name, p in t_model.named_parameters()}
        for kind in ("embeddings", "bias"):
            k = [w for name, w in k_weights.items() if name.endswith(kind)]
            t = [
                w
                for name, w in t_weights.items()
                if name.endswith("embed.weight" if kind == "embeddings" else "bias")
                and "BatchNorm" not in type(t_model.get_submodule(name.rsplit(".", 1)[0])).__name__
            ]
            assert len(k) == len(t) > 0
            if kind == "bias":
                assert all(np.all(w == 0) for w in k + t)
            else:
                assert all(np.abs(w).max() <= 0.05 for w in k + t)
        # Glorot-uniform: weights within sqrt(6 / (fan_in + fan_out)), with a matching spread.
        t_conv = [m.weight for m in t_model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
        k_conv = [w for name, w in k_weights.items() if name.endswith("kernel")]
        assert len(t_conv) == len(k_conv)
        for t_w, k_w in zip(t_conv, k_conv):
            fan_in, fan_out = t_w.shape[1] * t_w[0, 0].numel(), t_w.shape[0] * t_w[0, 0].numel()
            limit = np.sqrt(6 / (fan_in + fan_out))
            assert np.abs(t_w.detach().numpy()).max() <= limit and np.abs(k_w).max() <= limit
            assert t_w.numel() == k_w.size
            if t_w.numel() > 1000:
                assert t_w.std().item() == pytest.approx(k_w.std(), rel=0.1)


def test_shipped_checkpoint_loads_and_draws_good_digits(torch_ns):
    """course_lib/data/gan_generator.npz (scripts/train_gan.py) fits the notebook's generator and passes the judge."""
    import torch

    from course_lib.data import bundled_path
    from course_lib.metrics import score_digits

    path = bundled_path("gan_generator.npz")  # checks the sha256
    assert path.stat().st_size < 2_000_000
    generator = torch_ns["build_generator"]()
    with np.load(path) as saved:
        assert all(saved[name].dtype in (np.float32, np.int64) for name in saved.files)
        generator.load_state_dict({name: torch.from_numpy(saved[name]) for name in saved.files})  # strict
    z = torch.randn(1000, torch_ns["LATENT_DIM"], generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        images = generator.eval()(z, torch.arange(1000) % torch_ns["N_CLASSES"]).numpy()
    score = score_digits(images, value_range=(-1, 1))
    assert score.classes_present == 10 and score.confidence >= 0.9 and score.frechet_ratio <= 5


def test_the_scripts_training_step_is_the_notebooks():
    # scripts/train_gan.py and the GAN experiments run these cells (tagged model and training).
    import torch

    cells = exec_tagged_cells(TORCH_NB, "model", "training")
    torch.manual_seed(0)
    generator, discriminator = cells["build_generator"](), cells["build_discriminator"]()

    def parameters():  # both networks have an `embed`: prefix the names
        networks = {"G": generator, "D": discriminator}
        return {f"{net}.{name}": p for net, m in networks.items() for name, p in m.named_parameters()}

    before = {name: p.detach().clone() for name, p in parameters().items()}
    optimizers = [torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.5, 0.999)) for m in (generator, discriminator)]
    real, labels = torch.rand(8, 1, 28, 28) * 2 - 1, torch.arange(8) % cells["N_CLASSES"]
    stats = cells["train_step"](generator, discriminator, *optimizers, real, labels)
    assert set(stats) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(value) for value in stats.values()) and 0 < stats["d_real"] < 1
    after = parameters()
    assert all(not torch.equal(before[name], after[name]) for name in before)  # both networks took a step

    ema = cells["build_generator"]()
    old = {name: p.detach().clone() for name, p in ema.named_parameters()}
    cells["update_ema"](ema, generator, 0.9)
    for name, p in ema.named_parameters():
        target = dict(generator.named_parameters())[name].detach()
        assert torch.allclose(p, 0.9 * old[name] + 0.1 * target, atol=1e-6)
    assert all(torch.equal(b_ema, b) for b_ema, b in zip(ema.buffers(), generator.buffers()))


def test_exec_tagged_cells_names_a_missing_tag():
    with pytest.raises(ValueError, match="no code cell tagged 'trainning'"):
        exec_tagged_cells(TORCH_NB, "model", "trainning")
