"""Closeness and mismatch messages, in the words of ``torch.testing.assert_close``."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .i18n import tr

# Machine epsilon of the dtype the answer is judged in. float64 answers are judged at float32's
# tolerance, so an attempt may compute in float32 inside.
_EPS = {
    torch.float16: 2.0**-10,
    torch.bfloat16: 2.0**-7,
    torch.float32: 2.0**-23,
    torch.float64: 2.0**-23,
}


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def scaled(self, factor: float) -> "Tolerance":
        return Tolerance(self.rtol * factor, self.atol * factor)


def tolerance(dtype: torch.dtype, magnitude: float = 1.0) -> Tolerance:
    """The tolerance for an answer in ``dtype`` whose inputs sit ``magnitude`` away from 0.

    float32: torch.testing's defaults. float16/bfloat16: 8 ulps, because a correct attempt may
    compute in the low precision itself, where each step rounds. Large inputs: rounding an
    input of size M moves a correct answer by about eps * M (exp(x - logsumexp(x)) at 1e4 is
    ~1e-3 off in float32), so the tolerance grows with it and no correct style is rejected.
    """
    eps = _EPS.get(dtype, _EPS[torch.float32])
    base = Tolerance(1.3e-6, 1e-5) if eps == _EPS[torch.float32] else Tolerance(8 * eps, 8 * eps)
    if magnitude <= 1:
        return base
    grown = 16 * eps * magnitude
    return Tolerance(max(base.rtol, grown), max(base.atol, grown))


EXACT = Tolerance(0.0, 0.0)


def _for(want: torch.Tensor, tol: Tolerance) -> Tolerance:
    """Integers and booleans (token ids, kept indices, masks) are right or wrong: no tolerance,
    whatever the case's magnitude."""
    return tol if want.is_floating_point() or want.is_complex() else EXACT


def is_close(got: torch.Tensor, want: torch.Tensor, tol: Tolerance,
             equal_nan: bool = False) -> bool:
    tol = _for(want, tol)
    return got.shape == want.shape and bool(
        torch.isclose(got.double(), want.double(), tol.rtol, tol.atol, equal_nan).all()
    )


def _index(flat: int, shape: torch.Size) -> tuple[int, ...]:
    idx = []
    for size in reversed(shape):
        idx.append(flat % size)
        flat //= size
    return tuple(reversed(idx))


def _fmt(i: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, i)) + (",)" if len(i) == 1 else ")")


def mismatch(got: torch.Tensor, want: torch.Tensor, tol: Tolerance, worst: int = 3,
             header: str | None = None) -> str | None:
    """None when ``got`` is close to ``want``; else a report of how far and where."""
    if got.shape != want.shape:
        return tr("expected shape {want}, got {got}", "形状应为 {want}，实际为 {got}",
                  want=tuple(want.shape), got=tuple(got.shape))
    tol = _for(want, tol)
    g, w = got.double().reshape(-1), want.double().reshape(-1)
    bad = ~torch.isclose(g, w, tol.rtol, tol.atol)
    n_bad = int(bad.sum())
    if n_bad == 0:
        return None
    shape = want.shape if want.dim() else torch.Size([1])
    lines = [tr("Mismatched elements: {bad} / {n} ({pct:.1f}%)", "不一致的元素：{bad} / {n}（{pct:.1f}%）",
                bad=n_bad, n=g.numel(), pct=100 * n_bad / g.numel())]
    finite = g.isfinite() & w.isfinite()
    if (finite & bad).any():  # nan/inf answers are counted below, not as a difference
        diff = torch.where(finite, (g - w).abs(), 0.0)
        rel = torch.where(finite & (w != 0), diff / w.abs(), 0.0)
        rel = torch.where(finite & (w == 0) & (diff > 0), float("inf"), rel)
        i_abs, i_rel = int(diff.argmax()), int(rel.argmax())
        at_abs, at_rel = _fmt(_index(i_abs, shape)), _fmt(_index(i_rel, shape))
        if tol == EXACT:  # indices or counts: a relative difference would mean nothing
            lines.append(tr("Greatest difference: {d:.4g} at index {i} (must be equal)",
                            "最大差值：{d:.4g}，位于下标 {i}（必须完全相等）",
                            d=diff[i_abs].item(), i=at_abs))
        else:
            lines += [
                tr("Greatest absolute difference: {d:.4g} at index {i} (up to {tol:.2g} allowed)",
                   "最大绝对误差：{d:.4g}，位于下标 {i}（允许 {tol:.2g}）",
                   d=diff[i_abs].item(), i=at_abs, tol=tol.atol),
                tr("Greatest relative difference: {d:.4g} at index {i} (up to {tol:.2g} allowed)",
                   "最大相对误差：{d:.4g}，位于下标 {i}（允许 {tol:.2g}）",
                   d=rel[i_rel].item(), i=at_rel, tol=tol.rtol),
            ]
    nonfinite = (~g.isfinite() & w.isfinite()).nonzero()
    if len(nonfinite):
        first = _fmt(_index(int(nonfinite[0]), shape))
        lines.append(tr("Yours has {n} nan/inf where the reference is finite, first at index "
                        "{i}", "你的结果有 {n} 个 nan/inf，而参考答案是有限值，第一个在下标 {i}",
                        n=len(nonfinite), i=first))
    # Worst first: non-finite answers, then by absolute difference.
    badness = torch.where(finite, (g - w).abs(), float("inf")).masked_fill(~bad, -1.0)
    order = badness.argsort(descending=True, stable=True)[: min(worst, n_bad)]
    lines.append(header or tr("index · yours · reference", "下标 · 你的 · 参考答案"))
    lines += [f"  {_fmt(_index(int(i), shape))} · {g[i].item():.6g} · {w[i].item():.6g}"
              for i in order]
    return "\n".join(lines)


def named_shape(shape: tuple[int, ...], dims: dict[str, int]) -> str:
    """``(B, H, Tq, dv) = (2, 3, 5, 6)``: names dims back when the case's sizes are distinct."""
    names = {}
    for name, size in dims.items():
        # A size held by two dims, or 1 (a kept or broadcast dim as often as a batch of one),
        # names nothing.
        names[size] = None if size in names or size == 1 else name
    if not shape:
        return "() (a scalar)"
    named = [names.get(s) or str(s) for s in shape]
    plain = "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")
    if named == [str(s) for s in shape]:
        return plain
    return "(" + ", ".join(named) + ") = " + plain
