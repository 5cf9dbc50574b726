"""Every metrics module that keeps figures in the rollup (data_sources.rollup.keep_figures), imported.

data_sources may not import metrics, so those modules register their figures as they are imported;
a process that builds or updates a rollup without having imported them would keep none. An entry
point that builds one and does not import the pages (a bench, a tool) imports this module.
"""

from metrics import campaigns, contributions, levels, retention  # noqa: F401
