"""One contract suite over every guidance law (amdsim.interceptors.guidance.LAWS)."""

from __future__ import annotations

import numpy as np
import pytest

from amdsim.interceptors import _homing_kernel as hk
from amdsim.interceptors.guidance import LAWS, AugmentedPN, TruePN, los_rate


class _KernelLaw:
    """The flyout kernel's scalar form of a law (``_homing_kernel.command``), row by row."""

    def __init__(self, name: str) -> None:
        self.code = hk.LAW_CODES[name]

    def command(self, r, v, vm, at, n):  # type: ignore[no-untyped-def]
        out = np.empty((len(r), 3))
        for i in range(len(r)):
            out[i] = hk.command(self.code, *r[i], *v[i], *vm[i], *at[i], n[i])
        return out


LAW_ITEMS = sorted(LAWS.items()) + [(f"kernel-{k}", _KernelLaw(k)) for k in sorted(LAWS)]


def _case(n: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    r = rng.normal(size=(n, 3)) * 5000.0
    v = rng.normal(size=(n, 3)) * 500.0
    vm = rng.normal(size=(n, 3)) * 800.0
    at = rng.normal(size=(n, 3)) * 20.0
    return r, v, vm, at, np.full(n, 4.0)


@pytest.mark.parametrize(("name", "law"), LAW_ITEMS)
@pytest.mark.parametrize("n", [0, 1, 17])
def test_shape_and_finite(name: str, law, n: int) -> None:
    out = law.command(*_case(n))
    assert out.shape == (n, 3)
    assert np.isfinite(out).all()


@pytest.mark.parametrize(("name", "law"), LAW_ITEMS)
def test_singular_geometries_give_finite_commands(name: str, law) -> None:
    """Zero range, zero relative velocity, zero own speed: never NaN (a logged miss upstream)."""
    r = np.array([[0.0, 0.0, 0.0], [1000.0, 0.0, 0.0], [1000.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    v = np.array([[-100.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-300.0, 50.0, 0.0], [0.0, 0.0, 0.0]])
    vm = np.array([[300.0, 0.0, 0.0], [300.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    with np.errstate(all="raise"):
        out = law.command(r, v, vm, np.zeros((4, 3)), np.full(4, 4.0))
    assert np.isfinite(out).all()


@pytest.mark.parametrize(("name", "law"), LAW_ITEMS)
def test_no_los_rate_no_command(name: str, law) -> None:
    """On a collision course (relative velocity along the LOS) with a non-accelerating target
    every PN law commands nothing."""
    r = np.array([[3000.0, 4000.0, 1000.0]])
    out = law.command(
        r, -0.2 * r, np.array([[500.0, 600.0, 100.0]]), np.zeros((1, 3)), np.array([4.0])
    )
    np.testing.assert_allclose(out, 0.0, atol=1e-9)


@pytest.mark.parametrize(("name", "law"), LAW_ITEMS)
def test_rotation_equivariance(name: str, law) -> None:
    r, v, vm, at, n = _case(5, seed=3)
    q, _ = np.linalg.qr(np.random.default_rng(4).normal(size=(3, 3)))
    rot = q * np.sign(np.linalg.det(q))  # proper rotation
    a = law.command(r, v, vm, at, n) @ rot.T
    b = law.command(r @ rot.T, v @ rot.T, vm @ rot.T, at @ rot.T, n)
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("name", "law"), LAW_ITEMS)
def test_command_turns_toward_the_los_rotation(name: str, law) -> None:
    """The command has a positive component along Omega x r_hat (it nulls the LOS rate), is
    linear in the gain, and grows with the LOS rate."""
    r, v, vm, _, n = _case(50, seed=7)
    closing = np.einsum("ij,ij->i", r, v) < 0
    vm = np.where((np.einsum("ij,ij->i", vm, r) > 0)[:, None], vm, -vm)  # flying toward the target
    at = np.zeros_like(r)
    omega, _ = los_rate(r, v)
    rhat = r / np.linalg.norm(r, axis=1)[:, None]
    ref = np.cross(omega, rhat)
    a = law.command(r, v, vm, at, n)
    assert np.all(np.einsum("ij,ij->i", a, ref)[closing] > 0.0)
    np.testing.assert_allclose(law.command(r, v, vm, at, 2 * n), 2 * a, rtol=1e-12, atol=1e-12)


def test_augmented_pn_adds_half_gain_times_normal_target_accel() -> None:
    r, v, vm, at, n = _case(8, seed=9)
    rhat = r / np.linalg.norm(r, axis=1)[:, None]
    at_perp = at - np.einsum("ij,ij->i", at, rhat)[:, None] * rhat
    diff = AugmentedPN().command(r, v, vm, at, n) - TruePN().command(r, v, vm, at, n)
    np.testing.assert_allclose(diff, 0.5 * n[:, None] * at_perp, rtol=1e-12, atol=1e-9)


def test_true_pn_magnitude_is_n_vc_los_rate() -> None:
    """Zarchan's n_c = N' Vc lambda_dot in a plane (head-on target, 20 deg off the LOS)."""
    r = np.array([[10000.0, 0.0, 0.0]])
    v = np.array([[-4000.0, 1000.0, 0.0]])
    out = TruePN().command(r, v, np.zeros((1, 3)), np.zeros((1, 3)), np.array([4.0]))
    lam_dot = 1000.0 / 10000.0
    np.testing.assert_allclose(out, [[0.0, 4.0 * 4000.0 * lam_dot, 0.0]], rtol=1e-12)


@pytest.mark.parametrize("name", sorted(LAWS))
def test_kernel_form_equals_the_law(name: str) -> None:
    """The flyout kernel flies the same law as the NumPy reference (to rounding)."""
    r, v, vm, at, n = _case(300, seed=5)
    r[0], v[1], vm[2], r[3], v[3] = 0.0, 0.0, 0.0, 0.0, 0.0  # singular geometries
    np.testing.assert_allclose(
        _KernelLaw(name).command(r, v, vm, at, n),
        LAWS[name].command(r, v, vm, at, n),
        rtol=1e-12,
        atol=1e-12,
    )
