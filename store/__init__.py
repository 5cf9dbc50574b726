"""The app's own records (surveys, responses, feedback, sync runs): the system of record."""
