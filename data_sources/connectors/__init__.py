"""Platform connectors: a forum, a code host or a chat fetched into an archive of canonical rows in
the data folder, incrementally from a cursor kept in the app store (docs/data-sources.md,
"Platform connectors")."""
