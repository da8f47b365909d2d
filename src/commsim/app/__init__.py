"""``commsim app``: an interactive page in the browser (Solara), in two views.

- *One run*: Mesa's SolaraViz steps one :class:`~commsim.model.CommunityModel` month by month,
  with a scenario selector, the seed, the horizon and sliders for a handful of key parameters
  (their documented ranges), and the street's and the estates' monthly series.
- *Policy explorer*: choose a street and policies, set their strengths, run a small ensemble
  with common random numbers (:func:`commsim.compare.compare`) and see the paired differences
  against the status quo with their 95% intervals, a monthly series and the estates' series.

Solara is imported only by :mod:`commsim.app.pages` (the page) and :mod:`commsim.app.server`;
the modules that build the controls (:mod:`~commsim.app.controls`), run the explorer
(:mod:`~commsim.app.explorer`) and draw its figures (:mod:`~commsim.app.figures`) need only
commsim and matplotlib, so ``import commsim`` stays light.
"""

#: the module Solara serves (it defines ``routes``)
PAGES_MODULE = "commsim.app.pages"
#: environment variable naming the folder the explorer's runs go to (``commsim app --out``)
OUT_ENV = "COMMSIM_APP_OUT"
