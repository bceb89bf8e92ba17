"""Helpers shared by test files (import as ``tests.support.<module>``); nothing here is collected."""
