"""Text the page shows: numbers, Markdown (raw HTML escaped) and MathML formulas."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup

from gdanim.numbers import num


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


def model_latex(features: int, degree: int = 1) -> str:
    """The linear model yhat = w0 + w1 x1 + ... (with a degree, w0 + w1 x + .. + wd x^d) in LaTeX."""
    if degree == 2:
        return r"\hat{y}_i = w_0 + w_1 x_i + w_2 x_i^2"
    if degree > 2:
        return rf"\hat{{y}}_i = w_0 + w_1 x_i + w_2 x_i^2 + \cdots + w_{{{degree}}} x_i^{{{degree}}}"
    if features == 1:
        return r"\hat{y}_i = w_0 + w_1 x_i"
    if features == 2:
        return r"\hat{y}_i = w_0 + w_1 x_{i1} + w_2 x_{i2}"
    return rf"\hat{{y}}_i = w_0 + w_1 x_{{i1}} + \cdots + w_{features} x_{{i{features}}}"


def loss_latex(loss: str, huber_delta: float = 1.0) -> str:
    """The loss in LaTeX: SSE, MSE, SAE, MAE or Huber (mean, delta)."""
    if loss in ("sae", "mae"):
        mean = r"\frac{1}{n} " if loss == "mae" else ""
        return rf"L(w) = {mean}\sum_{{i=1}}^{{n}} \left|y_i - \hat{{y}}_i\right|"
    if loss == "huber":
        d = f"{huber_delta:g}"
        return (rf"L(w) = \frac{{1}}{{n}} \sum_{{i=1}}^{{n}} h(\hat{{y}}_i - y_i), \quad h(e) = "
                rf"\begin{{cases}} \frac{{1}}{{2}} e^2 & |e| < {d} \\ {d} \left(|e| - \frac{{{d}}}{{2}}\right)"
                rf" & \text{{otherwise}} \end{{cases}}")
    if loss == "mse":
        return r"L(w) = \frac{1}{n} \sum_{i=1}^{n} \left(y_i - \hat{y}_i\right)^2"
    return r"L(w) = \sum_{i=1}^{n} \left(y_i - \hat{y}_i\right)^2"


def gradient_latex(loss: str, huber_delta: float = 1.0) -> str:
    """The gradient (for absolute errors the subgradient torch uses) in matrix form."""
    if loss in ("sae", "mae"):
        mean = r"\frac{1}{n} " if loss == "mae" else ""
        return (rf"\nabla L(w) = {mean}X^\top \operatorname{{sign}}\left(X w - y\right), "
                r"\quad \operatorname{sign}(0) = 0")
    if loss == "huber":
        d = f"{huber_delta:g}"
        return rf"\nabla L(w) = \frac{{1}}{{n}} X^\top \operatorname{{clip}}\left(X w - y, -{d}, {d}\right)"
    scale = r"\frac{2}{n}" if loss == "mse" else "2"
    return rf"\nabla L(w) = -{scale} X^\top \left(y - X w\right)"


def hessian_latex(loss: str, huber_delta: float = 1.0) -> str:
    """The Hessian: constant for SSE and MSE, not for the robust losses."""
    if loss in ("sae", "mae"):
        return r"H = 0 \text{ where no error is } 0 \text{; undefined where one is}"
    if loss == "huber":
        d = f"{huber_delta:g}"
        return rf"H(w) = \frac{{1}}{{n}} X^\top D\, X, \quad D_{{ii}} = [\,|\hat{{y}}_i - y_i| < {d}\,]"
    scale = r"\frac{2}{n}" if loss == "mse" else "2"
    return rf"H = {scale} X^\top X"


UPDATE_LATEX = r"w \leftarrow w - \alpha \, \nabla L(w)"


def schedule_latex(schedule: dict) -> str:
    """The rate of epoch t a schedule gives, from the starting rate alpha_0, in LaTeX."""
    kind = schedule["type"]
    if kind == "step":
        return rf"\alpha_t = \alpha_0 \cdot {schedule['gamma']:g}^{{\lfloor t / {schedule['step_size']} \rfloor}}"
    if kind == "exponential":
        return rf"\alpha_t = \alpha_0 \cdot {schedule['gamma']:g}^{{t}}"
    if kind == "cosine":
        lo, t_max = f"{schedule['eta_min']:g}", schedule["t_max"]
        wave = rf"\frac{{1 + \cos\left(\pi t / {t_max}\right)}}{{2}}, \quad 0 \le t \le {t_max}"
        if not schedule["eta_min"]:
            return rf"\alpha_t = \alpha_0 \, {wave}"
        return rf"\alpha_t = {lo} + \left(\alpha_0 - {lo}\right) {wave}"
    a, z, n = f"{schedule['start_factor']:g}", f"{schedule['end_factor']:g}", schedule["total_iters"]
    return rf"\alpha_t = \alpha_0 \left({a} + \left({z} - {a}\right) \frac{{\min(t, {n})}}{{{n}}}\right)"


CRITICAL_LATEX = r"\alpha < \frac{2}{\lambda_{\max}}"
