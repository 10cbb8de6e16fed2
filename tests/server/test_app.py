"""The app factory, settings and asset lookup: pages, static files and the health check."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dialboard.server import assets, runner
from dialboard.server.app import create_app
from dialboard.server.settings import Settings, SettingsError

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings()), base_url="http://localhost") as test_client:
        yield test_client


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_index_renders_template(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Dialboard</title>" in response.text
    assert 'href="/static/css/main.css"' in response.text


def test_static_css(client: TestClient) -> None:
    response = client.get("/static/css/main.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.content == (REPO_ROOT / "static" / "css" / "main.css").read_bytes()


def test_missing_static_file_is_404(client: TestClient) -> None:
    assert client.get("/static/nope.css").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_a_thread_waiting_for_the_gil_asks_for_it_between_training_slices() -> None:
    """A board training here yields every SLICE_SECONDS, its poll releasing the GIL: a waiting
    thread woken by each release would never wait out a longer switch interval, and starve.
    (tests/server/test_registry.py's unwatched board shows it: its client's close, in a
    thread of this process, took 10–45 s before.)"""
    previous = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)  # CPython's default
        create_app(Settings())
        assert sys.getswitchinterval() < runner.SLICE_SECONDS / 2
    finally:
        sys.setswitchinterval(previous)


def test_settings_stored_on_app() -> None:
    settings = Settings(max_sessions=3)
    assert create_app(settings).state.settings is settings


def test_create_app_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALBOARD_MAX_SESSIONS", "7")
    assert create_app().state.settings.max_sessions == 7


# --- settings ----------------------------------------------------------------


def test_settings_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.max_sessions == 50
    assert settings.max_parameters == 250_000
    assert settings.session_ttl_seconds == 7200
    assert settings.viewer_bandwidth_bps == 2_000_000
    assert settings.allowed_origins == ()
    assert settings.max_message_bytes == 4096


def test_settings_from_env() -> None:
    settings = Settings.from_env(
        {
            "DIALBOARD_HOST": " 0.0.0.0 ",
            "DIALBOARD_PORT": "9001",
            "DIALBOARD_MAX_SESSIONS": "5",
            "DIALBOARD_MAX_PARAMETERS": "1_000",
            "DIALBOARD_SESSION_TTL_SECONDS": "60",
            "DIALBOARD_VIEWER_BANDWIDTH_BPS": "100000",
            "DIALBOARD_ALLOWED_ORIGINS": "https://a.example, http://b.example:8080/ ,",
            "DIALBOARD_MAX_MESSAGE_BYTES": "8192",
            "UNRELATED": "x",
        }
    )
    assert settings == Settings(
        host="0.0.0.0",
        port=9001,
        max_sessions=5,
        max_parameters=1000,
        session_ttl_seconds=60,
        viewer_bandwidth_bps=100_000,
        allowed_origins=("https://a.example", "http://b.example:8080"),
        max_message_bytes=8192,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DIALBOARD_PORT", "http", "DIALBOARD_PORT must be an integer, got 'http'"),
        ("DIALBOARD_PORT", "0", "DIALBOARD_PORT must be at least 1 and at most 65535, got 0"),
        ("DIALBOARD_PORT", "65536", "DIALBOARD_PORT must be at least 1"),
        ("DIALBOARD_MAX_SESSIONS", "-1", "DIALBOARD_MAX_SESSIONS must be at least 1, got -1"),
        ("DIALBOARD_MAX_PARAMETERS", "2.5", "DIALBOARD_MAX_PARAMETERS must be an integer"),
        ("DIALBOARD_SESSION_TTL_SECONDS", "", "DIALBOARD_SESSION_TTL_SECONDS must be an integer"),
        (
            "DIALBOARD_VIEWER_BANDWIDTH_BPS",
            "0",
            "DIALBOARD_VIEWER_BANDWIDTH_BPS must be at least 1",
        ),
        ("DIALBOARD_MAX_MESSAGE_BYTES", "10", "DIALBOARD_MAX_MESSAGE_BYTES must be at least 64"),
        ("DIALBOARD_HOST", "  ", "DIALBOARD_HOST must be a non-empty host name"),
        ("DIALBOARD_ALLOWED_ORIGINS", "example.org", "DIALBOARD_ALLOWED_ORIGINS entries"),
        ("DIALBOARD_ALLOWED_ORIGINS", "ftp://x.org", "DIALBOARD_ALLOWED_ORIGINS entries"),
        ("DIALBOARD_ALLOWED_ORIGINS", "https://x.org/app", "DIALBOARD_ALLOWED_ORIGINS entries"),
        ("DIALBOARD_PLAYER", "2", "DIALBOARD_PLAYER must be at least 0 and at most 1, got 2"),
    ],
)
def test_settings_errors_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({name: value})
    assert message in str(error.value)


def test_a_player_is_had_with_two_cores_unless_said(monkeypatch: pytest.MonkeyPatch) -> None:
    """On one core a player would only take training's own core from it."""
    for cores, default in ((1, False), (2, True), (None, False)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert Settings().player_on() is default
        assert Settings.from_env({"DIALBOARD_PLAYER": "0"}).player_on() is False
        assert Settings.from_env({"DIALBOARD_PLAYER": "1"}).player_on() is True


def test_settings_validated_when_built_directly() -> None:
    with pytest.raises(SettingsError, match="DIALBOARD_MAX_SESSIONS"):
        Settings(max_sessions=0)
    with pytest.raises(SettingsError, match="must be an integer"):
        Settings(port=True)


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_unknown_dialboard_variable_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    Settings.from_env({"DIALBOARD_MAX_SESION": "3"})
    assert "DIALBOARD_MAX_SESION" in caplog.text


# --- asset lookup ------------------------------------------------------------


def test_assets_found_in_checkout() -> None:
    assert assets.static_dir() == REPO_ROOT / "static"
    assert assets.templates_dir() == REPO_ROOT / "templates"


def test_installed_assets_win_over_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "dialboard"
    (package / "_web" / "static").mkdir(parents=True)
    (tmp_path / "site-packages" / "static").mkdir()  # a stray folder must not be used
    monkeypatch.setattr(assets, "_PACKAGE_DIR", package)
    assert assets.static_dir() == package / "_web" / "static"
    with pytest.raises(FileNotFoundError, match="'templates' not found"):
        assets.templates_dir()
