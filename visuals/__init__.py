"""What pages and reports draw with, Streamlit-free: altair chart builders (charts.py), how KPI
values and their changes read (formats.py) and how a day, a period and a member scope read
(text.py), in this run's language (catalog/spoken.py). reports/ and ui/ both import it; it imports
neither, nor Streamlit (tests/test_imports.py).
"""
