"""Shared pytest setup: the emulator fixtures (`emulator`, `b24_client`, `b24_aclient`)."""

pytest_plugins = ["b24_tools.emulator.pytest_plugin"]
