"""Shared pytest setup: the emulator fixtures (`emulator`, `b24_client`, `b24_aclient`)."""

pytest_plugins = ["b24_tools.emulator.pytest_plugin"]


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _private_default_store(tmp_path_factory, monkeypatch):
    """Toolkits without `approvals=` file writes as plans in the default store: keep it out of the repo."""
    home = tmp_path_factory.mktemp("b24-default-store")
    monkeypatch.setenv("B24_SQLITE_PATH", str(home / "b24.sqlite"))
    monkeypatch.setenv("B24_RUNTIME_DIR", str(home))
