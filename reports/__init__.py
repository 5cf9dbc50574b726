"""Meeting reports of a view: self-contained HTML, PDF and PNG, for the page and `cli.py report`."""
