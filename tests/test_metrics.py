"""The digit judge: its NumPy forward pass, its accuracy, and the scores it gives."""

from pathlib import Path

import numpy as np
import pytest

from course_lib import load_mnist_5k
from course_lib.data import DataIntegrityError
from course_lib.metrics import (
    DigitJudge,
    as_digit_batch,
    frechet_distance,
    load_judge,
    roc_auc,
    score_digits,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), (x_test, y_test) = load_mnist_5k(normalize=True)
    return x_train, y_train, x_test, y_test


def test_numpy_forward_matches_the_chapters_pytorch_model(digits):
    """The judge is the CNN chapter's classifier: same layers, same outputs, one mapping of the weights."""
    torch = pytest.importorskip("torch")
    from course_tools.notebook_cells import exec_tagged_cells

    build_classifier = exec_tagged_cells(ROOT / "book" / "cnn" / "pytorch.ipynb", "model")["build_classifier"]
    torch.manual_seed(0)
    model = build_classifier().eval()
    shipped = load_judge()
    assert [tuple(v.shape) for v in model.state_dict().values()] == [
        shipped.weights[f"{layer}_{kind}"].shape for layer in ("conv1", "conv2", "fc1", "fc2") for kind in "wb"
    ], "the shipped judge's layers differ from the chapter's model"
    judge = DigitJudge.from_state_dict(model.state_dict())
    x = digits[2][:64]
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x[:, None])), dim=1).numpy()
    np.testing.assert_allclose(judge.predict_proba(x), expected, atol=1e-5)
    # And the shipped weights, loaded into the chapter's model, give the shipped judge's answers.
    model.load_state_dict(
        {
            key: torch.from_numpy(value)
            for key, value in zip(
                model.state_dict(),
                (shipped.weights[f"{layer}_{kind}"] for layer in ("conv1", "conv2", "fc1", "fc2") for kind in "wb"),
            )
        }
    )
    with torch.no_grad():
        expected = torch.softmax(model(torch.from_numpy(x[:, None])), dim=1).numpy()
    np.testing.assert_allclose(shipped.predict_proba(x), expected, atol=1e-5)


def test_judge_is_accurate_on_unseen_test_digits(digits):
    _, _, x_test, y_test = digits
    accuracy = (load_judge().predict_proba(x_test).argmax(1) == y_test).mean()
    assert accuracy >= 0.985
    assert accuracy == pytest.approx(float(load_judge().reference["test_accuracy"]), abs=1e-6)


def test_real_digits_score_near_the_floor(digits):
    x_train, _, _, _ = digits
    score = score_digits(x_train[1000:2000])
    assert score.classes_present == 10
    assert score.confidence > 0.95
    assert score.frechet_ratio < 2.0


def test_the_reference_set_scores_zero(digits):
    _, _, x_test, _ = digits
    assert score_digits(x_test).frechet == pytest.approx(0.0, abs=1e-6)


def test_noise_and_constant_images_score_far_away(digits):
    rng = np.random.default_rng(0)
    noise = score_digits(rng.random((500, 28, 28), dtype=np.float32))
    constant = score_digits(np.full((500, 28, 28), 0.5, dtype=np.float32))
    for bad in (noise, constant):
        assert bad.frechet_ratio > 20
        assert bad.classes_present <= 2


def test_a_collapsed_generator_loses_classes(digits):
    x_train, y_train, _, _ = digits
    ones = score_digits(x_train[y_train == 1][:300])
    assert ones.classes_present == 1
    assert ones.class_fractions[1] > 0.95
    assert ones.frechet_ratio > 10


def test_value_ranges_and_layouts_agree(digits):
    x = digits[2][:100]
    base = score_digits(x)
    assert score_digits(x * 2 - 1, value_range=(-1, 1)).frechet == pytest.approx(base.frechet, rel=1e-4)
    assert score_digits((x * 255).round().astype(np.uint8)).classes_present == base.classes_present
    assert score_digits(x.reshape(100, 784)).frechet == pytest.approx(base.frechet, rel=1e-6)
    assert score_digits(x[:, None]).frechet == pytest.approx(base.frechet, rel=1e-6)


@pytest.mark.parametrize("shape", [(10, 32, 32), (10, 3, 28, 28), (28, 28), (10, 28, 28, 3)])
def test_wrong_shapes_are_named(shape):
    with pytest.raises(ValueError, match=r"expected a batch of 28x28 grey digits.*got shape"):
        as_digit_batch(np.zeros(shape, dtype=np.float32))


def test_out_of_range_values_suggest_the_fix():
    with pytest.raises(ValueError, match=r"outside value_range \(0.0, 1.0\).*value_range=\(-1, 1\)"):
        as_digit_batch(np.full((5, 28, 28), -1.0))
    with pytest.raises(ValueError, match="outside value_range"):
        as_digit_batch(np.full((5, 28, 28), 255.0))


def test_nan_and_integer_inputs_are_rejected():
    bad = np.zeros((5, 28, 28))
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        as_digit_batch(bad)
    with pytest.raises(ValueError, match="dtype int64"):
        as_digit_batch(np.zeros((5, 28, 28), dtype=np.int64))


def test_too_few_samples():
    with pytest.raises(ValueError, match="at least 50 digits"):
        score_digits(np.zeros((10, 28, 28), dtype=np.float32))


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(200, 3))
    sigma = np.cov(a, rowvar=False)
    assert frechet_distance(np.zeros(3), sigma, np.zeros(3), sigma) == pytest.approx(0.0, abs=1e-9)
    # For diagonal covariances the distance is |dmu|^2 + sum (sqrt(s1) - sqrt(s2))^2.
    s1, s2 = np.diag([1.0, 4.0]), np.diag([9.0, 1.0])
    assert frechet_distance(np.zeros(2), s1, np.array([3.0, 0.0]), s2) == pytest.approx(9 + 4 + 1)


def test_corrupted_judge_file_is_reported(tmp_path):
    path = tmp_path / "judge.npz"
    path.write_bytes(b"garbage")
    with pytest.raises(DataIntegrityError, match="not a valid digit-judge file"):
        DigitJudge.load(path)
    with pytest.raises(DataIntegrityError, match="train_judge.py"):
        DigitJudge.load(tmp_path / "missing.npz")


def test_weights_with_wrong_keys():
    with pytest.raises(ValueError, match="judge weights must have keys"):
        DigitJudge({"conv1_w": np.zeros((32, 1, 3, 3))})


# --- roc_auc ---------------------------------------------------------------------------------


def test_roc_auc_hand_computed_case():
    # Positives score 0.35 and 0.8; negatives 0.1 and 0.4. Of the 4 positive-negative pairs,
    # 3 are ranked correctly (0.35 > 0.1, 0.8 > 0.1, 0.8 > 0.4), so the AUC is 3/4.
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    # Ties count one half: positives 2, 2; negatives 1, 2 -> pairs: 1, 1/2, 1, 1/2 -> 3/4.
    assert roc_auc([1, 2, 2, 2], [0, 0, 1, 1]) == 0.75


def test_roc_auc_extremes_and_invariance():
    rng = np.random.default_rng(0)
    labels = rng.random(500) < 0.3
    scores = rng.normal(size=500)
    assert roc_auc(labels.astype(float), labels) == 1.0
    assert roc_auc(-labels.astype(float), labels) == 0.0
    assert roc_auc(scores, labels) == pytest.approx(1.0 - roc_auc(-scores, labels))
    assert roc_auc(np.exp(scores), labels) == pytest.approx(roc_auc(scores, labels))  # only the order matters
    assert 0.4 < roc_auc(scores, labels) < 0.6  # random scores: about chance


def test_roc_auc_matches_brute_force_pair_count():
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 8, size=60).astype(float)  # many ties
    labels = rng.random(60) < 0.5
    pos, neg = scores[labels], scores[~labels]
    brute = np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg])
    assert roc_auc(scores, labels) == pytest.approx(brute)


@pytest.mark.parametrize(
    "scores, labels, message",
    [
        ([0.1, 0.2], [0, 1, 1], "same length"),
        ([[0.1, 0.2]], [[0, 1]], "1-D"),
        ([0.1, np.nan], [0, 1], "NaN"),
        ([0.1, 0.2], [0, 2], "0 or 1"),
        ([0.1, 0.2], [1, 1], "both positives and negatives"),
    ],
)
def test_roc_auc_rejects_bad_input(scores, labels, message):
    with pytest.raises(ValueError, match=message):
        roc_auc(scores, labels)
