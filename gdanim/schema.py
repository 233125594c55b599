"""The scenario format, version 2: one class per block, a docstring per field.

Names that validation needs (optimizers, losses, gradient methods, panels, formats,
presets, themes) live here; the modules that implement them keep registries, and a
test checks the two agree. This module imports neither torch nor matplotlib.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gdanim import i18n

OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad")
LOSSES = ("sse", "mse", "sae", "mae", "huber")
QUADRATIC_LOSSES = ("sse", "mse")
"Losses whose Hessian is constant: the spectrum gives critical rates and regimes."
SCHEDULES = ("step", "exponential", "cosine", "linear")
GRADIENTS = ("autograd", "analytic", "numerical")
PANELS = ("fit", "surface", "contour", "loss")
FORMATS = ("mp4", "gif", "png", "frames", "handout")
PRESETS = {  # name -> (width, height) in pixels
    "hd": (1280, 720),
    "slides": (1920, 1080),
    "4x3": (1024, 768),
    "square": (1080, 1080),
    "thumb": (640, 360),
}
THEMES = ("light", "dark")
ASKS = ("regime", "next", "lr")
LANGUAGES = i18n.LANGUAGES
"The languages a scenario's page can speak: those with a message catalog."
# Options each optimizer accepts besides lr, as torch.optim takes them.
OPTIMIZER_OPTIONS: dict[str, frozenset[str]] = {
    "gd": frozenset({"weight_decay"}),
    "sgd": frozenset({"momentum", "dampening", "weight_decay", "nesterov"}),
    "momentum": frozenset({"momentum", "dampening", "weight_decay"}),
    "nesterov": frozenset({"momentum", "weight_decay"}),
    "adam": frozenset({"betas", "eps", "weight_decay", "amsgrad"}),
    "rmsprop": frozenset({"alpha", "eps", "momentum", "weight_decay", "centered"}),
    "adagrad": frozenset({"lr_decay", "eps", "weight_decay", "initial_accumulator_value"}),
}
MAX_EPOCHS = 1_000_000
MAX_TOTAL_STEPS = 2_000_000  # over all runs of a scenario: bounds memory and trace size
MAX_RUNS = 10_000
MAX_POINTS = 1_000_000
MAX_FEATURES = 32
MAX_DEGREE = 10
FORMAT_VERSION = 2
"Version 2 renamed data.synthetic.true to params; version 1 files still load."
DEPRECATED_TRUE = "true"

Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
PositiveFinite = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(strict=True, ge=0, lt=1, allow_inf_nan=False)]
Epochs = Annotated[int, Field(ge=1, le=MAX_EPOCHS, strict=True)]
FiniteList = list[Finite]
MAX_SEED = 2**64 - 1
"torch.manual_seed takes seeds from 0 to 2**64 - 1."
Seed = Annotated[int, Field(ge=0, le=MAX_SEED, strict=True)]


class Block(BaseModel):
    """A block of the scenario file: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Synthetic(Block):
    """Data drawn as in the lecture: y = params[0] + params[1:] . x + noise * eps (float32)."""

    n: Annotated[int, Field(ge=2, le=MAX_POINTS, strict=True)] = 100
    "Number of points."
    seed: Seed = 43052
    "torch.manual_seed before drawing x and eps."
    x: Literal["randn", "linspace"] = "randn"
    "randn: x = torch.randn(n).sort().values (torch.randn(n, k) for k features); linspace: evenly spaced over `range`."
    range: tuple[Finite, Finite] | None = None
    "[lo, hi] for x: linspace."
    params: FiniteList = Field(default_factory=lambda: [2.5, 4.0])
    "The true parameters the data is drawn with, [w0 (intercept), w1 .. wk]."
    noise: NonNegative = 0.5
    "Standard deviation of the noise."

    @model_validator(mode="before")
    @classmethod
    def _true_is_params(cls, data: Any) -> Any:
        """Format version 1 called `params` `true`, a boolean to every other YAML reader."""
        if isinstance(data, dict) and DEPRECATED_TRUE in data:
            if "params" in data:
                raise ValueError("give params only (true is its old name)")
            data = {("params" if k == DEPRECATED_TRUE else k): v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _range_for_linspace(self) -> Synthetic:
        if self.x == "linspace":
            if self.range is None:
                raise ValueError("range: [lo, hi] is required with x: linspace")
            if not self.range[0] < self.range[1]:
                raise ValueError(f"range must have lo < hi, got {list(self.range)}")
        elif self.range is not None:
            raise ValueError("range applies only to x: linspace")
        return self


class Points(Block):
    """Data given inline: x a list of numbers (one feature) or of k-lists, y a list."""

    x: list[Finite] | list[list[Finite]]
    "The inputs."
    y: list[Finite]
    "The targets, one per x."


class Csv(Block):
    """Data from a CSV file with a header row; the path is relative to the scenario file."""

    path: str
    "CSV file, relative to the scenario file."
    x: list[str] | str
    "Column name(s) of the inputs."
    y: str
    "Column name of the target."


class Outliers(Block):
    """Points added to the data, whatever its source, and marked as outliers."""

    x: list[Finite] | list[list[Finite]]
    "Their inputs (a number per point for one feature, a k-list each for k)."
    y: list[Finite]
    "Their targets, one per x."


class Data(Block):
    """Exactly one of synthetic, points or csv, and how x is normalized."""

    synthetic: Synthetic | None = None
    "Data drawn with a seed, as the lecture does."
    points: Points | None = None
    "Data written out in the file."
    csv: Csv | None = None
    "Data read from a CSV file."
    normalize: Literal["none", "standardize"] | PositiveFinite = "none"
    "none, standardize (zero mean, unit variance per feature) or a number that multiplies x."
    outliers: Outliers | None = None
    "Points added after the source's (normalization is fitted to all of them); marked in the fit panel."

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Data:
        given = [k for k in ("synthetic", "points", "csv") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "exactly one of synthetic, points or csv is expected, got "
                + (", ".join(given) if given else "none")
            )
        return self

    @property
    def source(self) -> str:
        """Which of synthetic, points or csv this data block uses."""
        return next(k for k in ("synthetic", "points", "csv") if getattr(self, k) is not None)


class Model(Block):
    """The linear model yhat = w0 + w1 x1 + ... + wk xk (with degree d: w0 + w1 x + ... + wd x^d)."""

    features: Annotated[int, Field(ge=1, le=MAX_FEATURES, strict=True)] = 1
    "Number of input features k; the parameters are [w0 (intercept), w1 .. wk]."
    degree: Annotated[int, Field(ge=1, le=MAX_DEGREE, strict=True)] = 1
    ("Polynomial degree d of one feature: the columns x, x^2, .., x^d of the raw x (normalize"
     " applies per column after the expansion); the parameters are [w0 .. wd].")

    @model_validator(mode="after")
    def _degree_of_one_feature(self) -> Model:
        if self.degree > 1 and self.features != 1:
            raise ValueError(f"degree applies to one feature (columns x, x^2, ..), got features {self.features}")
        return self

    @property
    def columns(self) -> int:
        """Columns of the design besides the intercept: features, or the degree."""
        return self.degree if self.degree > 1 else self.features


class Stop(Block):
    """When a run stops before its last epoch."""

    tol: PositiveFinite | None = None
    "Converged when the largest parameter change of a step falls below this."
    max_loss: PositiveFinite | None = None
    "Diverged when the loss exceeds this (a non-finite loss always counts as diverged)."


class StepSchedule(Block):
    """torch.optim.lr_scheduler.StepLR: the rate times gamma every step_size epochs."""

    type: Literal["step"]
    "step"
    step_size: Annotated[int, Field(ge=1, strict=True)]
    "Epochs between two decays."
    gamma: PositiveFinite = 0.1
    "Factor of each decay."


class ExponentialSchedule(Block):
    """torch.optim.lr_scheduler.ExponentialLR: the rate times gamma every epoch."""

    type: Literal["exponential"]
    "exponential"
    gamma: PositiveFinite
    "Factor per epoch."


class CosineSchedule(Block):
    """torch.optim.lr_scheduler.CosineAnnealingLR: from lr down to eta_min over t_max epochs
    along half a cosine (and back up over the next t_max)."""

    type: Literal["cosine"]
    "cosine"
    t_max: Annotated[int, Field(ge=1, strict=True)]
    "Epochs from lr down to eta_min."
    eta_min: NonNegative = 0.0
    "The smallest rate."


class LinearSchedule(Block):
    """torch.optim.lr_scheduler.LinearLR: the rate times a factor going linearly from
    start_factor to end_factor over total_iters epochs (a warm-up when start < end)."""

    type: Literal["linear"]
    "linear"
    start_factor: Annotated[float, Field(strict=True, gt=0, le=1, allow_inf_nan=False)] = 1.0 / 3
    "Factor of the first epoch, in (0, 1]."
    end_factor: Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)] = 1.0
    "Factor from epoch total_iters on, in [0, 1]."
    total_iters: Annotated[int, Field(ge=0, strict=True)] = 5
    "Epochs the factor takes to go from start to end."


Schedule = Annotated[
    StepSchedule | ExponentialSchedule | CosineSchedule | LinearSchedule, Field(discriminator="type")
]


class Training(Block):
    """Keys that can be set at the top of the scenario and overridden per run."""

    name: str | None = None
    "Run name (file-name safe); derived from the overrides when not given."
    lr: PositiveFinite = 0.001
    "Learning rate (with a schedule, the rate it starts from)."
    schedule: Schedule | None = None
    "Learning-rate schedule, stepped once per epoch as torch.optim.lr_scheduler; null keeps lr constant."
    epochs: Epochs = 30
    "Passes over the data."
    init: FiniteList | None = None
    "Starting parameters [w0, w1 .. wk]; zeros when not given."
    loss: Literal["sse", "mse", "sae", "mae", "huber"] = "sse"
    ("sse: sum of squared errors; mse: their mean; sae: sum of absolute errors and mae their mean"
     " (torch.nn.functional.l1_loss); huber: torch.nn.functional.huber_loss, mean, with huber_delta.")
    huber_delta: PositiveFinite = 1.0
    "huber: errors up to this size count squared (halved), larger ones linearly."
    optimizer: Literal["gd", "sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"] = "gd"
    "gd is w <- w - lr * grad; the others are the torch.optim classes with their defaults."
    momentum: Fraction | None = None
    "Momentum factor (momentum and nesterov default to 0.9)."
    dampening: Fraction | None = None
    "Dampening of momentum (sgd, momentum)."
    nesterov: bool | None = None
    "Nesterov momentum (sgd)."
    betas: tuple[Fraction, Fraction] | None = None
    "Adam's (beta1, beta2)."
    eps: PositiveFinite | None = None
    "Term added to denominators (adam, rmsprop, adagrad)."
    alpha: Fraction | None = None
    "RMSprop smoothing constant."
    centered: bool | None = None
    "Centered RMSprop."
    amsgrad: bool | None = None
    "AMSGrad variant of Adam."
    lr_decay: NonNegative | None = None
    "Adagrad learning-rate decay."
    initial_accumulator_value: NonNegative | None = None
    "Adagrad initial accumulator."
    weight_decay: NonNegative | None = None
    "L2 penalty added to the gradient."
    batch_size: Annotated[int, Field(ge=1, strict=True)] | None = None
    "Mini-batch size; null is the full batch."
    seed: Seed = 0
    "Seed of the mini-batch shuffle."
    gradient: Literal["autograd", "analytic", "numerical"] = "autograd"
    "autograd (loss.backward()), analytic (the chain rule by hand) or numerical (central differences)."
    delta: PositiveFinite = 0.1
    "Step of the central differences, as in the lecture."
    zero_grad: bool = True
    "false accumulates gradients step after step, the classic forgotten optimizer.zero_grad()."
    stop: Stop = Field(default_factory=Stop)
    "Stop rules."
    normalize: Literal["none", "standardize"] | PositiveFinite | None = None
    "In a run: overrides data.normalize for that run (raw against standardized x)."

    @model_validator(mode="after")
    def _options_fit_optimizer(self) -> Training:
        allowed = OPTIMIZER_OPTIONS[self.optimizer]
        for option in sorted(OPTION_KEYS - allowed):
            if getattr(self, option) is not None:
                raise ValueError(
                    f"{option} does not apply to optimizer {self.optimizer}"
                    f" (it takes: {', '.join(sorted(allowed)) or 'no options'})"
                )
        return self

    def schedule_json(self) -> dict[str, Any] | None:
        """The schedule with its defaults filled in, as plain JSON values (None: constant rate)."""
        return self.schedule.model_dump() if self.schedule is not None else None

    def optimizer_options(self) -> dict[str, Any]:
        """The optimizer options that were given, with the defaults gdanim adds."""
        options = {k: getattr(self, k) for k in sorted(OPTION_KEYS) if getattr(self, k) is not None}
        if self.optimizer in ("momentum", "nesterov"):
            options.setdefault("momentum", 0.9)
        return options


OPTION_KEYS = frozenset().union(*OPTIMIZER_OPTIONS.values())
TRAINING_KEYS = tuple(Training.model_fields)


class Run(Training):
    """One run: training keys that override the scenario's."""

    # Every key is optional in a run; only the ones given override.
    lr: PositiveFinite | None = None  # type: ignore[assignment]
    epochs: Epochs | None = None  # type: ignore[assignment]
    loss: Literal["sse", "mse", "sae", "mae", "huber"] | None = None  # type: ignore[assignment]
    huber_delta: PositiveFinite | None = None  # type: ignore[assignment]
    optimizer: (  # type: ignore[assignment]
        Literal["gd", "sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"] | None
    ) = None
    seed: Seed | None = None  # type: ignore[assignment]
    gradient: Literal["autograd", "analytic", "numerical"] | None = None  # type: ignore[assignment]
    delta: PositiveFinite | None = None  # type: ignore[assignment]
    zero_grad: bool | None = None  # type: ignore[assignment]
    stop: Stop | None = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _options_fit_optimizer(self) -> Run:  # checked after merging with the top level
        return self


class Range(Block):
    """Values from `from` to `to`, `num` of them, evenly spaced (on a log scale with log)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    start: PositiveFinite = Field(alias="from")
    "First value."
    stop: PositiveFinite = Field(alias="to")
    "Last value."
    num: Annotated[int, Field(ge=1, le=MAX_RUNS, strict=True)] = 50
    "How many values."
    log: bool = True
    "Space the values evenly on a log scale."

    def values(self) -> list[float]:
        """The values of the range, first to last."""
        if self.num == 1:
            return [self.start]
        if self.log:
            a, b = math.log10(self.start), math.log10(self.stop)
            return [10 ** (a + (b - a) * i / (self.num - 1)) for i in range(self.num)]
        return [self.start + (self.stop - self.start) * i / (self.num - 1) for i in range(self.num)]


class Sweep(Block):
    """Adds one run per value of the learning rate."""

    lr: Range | Annotated[list[PositiveFinite], Field(min_length=1, max_length=MAX_RUNS)]
    "A range {from, to, num, log} or a list of learning rates."

    def values(self) -> list[float]:
        """The learning rates of the sweep."""
        return self.lr.values() if isinstance(self.lr, Range) else list(self.lr)


class SurfaceView(Block):
    """Which two parameters the surface and contour panels show, and the 3-D view."""

    params: tuple[Annotated[int, Field(strict=True)], Annotated[int, Field(strict=True)]] = (0, 1)
    "Indices of the two parameters spanned (the others are held at their OLS values)."
    elev: Finite = 25.0
    "Elevation of the 3-D view, in degrees."
    azim: Finite = 30.0
    "Azimuth of the 3-D view, in degrees."

    @field_validator("params")
    @classmethod
    def _distinct(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] == v[1] or min(v) < 0:
            raise ValueError(f"two different parameter indices >= 0 are expected, got {list(v)}")
        return v


class Render(Block):
    """How animations look and which files are written."""

    panels: Annotated[
        list[Literal["fit", "surface", "contour", "loss"]], Field(min_length=1, max_length=4)
    ] = Field(default_factory=lambda: ["fit", "surface"])
    "Panels side by side in each frame."
    preset: Literal["hd", "slides", "4x3", "square", "thumb"] = "hd"
    "Frame size: hd 1280x720, slides 1920x1080, 4x3 1024x768, square 1080x1080, thumb 640x360."
    theme: Literal["light", "dark"] = "light"
    "Colours for light or dark slides."
    fps: Literal[24, 25, 30, 50, 60] = 30
    "Frames per second of the videos (a GIF keeps every 2nd to 6th frame: 8-12.5 a second)."
    duration: PositiveFinite | None = None
    ("Seconds of motion, pauses not counted; by default 9, or 1 a step for runs of fewer"
     " steps. The first steps get the most time (at least 0.4 s each), later ones less.")
    motion: Literal["glide", "steps"] = "glide"
    ("glide: the frames between two recorded states move the parameters there with easing;"
     " steps: each state stays until the next.")
    max_frames: Annotated[int, Field(ge=2, le=10_000, strict=True)] = 150
    ("Shows every step up to this many (and as many as the duration has room for); beyond,"
     " a schedule dense early and sparse late.")
    frames: Annotated[list[Annotated[int, Field(ge=0, strict=True)]], Field(min_length=1)] | None = None
    "Explicit steps to show, e.g. [0, 1, 2, 3, 10, 100, 1000]."
    hold: NonNegative = 1.5
    "Seconds to hold the last frame (at least the 1.5 s its caption stays)."
    residuals: Literal["auto", "none", "lines", "squares"] = "auto"
    ("What the fit panel shows of each point's residual: squares (their area is what SSE and MSE"
     " add up), lines (MAE, Huber), none; auto: squares for SSE and MSE, else lines.")
    arrows: bool = True
    ("Draw the step about to be taken from the current point on the contour and surface panels"
     " of a run's own video: -lr·∇L, with momentum and nesterov the velocity too, with adam,"
     " rmsprop and adagrad the step as the optimizer scales it.")
    poster: Literal["first", "last", "key"] = "key"
    ("The still that stands for an animation (PNG, the video's poster, the site's cards): the"
     " first frame, the last, or key: the most telling one found in the trace (the last step"
     " before the path leaves the view, else the first overshoot, divergence or convergence).")
    formats: Annotated[
        list[Literal["mp4", "gif", "png", "frames", "handout"]], Field(min_length=1)
    ] = Field(default_factory=lambda: ["mp4", "gif", "png"])
    ("Files to write per run and for the comparison grid; handout: a one-page A4 PDF of"
     " 4-6 key frames, captioned, with the analysis.")
    surface: SurfaceView = Field(default_factory=SurfaceView)
    "The loss-surface view."

    @property
    def size(self) -> tuple[int, int]:
        """Frame width and height in pixels."""
        return PRESETS[self.preset]


class Exercise(Block):
    """A question to answer before watching: predict, then reveal."""

    run: str
    "The run the question is about (its name, as in the runs table)."
    ask: Literal["regime", "next", "lr"]
    ("regime: converge monotonically, oscillate and converge, or diverge? next: where will the parameters"
     " be `steps` epochs later? lr: a learning rate that brings the loss under `target` within `epochs` epochs.")
    epoch: Annotated[int, Field(ge=0, strict=True)] = 0
    "The epoch the question is asked at; the run's video and poster stop there until the answer."
    steps: Annotated[int, Field(ge=1, le=1000, strict=True)] = 1
    "ask: next: how many epochs ahead."
    target: PositiveFinite | None = None
    "ask: lr: the loss to get under."
    epochs: Epochs | None = None
    "ask: lr: within how many epochs (default: the run's)."
    prompt: str = ""
    "Markdown (any language) that replaces the default question."

    @model_validator(mode="after")
    def _target_for_lr(self) -> Exercise:
        if self.ask == "lr" and self.target is None:
            raise ValueError("ask: lr needs a target (the loss to get under), got none")
        if self.ask != "lr" and (self.target is not None or self.epochs is not None):
            raise ValueError(f"target and epochs apply to ask: lr, got ask: {self.ask}")
        return self


class ScenarioFile(Training):
    """A gdanim scenario, format version 2."""

    version: Literal[1, 2] = FORMAT_VERSION
    "Format version: 2 (1 is read too: its data.synthetic.true is now params)."
    title: str = ""
    "Shown on animations and in the report (any language)."
    description: str = ""
    "Markdown, shown in the report."
    lang: Literal[LANGUAGES] = i18n.SOURCE  # type: ignore[valid-type]
    "The language of the page, its captions and the animations' words (--lang overrides it)."
    data: Data
    "The data set."
    model: Model = Field(default_factory=Model)
    "The linear model."
    runs: Annotated[list[Run], Field(max_length=MAX_RUNS)] = Field(default_factory=list)
    "Runs, each overriding training keys; no runs means one run with the top-level keys."
    sweep: Sweep | None = None
    "Adds one run per learning rate."
    render: Render = Field(default_factory=Render)
    "How the animations look."
    exercises: Annotated[list[Exercise], Field(max_length=100)] = Field(default_factory=list)
    "Questions students answer before they watch a run."

    @field_validator("normalize")
    @classmethod
    def _normalize_in_data(cls, v: object) -> None:
        if v is not None:
            raise ValueError("normalize belongs under data: (or in a run, to override it)")
        return None
