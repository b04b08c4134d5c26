"""The report's stylesheet, on its own so the staff pages (k12ews.pages) share it without
importing the report's figures and their libraries."""

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.meta { color: #555; margin-top: 0; }
figure { margin: 1.2rem 0 2rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.92rem; color: #333; max-width: 60rem; }
table { border-collapse: collapse; font-size: 0.82rem; margin: 0.6rem 0 1.4rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f5f5f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.fail { color: #b00020; font-weight: 600; }
.pass { color: #1b7f3b; }
"""
