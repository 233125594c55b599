"""The view over two parameters: covers start, minimum and path; divergence never blows it up."""

from __future__ import annotations

import numpy as np
import pytest

from gdanim.scene.surface import RenderError, check_params, view_box


def test_the_view_covers_the_start_the_minimum_and_the_path_with_a_margin():
    anchors = np.array([[-5.0, 10.0], [2.5, 4.0]])
    path = np.array([[-5.0, 10.0], [-1.0, 11.0], [2.0, 4.5]])
    lo, hi = view_box(path, anchors)
    assert np.all(lo < [-5.0, 4.0]) and np.all(hi > [2.5, 11.0])


def test_a_diverging_path_does_not_stretch_the_view_and_its_limits_stay_finite():
    anchors = np.array([[-5.0, 10.0], [2.5, 4.0]])
    path = np.array([[-5.0, 10.0], [30.0, -40.0], [-1e20, 1e20], [np.inf, np.nan]])
    lo, hi = view_box(path, anchors)
    assert np.isfinite(lo).all() and np.isfinite(hi).all()
    assert np.all(hi - lo < 100)


def test_a_start_at_the_minimum_still_gets_a_view_of_positive_size():
    anchors = np.array([[1.0, 1.0], [1.0, 1.0]])
    lo, hi = view_box(anchors, anchors)
    assert np.all(hi > lo)


def test_surface_params_beyond_the_model_are_refused():
    with pytest.raises(RenderError, match="render.surface.params"):
        check_params((0, 2), 2)
