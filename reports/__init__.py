"""Meeting reports of a view: self-contained HTML and PNG, for the page and `cli.py report`."""
