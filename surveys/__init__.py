"""Surveys: definitions (the YAML files in this folder), the engine that checks and stores answers,
personal links, and the registry that versions definitions in the app store."""
