"""The benchmark (`make bench`): synthetic data at community scale, every page's queries cold and
warm, the pandas way beside them, engine time, memory, PostgreSQL, and survey submissions.
Figures are printed and written to bench/results.json; nothing here is asserted in tests."""
