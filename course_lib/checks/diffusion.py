"""Checks for the exercises of the diffusion chapter (book/diffusion/pytorch.ipynb).

>>> import torch
>>> from course_lib.checks import diffusion as check
>>> def noisy_digits(x, noise, t):
...     t = t.view(-1, *([1] * (x.dim() - 1)))
...     return (1 - t) * noise + t * x
>>> result = check.q1(noisy_digits)
✔ Exercise 1 (noisy_digits): passed
  ✔ right for a batch of images with one time each, at t = 0, 1 and in between
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from course_lib.checks._core import Check, CheckResult

__all__ = ["q1", "q2", "q3"]


def _tensor_problem(got: Any, shape: tuple[int, ...]) -> str | None:
    """Why ``got`` is not a tensor of ``shape``, or None."""
    import torch

    if not isinstance(got, torch.Tensor):
        return f"it returned {type(got).__name__}, not a tensor"
    if tuple(got.shape) != shape:
        return f"it returned a tensor of shape {tuple(got.shape)}, expected {shape}"
    return None


# --- q1: the forward (noising) process -----------------------------------------------------------


def q1(noisy_digits: Callable[..., Any]) -> CheckResult:
    """Check ``noisy_digits(x, noise, t)``: ``(1 - t) * noise + t * x`` with one time per image."""
    import torch

    with Check("Exercise 1", "noisy_digits") as check:
        check.require(callable(noisy_digits), "pass your function itself, not its result")
        generator = torch.Generator().manual_seed(0)
        x = torch.rand(5, 1, 28, 28, generator=generator) * 2 - 1
        noise = torch.randn(5, 1, 28, 28, generator=generator)
        t = torch.tensor([0.0, 0.25, 0.5, 0.9, 1.0])
        try:
            got = noisy_digits(x.clone(), noise.clone(), t.clone())
        except RuntimeError as err:
            if isinstance(err, NotImplementedError):  # not written yet: reported as such by Check
                raise
            check.stop(
                f"it raised {err.__class__.__name__}: {err}",
                hint="t has one value per image, shape (N,): reshape it to (N, 1, 1, 1) so that it "
                "broadcasts over each image, for example t.view(-1, 1, 1, 1)",
            )
        problem = _tensor_problem(got, tuple(x.shape))
        check.require(problem is None, problem or "", hint="return one noisy image per input image")
        tt = t.view(-1, 1, 1, 1)
        want = (1 - tt) * noise + tt * x
        if torch.allclose(got, want, atol=1e-6):
            check.ok("right for a batch of images with one time each, at t = 0, 1 and in between")
            return check.result
        if torch.allclose(got, tt * noise + (1 - tt) * x, atol=1e-6):
            check.stop(
                "noise and image are swapped: at t = 0 it returns the image",
                hint="in this chapter time runs from noise (t = 0) to data (t = 1)",
            )
        if torch.allclose(got, torch.sqrt(1 - tt) * noise + torch.sqrt(tt) * x, atol=1e-6):
            check.stop(
                "this is a variance-preserving (DDPM-style) mixture with square roots",
                hint="flow matching mixes linearly: (1 - t) * noise + t * x",
            )
        check.require(
            torch.allclose(got[0], noise[0], atol=1e-6),
            "at t = 0 it does not return the noise",
            hint="at t = 0 nothing of the image is left: (1 - 0) * noise + 0 * x",
        )
        check.require(
            torch.allclose(got[-1], x[-1], atol=1e-6),
            "at t = 1 it does not return the image",
            hint="at t = 1 the noise is gone: (1 - 1) * noise + 1 * x",
        )
        check.stop(
            "between t = 0 and t = 1 the values are wrong",
            hint="each image n gets its own time t[n]: (1 - t[n]) * noise[n] + t[n] * x[n]",
        )
    return check.result


# --- q2: classifier-free guidance ----------------------------------------------------------------


def q2(guided_velocity: Callable[..., Any]) -> CheckResult:
    """Check ``guided_velocity(v_cond, v_uncond, guidance)``: ``v_uncond + guidance * (v_cond - v_uncond)``."""
    import torch

    with Check("Exercise 2", "guided_velocity") as check:
        check.require(callable(guided_velocity), "pass your function itself, not its result")
        generator = torch.Generator().manual_seed(1)
        v_cond, v_uncond = torch.randn(2, 3, 1, 28, 28, generator=generator)
        results = {}
        for guidance in (0.0, 1.0, 3.0):
            got = guided_velocity(v_cond.clone(), v_uncond.clone(), guidance)
            problem = _tensor_problem(got, tuple(v_cond.shape))
            check.require(problem is None, problem or "", hint="return one velocity per image")
            results[guidance] = got
        if torch.allclose(results[1.0], v_cond + (v_cond - v_uncond), atol=1e-5):
            check.stop(
                "with guidance 1 it extrapolates beyond the conditional velocity",
                hint="in this chapter's convention guidance 1 is the plain conditional model: "
                "v_uncond + guidance * (v_cond - v_uncond)",
            )
        check.expect(
            torch.allclose(results[0.0], v_uncond, atol=1e-5),
            "guidance 0 gives the unconditional velocity",
            "with guidance 0 it should return v_uncond (the label is ignored)",
            hint="v_uncond + guidance * (v_cond - v_uncond)",
        )
        check.expect(
            torch.allclose(results[1.0], v_cond, atol=1e-5),
            "guidance 1 gives the conditional velocity",
            "with guidance 1 it should return v_cond",
            hint="v_uncond + guidance * (v_cond - v_uncond)",
        )
        check.expect(
            torch.allclose(results[3.0], v_uncond + 3 * (v_cond - v_uncond), atol=1e-5),
            "guidance 3 moves three times as far from the unconditional velocity",
            "with guidance 3 the result is wrong",
            hint="v_uncond + guidance * (v_cond - v_uncond)",
        )
    return check.result


# --- q3: the Euler sampler -----------------------------------------------------------------------


def q3(euler_sample: Callable[..., Any]) -> CheckResult:
    """Check ``euler_sample(velocity, x, steps)``: Euler steps of dx/dt = velocity(x, t) from t = 0 to 1."""
    import torch

    with Check("Exercise 3", "euler_sample") as check:
        check.require(callable(euler_sample), "pass your function itself, not its result")
        generator = torch.Generator().manual_seed(2)
        start = torch.randn(4, 1, 28, 28, generator=generator)
        target = torch.rand(4, 1, 28, 28, generator=generator) * 2 - 1
        times: list[torch.Tensor] = []

        def recorded(velocity: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
            def call(x: Any, t: Any) -> Any:
                check.require(
                    isinstance(t, torch.Tensor) and tuple(t.shape) == (len(x),),
                    f"velocity was called with t = {t!r}; it takes one time per image, a tensor of shape (N,)",
                    hint="t = torch.full((len(x),), i / steps)",
                )
                times.append(t[0].item())
                return velocity(x, t)

            return call

        # dx/dt = x: Euler gives x0 * (1 + 1/steps) ** steps, not e * x0.
        got = euler_sample(recorded(lambda x, t: x), start.clone(), 4)
        problem = _tensor_problem(got, tuple(start.shape))
        check.require(problem is None, problem or "", hint="return the images after the last step")
        check.require(
            len(times) == 4,
            f"velocity was called {len(times)} times for steps=4",
            hint="one call of velocity per step",
        )
        if times != [0.0, 0.25, 0.5, 0.75]:
            check.stop(
                f"velocity was called at the times {[round(t, 3) for t in times]}, expected [0, 0.25, 0.5, 0.75]",
                hint="step i starts at t = i / steps, for i = 0 ... steps - 1 (never at t = 1)",
            )
        want = start * (1 + 1 / 4) ** 4
        check.require(
            torch.allclose(got, want, rtol=1e-5),
            "for dx/dt = x and 4 steps the result is wrong",
            hint="each step is x = x + velocity(x, t) / steps",
        )
        check.ok("right step size and times on dx/dt = x")
        # The flow towards one data point is straight: Euler lands on it, even in one step.
        times.clear()
        straight = recorded(lambda x, t: (target - x) / (1 - t.view(-1, 1, 1, 1)))
        for steps in (1, 3):
            got = euler_sample(straight, start.clone(), steps)
            check.require(
                torch.allclose(got, target, atol=1e-4),
                f"with steps={steps}, the straight flow towards one image does not end on that image",
                hint="x = x + velocity(x, t) / steps, with t = i / steps",
            )
        check.ok("a straight flow ends on its target in 1 and in 3 steps")
    return check.result
