"""``k12ews report``: a self-contained HTML report of the warehouse, built from the marts.

- ``data``: reads what the report shows from a built warehouse (read-only);
- ``roc``: ROC curves of the models and where flags sit against them;
- ``plots``: one module per figure, each a small function with its caption, listed in
  ``plots.PLOTS`` (a new figure is one module and one line there);
- ``svg``: a matplotlib figure as inline SVG (no scripts, no network);
- ``html``: the page; ``build``: all of it, timed.
"""
