"""Payload corpora of the security suite (docs/security.md): text an attacker or a broken export
might put where members and imports write, kept as data so every test that reaches a page, a CSV,
a report or a message runs the same payloads."""
