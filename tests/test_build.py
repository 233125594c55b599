"""gdanim.build: one scenario and one site built with the trace in memory, the page,
the manifest and the renderer agreeing on one RenderSettings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from render_support import scenario_file

from gdanim.build import build_scenario, build_site
from gdanim.folder import TRACE


@pytest.fixture
def unreadable_trace(monkeypatch):
    """Reading any trace.json back fails the test: the build must hand the trace on in memory."""
    read_text = Path.read_text

    def guarded(self, *args, **kwargs):
        assert self.name != TRACE, f"{self} was read back"
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", guarded)


def test_a_scenario_is_built_without_reading_its_trace_back(tmp_path, unreadable_trace):
    path = scenario_file(tmp_path, epochs=3, formats="png, gif")
    built = build_scenario(path, tmp_path / "out", jobs=1, progress=False, fps=20, lang="ko",
                           options={"fps": 20})
    assert built.render.ok and built.folder == tmp_path / "out" / "tiny"
    assert (built.folder / TRACE).is_file() and built.page == built.folder / "index.html"
    assert built.settings.fps == 20 and built.settings.lang == "ko"
    manifest = json.loads(built.manifest.read_bytes())
    # the manifest, the page and the animations follow the same settings
    assert {name: entry["fps"] for name, entry in manifest["animations"].items()} == {
        "lr-0.01": 20, "lr-0.03": 20, "compare": 20}
    assert manifest["animations"]["lr-0.01"]["frame_epochs"] == [0.0, 1.0, 2.0, 3.0]
    assert '<html lang="ko"' in built.page.read_text(encoding="utf-8")


def test_a_site_is_built_without_reading_a_trace_it_has_just_recorded(tmp_path, unreadable_trace):
    (tmp_path / "src").mkdir()
    scenario_file(tmp_path / "src", "one", epochs=2, formats="png")
    result = build_site([tmp_path / "src"], tmp_path / "site", jobs=1)
    assert result.failures == [] and result.rendered == ["one"]
    assert (tmp_path / "site" / "one" / "index.html").is_file()


def test_synthetic_data_comes_drawn_into_make_dataset(tmp_path):
    from gdanim.api import dataset_of
    from gdanim.dataset import make_dataset
    from gdanim.scenario import load_scenario

    scenario = load_scenario(scenario_file(tmp_path))
    with pytest.raises(TypeError, match="drawn by the recorder"):
        make_dataset(scenario)
    data = dataset_of(scenario)
    assert data.x.shape == (20, 1) and data.true_params == (2.5, 4.0)
    again = make_dataset(scenario, (data.x_raw, data.y))
    assert (again.x == data.x).all() and (again.y == data.y).all()
