"""Every figure type renders in both languages from a small REAL comparison, as valid PNG
(300 dpi, the figure's size) and SVG; with a CJK font, no Chinese glyph is missing."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import matplotlib.image as mpimg
import pytest

from commsim.report import fonts, plots, plots_analysis, style
from commsim.report.results import load_results

HAS_CJK = fonts.find_cjk_font() is not None
NEEDS_CJK = "no CJK font installed (Debian: apt-get install fonts-wqy-microhei); zh figures cannot be checked"
LANGS = ["en", pytest.param("zh", marks=pytest.mark.skipif(not HAS_CJK, reason=NEEDS_CJK))]


def _figure(kind: str, comparison_dir, sobol_dir, sweep_dir, lang: str):
    res = load_results(comparison_dir)
    if kind == "timeseries":
        return plots.timeseries(res, "collection_rate", lang)
    if kind == "forest":
        return plots.forest(res, lang)
    if kind == "cost_effectiveness":
        return plots.cost_effectiveness(res, "mean_collection_rate", lang)
    if kind == "estates":
        return plots.estates(res, "service_quality", lang)
    if kind == "morris":
        return plots_analysis.sensitivity(res, "mean_complaints_per_1000_households", lang)
    if kind == "sobol":
        return plots_analysis.sensitivity(load_results(sobol_dir), "mean_worker_load", lang)
    if kind == "sweep":
        return plots_analysis.sweep(load_results(sweep_dir), "mean_collection_rate", lang)
    raise AssertionError(kind)


KINDS = ["timeseries", "forest", "cost_effectiveness", "estates", "morris", "sobol", "sweep"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_figure_renders_as_png_and_svg_without_missing_glyphs(
    kind, lang, comparison_dir, sobol_dir, sweep_dir, tmp_path
):
    with style.language(lang), warnings.catch_warnings():
        # a character drawn as an empty box is a failure, not a warning
        warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from font")
        fig = _figure(kind, comparison_dir, sobol_dir, sweep_dir, lang)
        width, height = style.png_size(fig)
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]
        png, svg = style.save(fig, tmp_path / f"{kind}_{lang}")
    image = mpimg.imread(png)
    assert image.shape[1] == width == round(style.WIDTH_IN * style.DPI)  # 6.5 in at 300 dpi
    assert image.shape[0] == height > 300
    assert image[..., :3].std() > 0.05  # something is drawn, not a blank page
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    source = [t for t in texts if "commsim" in t]
    assert source, "every figure carries a source line"
    has_chinese = any("\u4e00" <= ch <= "\u9fff" for t in texts for ch in t)
    assert has_chinese == (lang == "zh")


def test_missing_glyph_check_bites():
    """The filter used above does turn a Chinese label in a Latin-only font into an error."""
    import matplotlib

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}), \
            warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from font")
        fig = style.new_figure(2.0)
        fig.text(0.5, 0.5, "物业费收缴率")
        with pytest.raises(UserWarning, match="missing from font"):
            fig.canvas.draw()
        style.plt.close(fig)


def test_save_refuses_empty_boxes(tmp_path):
    """style.save reports a character no font can draw as a FontError naming the file."""
    import matplotlib

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig = style.new_figure(2.0)
        fig.text(0.5, 0.5, "现状")
        with pytest.raises(fonts.FontError, match="small_zh.png"):
            style.save(fig, tmp_path / "small_zh")
    assert not list(tmp_path.glob("*.png")), "no half-written figure is left"


def test_scenarios_keep_their_colour_and_the_baseline_is_black():
    colours = style.scenario_colours(["base", "a", "b"], "base")
    assert colours["base"] == style.BLACK
    assert colours["a"] != colours["b"] and style.BLACK not in (colours["a"], colours["b"])
    assert style.YELLOW not in style.SCENARIO_COLOURS


def test_time_series_bands_are_replicate_quantiles(comparison_dir):
    """The drawn median of the baseline equals the median over replicates of the monthly data."""
    res = load_results(comparison_dir)
    with style.language("en"):
        fig = plots.timeseries(res, "collection_rate", "en")
    df = res.monthly(["collection_rate"])
    expect = df[df["scenario"] == res.baseline].groupby("month")["collection_rate"].median() * 100
    dashed = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert dashed, "the baseline's median is drawn in every panel"
    assert list(dashed[0].get_ydata()) == pytest.approx(list(expect))
    style.plt.close(fig)


@pytest.mark.parametrize("lang", LANGS)
def test_two_scenarios_share_one_panel(pair_dir, lang, tmp_path):
    res = load_results(pair_dir)
    with style.language(lang), warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph \d+ .* missing from font")
        fig = plots.timeseries(res, "worker_load", lang)
        assert len([ax for ax in fig.axes if ax.get_visible()]) == 1
        colours = {ln.get_color() for ln in fig.axes[0].get_lines()}
        assert colours == {style.BLACK, style.BLUE}  # baseline black, the policy in the palette
        forest = plots.forest(res, lang)
        style.save(fig, tmp_path / f"ts_{lang}")
        style.save(forest, tmp_path / f"forest_{lang}")
    assert (tmp_path / f"ts_{lang}.png").stat().st_size > 10_000


def test_many_scenarios_never_share_colour_and_marker():
    from commsim.report import style

    names = ["base"] + [f"s{i}" for i in range(12)]
    colours, markers = style.scenario_colours(names, "base"), style.scenario_markers(names, "base")
    pairs = [(colours[n], markers[n]) for n in names[1:]]
    assert len(set(pairs)) == len(pairs)
    assert len({colours[f"s{i}"] for i in range(10)}) == 10  # ten distinct colours
    assert colours["s0"] == colours["s10"] and markers["s0"] != markers["s10"]


def test_source_line_wraps_english_and_chinese_within_the_page():
    from commsim.report import style

    names = ["baseline", "suzhou_alliance", "fee_subsidy", "alliance_plus_subsidy", "xian_staffing",
             "suzhou_classified", "harbin_basic_service", "cangzhou_six_in_one", "liaocheng_four_in_one"]
    for lang in ("en", "zh"):
        text = style.source_text(lang, "0.1.0", names, 12, 1)
        lines = style.wrap_to_width(text, 6.2).split("\n")
        assert len(lines) >= 2 and "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(len(ln) * 0.047 <= 6.2 + 1e-9 for ln in lines if lang == "en")
