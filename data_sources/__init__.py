"""Where community data comes from (demo, CSV/Excel/Parquet files, Google Sheets, your own database
in place) and how it reaches the warehouse. No Streamlit here: the CLI and tests use it directly."""
