import pytest

from course_lib.device import describe_environment, torch_device
from course_lib.profiles import choose, current_profile


def test_default_profile_is_cpu(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert current_profile() == "cpu"
    assert choose(cpu=1, gpu=2) == 1


def test_profile_from_environment_and_argument(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "GPU")
    assert choose(cpu=1, gpu=2) == 2
    assert choose(cpu=1, gpu=2, profile="cpu") == 1


def test_auto_profile_follows_cuda(monkeypatch):
    import course_lib.device

    monkeypatch.setattr(course_lib.device, "cuda_available", lambda: False)
    assert current_profile("auto") == "cpu"
    monkeypatch.setattr(course_lib.device, "cuda_available", lambda: True)
    assert current_profile("auto") == "gpu"


def test_unknown_profile_names_the_source(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "tpu")
    with pytest.raises(ValueError, match=r"unknown profile 'tpu' \(from \$COURSE_PROFILE\)"):
        current_profile()
    with pytest.raises(ValueError, match="the argument"):
        choose(cpu=1, gpu=2, profile="big")


def test_torch_device(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    assert torch_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else None
    if expected:
        assert torch_device().type == "cuda"
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        torch_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="cannot see one"):
            torch_device("cuda")


def test_describe_environment_reports_versions():
    env = describe_environment()
    assert env["python"].startswith("3.")
    assert env["course_lib"] != "not installed"
    assert describe_environment(frameworks=("no-such-package",))["no-such-package"] == "not installed"


def test_describe_environment_finds_tensorflow_under_any_distribution_name():
    # The course installs tensorflow-cpu on Linux; it must still be reported as tensorflow.
    pytest.importorskip("tensorflow")
    assert describe_environment()["tensorflow"].startswith("2.")
