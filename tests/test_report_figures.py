"""The figures' design: a colour-blind-safe palette of ten distinct colours, none faint on white;
intervals drawn over the points, with caps; ticks that a reader can use; money from zero; and
the figures of sweep and sensitivity folders, drawn by `commsim figures` and by default at the
end of `commsim sweep` and `commsim sensitivity`."""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex, to_rgb

from commsim.cli import cli
from commsim.report import fonts, plots, plots_analysis, style
from commsim.report.results import load_results

HAS_CJK = fonts.find_cjk_font() is not None
LANGS = ["en", pytest.param("zh", marks=pytest.mark.skipif(not HAS_CJK, reason="no CJK font installed"))]
SMALL = str(Path(__file__).parent / "data" / "small.toml")
MISSING = r"Glyph \d+ .* missing from font"


def _contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of a colour against white."""
    c = np.array(to_rgb(colour))
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return 1.05 / (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] + 0.05)


def test_palette_is_ten_colours_apart_under_colour_blindness_and_none_faint():
    from colorspacious import cspace_convert

    palette = list(style.SCENARIO_COLOURS)
    assert len(set(palette)) == 10
    assert min(_contrast_on_white(c) for c in palette) >= 2.2  # Okabe-Ito yellow is 1.2: excluded
    for cvd in (None, "protanomaly", "deuteranomaly", "tritanomaly"):
        rgb = [np.array(to_rgb(c)) for c in [style.BLACK, *palette]]
        if cvd:
            space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
            rgb = [np.clip(cspace_convert(c, space, "sRGB1"), 0, 1) for c in rgb]
        jab = [cspace_convert(c, "sRGB1", "CAM02-UCS") for c in rgb]
        closest = min(np.linalg.norm(a - b) for a, b in itertools.combinations(jab, 2))
        assert closest >= 10, f"{cvd}: two scenario colours (or one and the baseline's black) look alike"


@pytest.mark.parametrize("lang", LANGS)
def test_forest_of_ten_policies(wide_dir, lang, tmp_path):
    """Ten colours for ten policies; every interval drawn over its point, with caps; at least
    three ticks in every panel; the complaints panel says it has no better direction."""
    res = load_results(wide_dir)
    with style.language(lang), warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING)
        fig = plots.forest(res, lang)
        points = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_marker() not in ("None", "", None, "|")
                  and ln.get_linestyle() in ("None", "")]
        assert len({to_hex(ln.get_markeredgecolor()) for ln in points}) == 10
        for ax in fig.axes:
            bars = [c for c in ax.collections if isinstance(c, LineCollection)]
            caps = [ln for ln in ax.get_lines() if ln.get_marker() == "|"]
            assert bars and caps, "intervals with caps"
            marker_z = max(ln.get_zorder() for ln in ax.get_lines() if ln in points)
            assert min(b.get_zorder() for b in bars) > marker_z and min(c.get_zorder() for c in caps) > marker_z
            lo, hi = ax.get_xlim()
            assert len([t for t in ax.get_xticks() if lo <= t <= hi]) >= 3, ax.get_title()
        hints = {ax.get_title().replace("\n", " "): ax.get_xlabel() for ax in fig.axes}
        either = "no better direction" if lang == "en" else "无优劣方向"
        assert sum(either in x for x in hints.values()) == 1  # complaints only
        png, _ = style.save(fig, tmp_path / f"forest_{lang}")
    assert mpimg.imread(png).shape[1] == round(style.WIDTH_IN * style.DPI)


def test_money_is_drawn_from_zero(comparison_dir):
    res = load_results(comparison_dir)
    with style.language("en"):
        fig = plots.timeseries(res, "public_cost_yuan", "en")
        assert all(ax.get_ylim()[0] == 0 for ax in fig.axes if ax.get_visible())
        style.plt.close(fig)
        fig = plots.timeseries(res, "collection_rate", "en")  # a share need not start at zero
        assert min(ax.get_ylim()[0] for ax in fig.axes if ax.get_visible()) > 0
        style.plt.close(fig)


@pytest.mark.parametrize("lang", LANGS)
def test_commsim_sweep_draws_outcomes_against_a_choice_parameter(tmp_path, lang):
    out = tmp_path / "sw"
    result = CliRunner().invoke(cli, ["sweep", SMALL, "--param", "staffing_norm=liaocheng,xian,cangzhou",
                                      "--reps", "2", "--months", "12", "--workers", "1", "--out", str(out),
                                      "--lang", lang])
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert f"sweep_staffing_norm_mean_collection_rate_{lang}.png" in pngs and len(pngs) >= 4
    res = load_results(out)
    with style.language(lang), warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING)
        fig = plots_analysis.sweep(res, "mean_worker_load", lang, "staffing_norm")
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["liaocheng", "xian", "cangzhou"]  # as given
        style.save(fig, tmp_path / f"sweep_{lang}")
        fig = plots_analysis.sweep(res, "mean_public_cost_yuan", lang, "staffing_norm")
        assert fig.axes[0].get_ylim()[0] == 0
        style.plt.close(fig)
    assert not CliRunner().invoke(cli, ["sweep", SMALL, "--param", "pay_intercept=1.4:2.4:2", "--reps", "1",
                                        "--months", "12", "--workers", "1", "--out", str(tmp_path / "no"),
                                        "--no-figures"]).exit_code
    assert not (tmp_path / "no" / "figures").exists()


def test_figures_command_knows_a_sweep_folder_by_its_manifest(sweep_dir, tmp_path):
    """`commsim figures` of a sweep draws every swept parameter against the key outcomes."""
    import shutil

    folder = tmp_path / "sweep"
    shutil.copytree(sweep_dir, folder)
    assert json.loads((folder / "manifest.json").read_text())["command"] == "sweep"
    result = CliRunner().invoke(cli, ["figures", str(folder)])
    assert result.exit_code == 0, result.output
    names = sorted(p.stem for p in (folder / "figures").glob("*.png"))
    assert names and all(n.startswith("sweep_pay_intercept_") for n in names)
    assert "sweep_pay_intercept_mean_collection_rate_en" in names
    image = mpimg.imread(folder / "figures" / "sweep_pay_intercept_mean_collection_rate_en.png")
    assert image.shape[1] == round(style.WIDTH_IN * style.DPI) and image[..., :3].std() > 0.05


def test_commsim_sensitivity_draws_its_indices_with_intervals(tmp_path):
    out = tmp_path / "sa"
    result = CliRunner().invoke(cli, ["sensitivity", SMALL, "--method", "morris", "--n", "3",
                                      "--vary", "pay_intercept", "--vary", "admin_hours_per_household",
                                      "--outputs", "mean_collection_rate", "--months", "12", "--workers", "1",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "figures" / "sensitivity_morris_mean_collection_rate_en.png").is_file()
    res = load_results(out)
    with style.language("en"):
        fig = plots_analysis.sensitivity(res, "mean_collection_rate", "en")
        ax = fig.axes[0]
        bars = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert bars and min(b.get_zorder() for b in bars) > max(p.get_zorder() for p in ax.patches)
        assert ax.get_xlim()[0] <= 0
        style.plt.close(fig)
