"""Briefing outputs: bilingual figures (zh, en), tables and a one-page policy brief.

``figures.write_figures`` draws the standard figures of a results folder; ``brief.write_brief``
turns a comparison folder into ``brief.md`` and a self-contained ``brief.html``. Labels come
from ``vocab``, numbers from ``fmt``, Chinese fonts from ``fonts``.
"""
