"""Shared Streamlit pieces: filter bar, KPI tiles, altair charts, cached loaders, UI strings."""
