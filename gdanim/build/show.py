"""`gdanim.show`: an animation inline in a Jupyter notebook."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from gdanim.scenario import Scenario


def show(scenario_or_path: Scenario | str | Path, run: str | None = None):
    """An IPython HTML5 video of one run (or of the compare grid when run is None and the
    scenario has several runs); the HTML string itself when IPython is not installed."""
    from gdanim.api import as_scenario, record
    from gdanim.folder import COMPARE
    from gdanim.render.pipeline import render_trace
    from gdanim.settings import settings_for

    scenario = as_scenario(scenario_or_path)
    trace = record(scenario)
    if run is not None and run not in {r.name for r in trace.runs}:
        from gdanim.scene.surface import RenderError

        raise RenderError(f"run: one of {', '.join(r.name for r in trace.runs)} is expected, got {run!r}")
    settings = settings_for(scenario.spec.render, formats=["mp4"])
    with tempfile.TemporaryDirectory() as tmp:
        result = render_trace(trace, Path(tmp), settings, jobs=1, progress=False)
        if result.failures:
            from gdanim.render.writers import WriterError

            raise WriterError("; ".join(f"{n}: {m}" for n, m in result.failures))
        name = run or (COMPARE if result.compare else trace.runs[0].name)
        files = result.compare if name == COMPARE else result.runs[name]
        data = base64.b64encode(files["mp4"].read_bytes()).decode("ascii")
    html = (f'<video controls loop autoplay muted playsinline style="max-width:100%">'
            f'<source type="video/mp4" src="data:video/mp4;base64,{data}"></video>')
    try:
        from IPython.display import HTML
    except ImportError:
        return html
    return HTML(html)
