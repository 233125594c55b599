"""The four panels: fit, surface, contour, loss.

Each panel draws its static layer once when built. Per frame, `trail` yields artists to
burn into the accumulating background (earlier lines, the path so far) and `moving`
lists the artists drawn on top of it for the current state only. Every such artist is
`animated`, so the full draw that makes the static background skips it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter
from matplotlib.transforms import IdentityTransform
from mpl_toolkits.mplot3d import proj3d

from gdanim.frames.style import Style
from gdanim.scene.views import RunView, predictions

FADED_ALPHA = 0.14
RECENT_ALPHA = (0.4, 0.24, 0.12)
"The last states' lines, the newest first."


def _finite_limits(values: np.ndarray, pad: float = 0.08) -> tuple[float, float]:
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span


def between(values: np.ndarray, shown: np.ndarray, pos: float) -> np.ndarray:
    """values at a position between two states: the state's own values, bit for bit, at a
    whole position; in between, linear from one state's to the next's (`shown` maps a
    state to the one drawn for it)."""
    a = int(np.floor(pos + 1e-9))
    f = pos - a
    here = values[shown[a]]
    if f <= 1e-9 or a + 1 >= len(shown):
        return here
    with np.errstate(invalid="ignore", over="ignore"):
        return here + f * (values[shown[a + 1]] - here)


def squares(x: np.ndarray, y: np.ndarray, fitted: np.ndarray, ratio: float) -> MplPath:
    """One path of a square per point, from the fitted value to the data point and as wide
    (ratio: x units per y unit on screen); their union is filled once, each outlined."""
    w = np.abs(y - fitted) * ratio
    corners = np.stack([np.column_stack([x, fitted]), np.column_stack([x + w, fitted]),
                        np.column_stack([x + w, y]), np.column_stack([x, y]),
                        np.column_stack([x, fitted])], axis=1)  # [n, 5, 2]
    codes = np.tile([MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO, MplPath.CLOSEPOLY],
                    len(x))
    return MplPath(corners.reshape(-1, 2), codes.astype(MplPath.code_type))


def _param(i: int) -> str:
    return f"w{i}"


def _short_number(v: float, _pos=None) -> str:
    """A tick label of at most about five characters: 12k, 3e6, 0.25, −1.5."""
    a = abs(v)
    if a >= 1e4:
        text = f"{v / 1e3:.3g}k" if a < 1e6 else f"{v:.0e}".replace("e+0", "e").replace("e+", "e")
    else:
        text = f"{v:.3g}"
    return text.replace("-", "\N{MINUS SIGN}")


def compact_ticks(ax: Axes, width: float, height: float) -> None:
    """Few enough ticks, with short labels, that they do not run into each other on a
    plot of width x height slide pixels (a cell of a compare grid)."""
    ax.xaxis.set_major_locator(MaxNLocator(max(2, int(width // 50)), min_n_ticks=2))
    ax.xaxis.set_major_formatter(FuncFormatter(_short_number))
    if ax.get_yscale() == "log":
        ax.yaxis.set_major_locator(LogLocator(numticks=max(2, int(height // 30))))
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        ax.yaxis.set_major_locator(MaxNLocator(max(2, int(height // 32)), min_n_ticks=2))
        ax.yaxis.set_major_formatter(FuncFormatter(_short_number))


def boxed(theme, edge: str | None = None) -> dict:
    """A text box that keeps a note legible on any background (contours, surfaces)."""
    return dict(boxstyle="round,pad=0.25", facecolor=theme.background, alpha=0.88,
                edgecolor=edge or theme.muted, linewidth=0.8)


class Panel:
    """Base: a panel on one axes for one run."""

    arrows = False
    "Draw the step about to be taken (surface and contour panels)."
    residuals = "none"
    "The fit panel's residuals: none, lines, squares, or auto (squares for SSE and MSE, else lines)."

    def __init__(self, ax: Axes, view: RunView, style: Style) -> None:
        self.ax, self.view, self.style, self.t = ax, view, style, style.theme
        self._animated: list[Artist] = []

    def _anim(self, artist: Artist) -> Artist:
        artist.set_animated(True)
        self._animated.append(artist)
        return artist

    def _note(self, text: str, top: bool = True) -> None:
        place = getattr(self.ax, "text2D", self.ax.text)  # 3-D axes take (x, y, z, s) in text
        place(0.02, 0.97 if top else 0.02, text, transform=self.ax.transAxes, ha="left",
              va="top" if top else "bottom", fontsize=self.style.note, color=self.t.foreground,
              bbox=boxed(self.t))

    @property
    def compact(self) -> bool:
        """True for a small cell of a grid: fewer labels."""
        return self.style.grid or self.ax.get_position().width * self.style.width < 220

    def after_draw(self) -> None:
        """Called once the static layer has been drawn (projections are known then)."""

    def set_frames(self, count: int) -> None:
        """Told how many frames the animation shows, before the first one."""

    def trail(self, prev: int | None, cur: int, passed: Sequence[int]) -> Iterator[Artist]:
        """Artists to burn into the background when moving from state prev to cur."""
        return iter(())

    def moving(self, pos: float) -> list[Artist]:
        """Artists showing position pos (a state, or between two), drawn on top of the background."""
        return []


class FitPanel(Panel):
    """The data, the current line, earlier lines faded, the true and OLS lines."""

    def __init__(self, ax: Axes, view: RunView, style: Style) -> None:
        super().__init__(ax, view, style)
        d = view.trace.dataset
        self.single = d.x_raw.shape[1] == 1  # one raw input: a line, or a polynomial's curve
        y = d.y.astype(np.float64)
        path = view.run.path.astype(np.float64)
        if self.single:
            xr = d.x_raw[:, 0].astype(np.float64)
            x0, x1 = _finite_limits(xr, 0.04)
            self.xs = np.linspace(x0, x1, 2 if d.degree == 1 else 160)[:, None]
            self.lines = predictions(view.trace, view.run, path, self.xs)  # [S+1, m]
            ax.scatter(xr, y, s=(style.marker * 0.7) ** 2, color=self.t.data, alpha=0.75,
                       edgecolors="none", zorder=2)
            out = d.is_outlier
            if out.any():  # data.outliers: marked apart from the rest
                ax.scatter(xr[out], y[out], s=(style.marker * 1.2) ** 2, marker="X", color=self.t.warning,
                           edgecolors=self.t.background, linewidths=0.6, zorder=3, label=style.words["frame_outliers"])
            ax.set_xlim(x0, x1)
            ax.set_xlabel(d.columns[0] if d.columns else "x", parse_math=False)
            self._reference_lines()
        else:
            self.preds = predictions(view.trace, view.run, path, d.x_raw)  # [S+1, n]
            lo, hi = _finite_limits(y, 0.1)
            ax.plot([lo, hi], [lo, hi], color=self.t.muted, lw=style.line * 0.5, ls="--")
            ax.set_xlim(lo, hi)
            ax.set_xlabel(style.words["frame_predicted"])
            self._note(style.words["frame_features"].format(k=d.features))
            self.cloud = self._anim(ax.scatter(np.zeros(d.n), y, s=(style.marker * 0.7) ** 2,
                                               color=self.t.line, edgecolors="none"))
        ax.set_ylim(*_finite_limits(y, 0.15))
        ax.set_ylabel("y")
        if self.single:
            kw = dict(color=self.t.line, solid_capstyle="round")
            self.faded = self._anim(Line2D([], [], lw=style.line * 0.8, alpha=FADED_ALPHA, **kw))
            self.recent = self._anim(LineCollection([], linewidths=style.line * 0.9, capstyle="round"))
            self.current = self._anim(Line2D([], [], lw=style.line * 1.2, **kw))
            for line in (self.faded, self.current):
                ax.add_line(line)
            ax.add_collection(self.recent, autolim=False)
            self.at_data = predictions(view.trace, view.run, path, d.x_raw)  # [S+1, n]
            many = len(d.y)  # the more points, the lighter each square: their overlaps still read
            self.boxes = self._anim(PathPatch(MplPath(np.zeros((1, 2))), facecolor=to_rgba(self.t.line, 0.12),
                                              edgecolor=to_rgba(self.t.line, min(0.6, 15.0 / many)),
                                              linewidth=0.6, zorder=1.5))  # one path: drawn at once
            self.sticks = self._anim(LineCollection([], colors=self.t.line, alpha=0.55,
                                                    linewidths=style.line * 0.45, zorder=1.5))
            ax.add_patch(self.boxes)
            ax.add_collection(self.sticks, autolim=False)

    def _reference_lines(self) -> None:
        d, ax = self.view.trace.dataset, self.ax
        a = self.view.trace.analysis_of(self.view.run)
        xs = self.xs[:, 0]
        if d.true_params is not None and len(d.true_params) == d.degree + 1:
            true = np.polynomial.polynomial.polyval(xs, np.asarray(d.true_params, np.float64))
            ax.plot(xs, true, ls="--", color=self.t.true, lw=self.style.line * 0.7,
                    label=self.style.words["frame_true_line" if d.degree == 1 else "frame_true_curve"])
        best = predictions(self.view.trace, self.view.run, np.asarray(a.minimizer), self.xs)
        st = self.view.run.settings
        own = a.best(st.loss, st.huber_delta) if st.loss not in a.spectra else None
        w = self.style.words
        if own is None:
            ax.plot(xs, best, color=self.t.minimum, lw=self.style.line * 0.45, label=w["frame_least_squares"])
        else:  # a robust loss: its own minimum, and the least-squares line the outliers pull
            ax.plot(xs, best, color=self.t.muted, lw=self.style.line * 0.5, ls=":", label=w["frame_least_squares"])
            mine = predictions(self.view.trace, self.view.run, np.asarray(own[0]), self.xs)
            ax.plot(xs, mine, color=self.t.minimum, lw=self.style.line * 0.55,
                    label=w["frame_minimum"].format(loss=st.loss.upper()))
        ax.legend(loc="best", frameon=False, fontsize=self.style.note)

    def set_frames(self, count: int) -> None:
        # about as dark as the lecture's 30 overlaid lines at alpha 0.1, however many frames
        if self.single:
            self.faded.set_alpha(float(np.clip(4.0 / max(count, 1), 0.03, FADED_ALPHA)))

    def trail(self, prev: int | None, cur: int, passed: Sequence[int]) -> Iterator[Artist]:
        if not self.single:
            return
        for state in passed:
            self.faded.set_data(self.xs[:, 0], self.lines[self.view.shown[state]])
            yield self.faded

    def moving(self, pos: float) -> list[Artist]:
        shown = self.view.shown
        if self.single:
            self.current.set_data(self.xs[:, 0], between(self.lines, shown, pos))
            return [*self._residuals(pos), *self._recent(pos), self.current]
        self.cloud.set_offsets(np.column_stack([between(self.preds, shown, pos), self.view.trace.dataset.y]))
        return [self.cloud]


    def recent_states(self, pos: float) -> list[int]:
        """The states whose lines trail behind `pos`, the newest first."""
        a = int(np.floor(pos + 1e-9))
        return [s for s in range(a, a - len(RECENT_ALPHA) - 1, -1) if 0 <= s < pos][:len(RECENT_ALPHA)]

    def _recent(self, pos: float) -> list[Artist]:
        """The last few states' lines, fading with age (one collection, drawn at once): an
        oscillating run leaves a trail of where it just was, not a strobe."""
        states = self.recent_states(pos)
        if not states:
            return []
        xs = self.xs[:, 0]
        self.recent.set_segments([np.column_stack([xs, self.lines[self.view.shown[s]]]) for s in states])
        self.recent.set_color([to_rgba(self.t.line, a) for a in RECENT_ALPHA[:len(states)]])
        return [self.recent]

    def residual_kind(self) -> str:
        """none, lines or squares: what this panel draws of the residuals."""
        if self.residuals != "auto":
            return self.residuals
        return "squares" if self.view.run.settings.loss in ("sse", "mse") else "lines"

    def residual_shapes(self, pos: float) -> tuple[np.ndarray, np.ndarray]:
        """(x, y, fitted) per data point at `pos` ([n] each, data units) and the width in x
        of a square of height 1 in y, as the axes show them (squares look square)."""
        d = self.view.trace.dataset
        fitted = between(self.at_data, self.view.shown, pos)
        (x0, x1), (y0, y1) = self.ax.get_xlim(), self.ax.get_ylim()
        box = self.ax.get_window_extent()
        ratio = (abs(x1 - x0) / box.width) / (abs(y1 - y0) / box.height)
        return np.column_stack([d.x_raw[:, 0], d.y, fitted]).astype(np.float64), ratio

    def _residuals(self, pos: float) -> list[Artist]:
        kind = self.residual_kind()
        if kind == "none":
            return []
        points, ratio = self.residual_shapes(pos)
        x, y, fitted = points.T
        if kind == "lines":
            self.sticks.set_segments(np.stack([np.column_stack([x, fitted]), np.column_stack([x, y])], axis=1))
            return [self.sticks]
        self.boxes.set_path(squares(x, y, fitted, ratio))
        return [self.boxes]


class _PathPanel(Panel):
    """Shared by surface and contour: the path through every step, cut at the view's edge."""

    def _path_setup(self) -> None:
        v, st = self.view, self.style
        self.cut = v.plane.exit if v.plane.exit is not None else len(v.times)
        self.path_line = self._anim(Line2D([], [], color=self.t.line, lw=st.line * 0.8,
                                           marker="o" if v.run.steps <= 200 else None,
                                           markersize=st.marker * 0.35, solid_joinstyle="round"))
        self.head = self._anim(Line2D([], [], color=self.t.line, marker="o", ls="none",
                                      markersize=st.marker, markeredgecolor=self.t.background))
        self.reach = self._anim(Line2D([], [], color=self.t.line, lw=st.line * 0.8, solid_capstyle="round"))
        self.pointers = {kind: self._anim(FancyArrowPatch((0, 0), (1, 1), arrowstyle="-|>", shrinkA=0, shrinkB=0,
                                                          mutation_scale=st.marker * 1.5, lw=st.line * 0.6,
                                                          color=colour, zorder=4))
                         for kind, colour in (("grad", self.t.foreground), ("velocity", self.t.warning),
                                              ("step", self.t.warning))}
        self.out_mark = self._anim(Line2D([], [], color=self.t.warning, marker="X", ls="none",
                                          markersize=st.marker * 1.2,
                                          markeredgecolor=self.t.background))
        top = 0.96 if self.view.trace.dataset.features == 1 else 0.86  # below a slice note
        self.out_text = self._anim(Text(0.5, top, self._out_label(), transform=self.ax.transAxes,
                                        ha="center", va="top", color=self.t.foreground,
                                        fontsize=st.note, bbox=boxed(self.t, self.t.warning)))
        for artist in (self.path_line, self.head, self.reach, self.out_mark, self.out_text,
                       *self.pointers.values()):
            artist.set_figure(self.ax.figure)
            artist.set_clip_box(self.ax.bbox)
        self.out_text.set_clip_on(False)
        self._fit_note(self.out_text)

    def _fit_note(self, text: Text) -> None:
        """Break a note onto two lines, then drop its first words, until it is no wider
        than the panel (a small cell of a grid)."""
        renderer = self.ax.figure.canvas.get_renderer()
        room = self.ax.get_position().width * self.ax.figure.bbox.width
        words = text.get_text()
        for candidate in (words, words.replace(" at ", "\nat ", 1), words.split(" at ", 1)[-1]):
            text.set_text(candidate)
            if text.get_window_extent(renderer).width <= room:
                return

    def _out_label(self) -> str:
        """What the note says when it shows: where the x is (the path leaving the view, at
        the state where the frames first show it outside), else the divergence."""
        v = self.view
        if v.plane.exit is not None:
            return self.style.words["frame_leaves"].format(epoch=v.epoch_label(v.plane.exit))
        if v.diverged_at is not None:
            return self.style.words["frame_diverged_at"].format(epoch=f"{v.diverged_at:.0f}")
        return ""

    def _xy(self, states: slice) -> np.ndarray:
        """Display (or data) coordinates of path states; overridden by the 3-D panel."""
        return self.view.plane.points[states]

    def _exit_xy(self) -> np.ndarray | None:
        b = self.view.plane.boundary
        return None if b is None else b[None]

    def trail(self, prev: int | None, cur: int, passed: Sequence[int]) -> Iterator[Artist]:
        start = 0 if prev is None else min(prev, self.cut)
        stop = min(cur, self.cut - 1)
        if stop >= start:
            xy = self._xy(slice(start, stop + 1))
            self.path_line.set_data(xy[:, 0], xy[:, 1])
            yield self.path_line
        crossed = self.view.plane.exit is not None and cur >= self.cut and (
            prev is None or prev < self.cut)
        if crossed:
            xy = self._exit_xy()
            if xy is not None:
                self.path_line.set_data(*np.vstack([self._xy(slice(self.cut - 1, self.cut)), xy]).T)
                yield self.path_line
                self.out_mark.set_data(xy[:, 0], xy[:, 1])
                yield self.out_mark
            yield self.out_text
        elif self.view.diverged_at is not None and cur >= len(self.view.times) - 1 and (
                prev is None or prev < len(self.view.times) - 1):
            yield self.out_text

    def moving(self, pos: float) -> list[Artist]:
        cur = int(np.floor(pos + 1e-9))
        if cur >= self.cut and self._exit_xy() is not None:
            return []  # the exit marker shows where it went
        state = min(self.view.shown[cur], self.cut - 1)
        here = self._xy(slice(state, state + 1))[0]
        xy = here
        if pos - cur > 1e-9 and state == cur:  # gliding to the next state (or the view's edge)
            nxt = self._exit_xy() if cur + 1 >= self.cut else self._xy(slice(cur + 1, cur + 2))
            if nxt is not None and np.isfinite(nxt).all():
                xy = here + (pos - cur) * (nxt[0] - here)
        self.head.set_data([xy[0]], [xy[1]])
        self.reach.set_data([here[0], xy[0]], [here[1], xy[1]])
        return [*self._pointers(cur, here), self.reach, self.head]

    def _pointers(self, cur: int, here: np.ndarray) -> list[Artist]:
        """The arrows of the step about to be taken from state cur (RunView.arrows), from
        its point; none once the path has left the view or stopped being finite."""
        if not self.arrows or cur >= self.cut - 1 or self.view.shown[cur] != cur:
            return []
        out = []
        for kind, vec in self.view.arrows(cur):
            tip = self._tip(cur, vec[list(self.view.grid.params)])
            if np.isfinite(tip).all():
                self.pointers[kind].set_positions(tuple(here), tuple(tip))
                out.append(self.pointers[kind])
        return out

    def _tip(self, state: int, step: np.ndarray) -> np.ndarray:
        """Where an arrow of `step` (in the plane's two params) from `state` ends."""
        return self.view.plane.points[state] + step


class ContourPanel(_PathPanel):
    """Log-spaced contours, the path, the minimum and the Hessian's eigen-directions."""

    def __init__(self, ax: Axes, view: RunView, style: Style) -> None:
        super().__init__(ax, view, style)
        g, t = view.grid, self.t
        levels = _log_levels(g.loss)
        ax.contourf(g.a, g.b, g.loss, levels=levels, cmap=t.cmap, alpha=0.55, extend="both")
        ax.contour(g.a, g.b, g.loss, levels=levels, colors=t.muted, linewidths=0.6, alpha=0.7)
        m = g.base[list(g.params)]
        if g.hessian is not None:  # a robust loss has no constant Hessian: no eigen-directions
            self._eigen(m)
        ax.plot(*m, marker="*", ms=style.marker * 1.8, color=t.minimum, ls="none",
                markeredgecolor=t.background)
        ax.plot(*view.plane.points[0], marker="*", ms=style.marker * 1.6, color=t.start,
                ls="none", markeredgecolor=t.background)
        ax.set_xlim(g.lo[0], g.hi[0])
        ax.set_ylim(g.lo[1], g.hi[1])
        ax.set_xlabel(_param(g.params[0]))
        ax.set_ylabel(_param(g.params[1]))
        ax.grid(False)
        if view.trace.dataset.features > 1:
            self._note(style.words["frame_slice"], top=False)
        self._path_setup()
        for artist in (self.path_line, self.head, self.reach, self.out_mark, *self.pointers.values()):
            artist.set_transform(ax.transData)

    def _eigen(self, m: np.ndarray) -> None:
        g = self.view.grid
        lams, vecs = np.linalg.eigh(g.hessian)
        span = g.hi - g.lo
        for lam, vec, ls in zip(lams, vecs.T, (":", "-")):
            d = vec * 0.3 / np.abs(vec / span).max()  # 30% of the view along its longer side
            self.ax.plot([m[0] - d[0], m[0] + d[0]], [m[1] - d[1], m[1] + d[1]], ls=ls,
                         color=self.t.foreground, lw=self.style.line * 0.55)
            if not self.compact:
                self.ax.text(m[0] + d[0], m[1] + d[1], f" λ={lam:.3g}", clip_on=True,
                             fontsize=self.style.note, color=self.t.foreground)


def _log_levels(loss: np.ndarray, count: int = 14) -> np.ndarray:
    lo, hi = float(loss.min()), float(loss.max())
    if not hi > lo:
        return np.array([lo, lo + 1.0])
    return lo + (hi - lo) * np.geomspace(1e-3, 1.0, count)


class SurfacePanel(_PathPanel):
    """The 3-D loss surface, drawn once; the path is projected and drawn in 2-D over it."""

    def __init__(self, ax: Axes, view: RunView, style: Style, elev: float, azim: float) -> None:
        super().__init__(ax, view, style)
        g, t = view.grid, self.t
        A, B = np.meshgrid(g.a, g.b)
        ax.plot_surface(A, B, g.loss, cmap=t.cmap, alpha=t.surface_alpha, linewidth=0.25,
                        edgecolor=t.grid, antialiased=True, rcount=24, ccount=24)
        ax.view_init(elev=elev, azim=azim)
        compact = style.grid or ax.get_position().width * style.width < 360  # no room for a z label
        ax.set_box_aspect(None, zoom=0.88 if style.grid else 1.3 if compact else 1.15)
        ax.set_xlim(g.lo[0], g.hi[0])
        ax.set_ylim(g.lo[1], g.hi[1])
        ax.set_zlim(g.zmin, g.zmax)
        m = g.base[list(g.params)]
        ax.plot([m[0]], [m[1]], [g.zmin], marker="*", ms=style.marker * 1.8, color=t.minimum,
                ls="none", markeredgecolor=t.background)
        z0 = float(np.clip(g.slice_loss(view.plane.points[:1])[0], g.zmin, g.zmax))
        ax.plot([view.plane.points[0, 0]], [view.plane.points[0, 1]], [z0], marker="*",
                ms=style.marker * 1.6, color=t.start, ls="none", markeredgecolor=t.background)
        ax.set_xlabel(_param(g.params[0]), labelpad=-2)
        ax.set_ylabel(_param(g.params[1]), labelpad=-2)
        if not compact:
            ax.set_zlabel(style.words["frame_axis_z"], labelpad=2)
        ax.tick_params(labelsize=style.tick, pad=0)
        for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
            axis.set_major_locator(MaxNLocator(4))
            axis.set_pane_color((0, 0, 0, 0))
            if style.grid:  # a cell of a grid: no room for tick labels that read
                axis.set_major_formatter(NullFormatter())
        if view.trace.dataset.features > 1:
            self._note(self.style.words["frame_slice"])
        self._path_setup()
        for artist in (self.path_line, self.head, self.reach, self.out_mark, *self.pointers.values()):
            artist.set_transform(IdentityTransform())

    def after_draw(self) -> None:
        g, plane = self.view.grid, self.view.plane
        z = np.clip(g.slice_loss(plane.points[:self.cut]), g.zmin, g.zmax)
        self._display = self._project(plane.points[:self.cut], z)
        self._exit = None
        if plane.boundary is not None:
            zb = np.clip(g.slice_loss(plane.boundary[None]), g.zmin, g.zmax)
            self._exit = self._project(plane.boundary[None], zb)

    def _project(self, points: np.ndarray, z: np.ndarray) -> np.ndarray:
        x2, y2, _ = proj3d.proj_transform(points[:, 0], points[:, 1], z, self.ax.M)
        return self.ax.transData.transform(np.column_stack([x2, y2]))

    def _xy(self, states: slice) -> np.ndarray:
        return self._display[states]

    def _tip(self, state: int, step: np.ndarray) -> np.ndarray:
        g = self.view.grid
        end = (self.view.plane.points[state] + step)[None]
        with np.errstate(over="ignore", invalid="ignore"):
            return self._project(end, np.clip(g.slice_loss(end), g.zmin, g.zmax))[0]

    def _exit_xy(self) -> np.ndarray | None:
        return self._exit


class LossPanel(Panel):
    """Loss against epoch on a log axis: the curve up to the frame's epoch, a dot on it."""

    def __init__(self, ax: Axes, view: RunView, style: Style) -> None:
        super().__init__(ax, view, style)
        t = self.t
        loss = np.where(view.loss > 0, view.loss, np.nan)
        self.loss = loss
        ax.set_yscale("log")
        spans = view.unstable_spans()  # plain gd: the steps whose lr * lambda_max >= 2
        for a, b in spans:
            ax.axvspan(a, b, color=t.warning, alpha=0.13, lw=0)
        if spans and not self.compact:
            ax.text(spans[0][0], 0.02, " lr·λmax ≥ 2", transform=ax.get_xaxis_transform(),
                    ha="left", va="bottom", fontsize=style.note * 0.85, color=t.warning)
        ok = loss[np.isfinite(loss)]
        lo, hi = (float(ok.min()), float(ok.max())) if ok.size else (0.1, 1.0)
        hi = max(hi, lo * 10)
        ax.set_ylim(lo / 2, hi * 2)
        ax.set_xlim(0, max(float(view.times[-1]), 1.0))
        ax.set_xlabel(self.style.words["frame_axis_epoch"])
        ax.set_ylabel(self.style.words["frame_axis_loss"].format(loss=view.run.settings.loss.upper()))
        self.solid = self._anim(Line2D([], [], color=t.line, lw=style.line))
        self.dot = self._anim(Line2D([], [], color=t.line, marker="o", ls="none",
                                     markersize=style.marker, markeredgecolor=t.background))
        self.reach = self._anim(Line2D([], [], color=t.line, lw=style.line))
        self.vline = self._anim(ax.axvline(0, color=t.muted, lw=style.line * 0.4, ls="--"))
        for line in (self.solid, self.reach, self.dot):
            ax.add_line(line)

    def trail(self, prev: int | None, cur: int, passed: Sequence[int]) -> Iterator[Artist]:
        start = 0 if prev is None else prev
        self.solid.set_data(self.view.times[start:cur + 1], self.loss[start:cur + 1])
        yield self.solid

    def moving(self, pos: float) -> list[Artist]:
        """The dot on the curve where the frame is: between two states, on the straight
        piece the log axis draws between them (linear in the log of the loss)."""
        cur = int(np.floor(pos + 1e-9))
        states = np.arange(len(self.view.times))
        t = float(np.interp(pos, states, self.view.times))
        here = self.loss[self.view.shown[cur]]
        y = here
        if pos - cur > 1e-9 and cur + 1 < len(states):
            nxt = self.loss[self.view.shown[cur + 1]]
            with np.errstate(invalid="ignore", divide="ignore"):
                y = float(np.exp(np.log(here) + (pos - cur) * (np.log(nxt) - np.log(here))))
        self.vline.set_xdata([t, t])
        y = y if np.isfinite(y) else np.nan
        self.dot.set_data([t], [y])
        self.reach.set_data([self.view.times[cur], t], [here, y])
        return [self.vline, self.reach, self.dot]
