"""Configuration: environment overrides and production refusals."""

from __future__ import annotations

import pytest

from survey_app import create_app
from survey_app.config import ConfigError


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ConfigError, match="SURVEY_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SURVEY_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="shorter than 32"):
        create_app()


def test_environment_overrides_and_production_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("SURVEY_TIMEZONE", "Asia/Bangkok")
    monkeypatch.setenv("SURVEY_MIN_N", "50")
    app = create_app()
    assert app.config["TIMEZONE"] == "Asia/Bangkok"
    assert app.config["MIN_N"] == 50
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "s" * 40


def test_development_secret_is_generated_once_into_the_instance_folder(monkeypatch, tmp_path):
    for name in ("SURVEY_ENV", "SURVEY_SECRET_KEY", "SURVEY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    import flask

    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert create_app().config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'survey.sqlite3'}"


def test_bad_timezone_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="TIMEZONE"):
        create_app({"TIMEZONE": "Mars/Olympus", "SECRET_KEY": "x" * 40,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_kiosk_idle_seconds_come_from_the_environment_and_are_checked(monkeypatch, tmp_path):
    monkeypatch.delenv("SURVEY_ENV", raising=False)
    monkeypatch.setenv("SURVEY_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("SURVEY_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("SURVEY_KIOSK_IDLE_SECONDS", raising=False)
    assert create_app().config["KIOSK_IDLE_SECONDS"] == 30
    monkeypatch.setenv("SURVEY_KIOSK_IDLE_SECONDS", "45")
    assert create_app().config["KIOSK_IDLE_SECONDS"] == 45
    for wrong in ("0", "ba mươi", "99999"):
        monkeypatch.setenv("SURVEY_KIOSK_IDLE_SECONDS", wrong)
        with pytest.raises(ConfigError, match="SURVEY_KIOSK_IDLE_SECONDS"):
            create_app()
