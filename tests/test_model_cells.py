"""Every notebook's ``model`` cells define its models and nothing else.

Chapters tag the cells that define a model with ``model`` so that the unit
tests (``tests/test_*_models.py``) can build the Keras and PyTorch versions
side by side without running the notebook. That only works if those cells
run on their own and load no data. This test runs them for every notebook
that has them and checks both, and it fails when a notebook gains ``model``
cells without being listed here (so its builders get checked too).
"""

import json
import types
from pathlib import Path

import numpy as np
import pytest

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
VAE_PARTS = ("build_encoder", "build_decoder", "reparameterize", "kl_divergence", "reconstruction_nll", "VAE")

# notebook (both frameworks where a chapter has two) -> what its model cells must define
MODEL_CELLS = {
    "feedforward/{framework}": ("build_mlp", "build_label_to_image"),
    "cnn/{framework}": ("build_classifier",),
    "rnn/{framework}": ("build_recurrent_classifier",),
    "text/{framework}": ("build_char_model",),
    "music/{framework}": ("build_melody_model",),
    "timeseries/{framework}": ("build_forecaster",),
    "gan/{framework}": ("build_generator", "build_discriminator"),
    "gan/failure_modes": ("build_generator", "build_discriminator"),
    "vae/{framework}": VAE_PARTS,
    "vae/applications": (*VAE_PARTS, "build_classifier"),
    "vae/gan_vs_vae": (*VAE_PARTS, "Generator"),
    "diffusion/pytorch": ("time_features", "ResidualBlock", "UNet"),
    "cnn_vs_rnn/measured": ("build_model", "build_keras_model"),
    "super_resolution/super_resolution": ("build_espcn", "build_espcn_keras"),
    "style_transfer/style_transfer": (
        "RandomFeatures",
        "gram_matrix",
        "style_loss",
        "content_loss",
        "build_random_features_keras",
        "keras_gram_matrix",
        "keras_style_loss",
        "copy_torch_filters",
    ),
    "hybrid/next_frame": ("build_frame_predictor", "build_keras_frame_predictor", "move_frames", "keras_move_frames"),
}
NOTEBOOKS = {
    f"book/{pattern.format(framework=framework)}.ipynb": names
    for pattern, names in MODEL_CELLS.items()
    for framework in (("keras", "pytorch") if "{framework}" in pattern else ("",))
}


def looks_like_data(value) -> bool:
    """True for arrays, tensors, strings and lists big enough to be a dataset rather than a constant."""
    if isinstance(value, (types.ModuleType, type, types.FunctionType)):
        return False
    if isinstance(value, (str, bytes, list, tuple)):
        return len(value) > 64
    shape = getattr(value, "shape", None)
    return shape is not None and int(np.prod(tuple(shape))) > 64


def test_every_notebook_with_model_cells_is_listed():
    tagged = {
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "book").rglob("*.ipynb"))
        if any(
            "model" in cell.get("metadata", {}).get("tags", [])
            for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
        )
    }
    assert tagged == set(NOTEBOOKS), (
        f"not listed in MODEL_CELLS: {sorted(tagged - set(NOTEBOOKS))}; "
        f"listed but without model cells: {sorted(set(NOTEBOOKS) - tagged)}"
    )


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS))
def test_model_cells_define_the_models_and_load_no_data(notebook):
    namespace = exec_tagged_cells(ROOT / notebook, "model")
    missing = [name for name in NOTEBOOKS[notebook] if not callable(namespace.get(name))]
    assert not missing, f"{notebook}: the model cells do not define {missing}"
    data = sorted(name for name, value in namespace.items() if not name.startswith("__") and looks_like_data(value))
    assert not data, f"{notebook}: the model cells should not load data, found {data}"


def test_looks_like_data_tells_data_from_constants():
    assert looks_like_data(np.zeros((100, 28)))
    assert looks_like_data("x" * 1000)
    assert looks_like_data(list(range(100)))
    assert not looks_like_data(np.arange(8))
    assert not looks_like_data("cpu")
    assert not looks_like_data(np.ndarray)
