"""Text the page shows: numbers, Markdown (raw HTML escaped) and MathML formulas."""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup


def num(value: float | None, digits: int = 4) -> str:
    """A number in `digits` significant digits, written one way everywhere: 0.00824, 8588,
    5.188e11, 1.2e-5; '—' for None. A value that is not finite came from an overflow of a
    diverging run and is written ∞ (−∞ below zero), never 'nan'."""
    if value is None:
        return "—"
    v = float(value)
    if math.isnan(v):
        return "∞"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    if abs(v) >= 1e6 or abs(v) < 1e-4 or round(abs(v), digits - 1 - math.floor(math.log10(abs(v)))) >= 10**digits:
        mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{v:.{digits}g}"


def vec(values: Iterable[float], digits: int = 4) -> str:
    """A parameter vector as '[a, b, ...]'."""
    return "[" + ", ".join(num(v, digits) for v in values) + "]"


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")  # an image would be a request to somewhere else
    return md


def markdown(text: str) -> Markup:
    """Markdown rendered to HTML; raw HTML in the text is shown as text, never run."""
    return Markup(_markdown().render(text or ""))


def plain_first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of Markdown text, markup stripped, at most `limit` characters."""
    flat = " ".join((text or "").replace("**", "").replace("`", "").split())
    end = flat.find(". ")
    sentence = flat if end < 0 else flat[: end + 1]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=256)
def mathml(latex: str, display: bool = False) -> Markup:
    """LaTeX converted to MathML (no script needed to show it)."""
    from latex2mathml.converter import convert

    return Markup(convert(latex, display="block" if display else "inline"))


def model_latex(features: int) -> str:
    """The linear model yhat = w0 + w1 x1 + ... in LaTeX."""
    if features == 1:
        return r"\hat{y}_i = w_0 + w_1 x_i"
    if features == 2:
        return r"\hat{y}_i = w_0 + w_1 x_{i1} + w_2 x_{i2}"
    return rf"\hat{{y}}_i = w_0 + w_1 x_{{i1}} + \cdots + w_{features} x_{{i{features}}}"


def loss_latex(loss: str) -> str:
    """SSE or MSE in LaTeX."""
    if loss == "mse":
        return r"L(w) = \frac{1}{n} \sum_{i=1}^{n} \left(y_i - \hat{y}_i\right)^2"
    return r"L(w) = \sum_{i=1}^{n} \left(y_i - \hat{y}_i\right)^2"


def gradient_latex(loss: str) -> str:
    """The gradient of SSE or MSE in matrix form."""
    scale = r"\frac{2}{n}" if loss == "mse" else "2"
    return rf"\nabla L(w) = -{scale} X^\top \left(y - X w\right)"


def hessian_latex(loss: str) -> str:
    """The (constant) Hessian of SSE or MSE."""
    scale = r"\frac{2}{n}" if loss == "mse" else "2"
    return rf"H = {scale} X^\top X"


UPDATE_LATEX = r"w \leftarrow w - \alpha \, \nabla L(w)"
CRITICAL_LATEX = r"\alpha < \frac{2}{\lambda_{\max}}"
