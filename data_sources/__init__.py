"""Where community data comes from (demo, CSV files, later Sheets and SQL) and how it reaches the
warehouse. No Streamlit here: the CLI and tests use it directly."""
