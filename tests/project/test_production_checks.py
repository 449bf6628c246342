"""``manage.py check_production``: the start-up check of a production server (make serve,
deploy/systemd/agir-web.service) fails on a bad setting, passes on a sound set-up, and
``DATABASE_POOLER`` / ``REDIS_SENTINELS`` are read as documented. Fresh interpreters:
settings come from the environment."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.project import test_settings
from tests.project.test_settings import ROOT

# What the outer run may set (CI: DATABASE_POOLER) and these tests decide.
OURS = ("SITE_URL", "DATABASE_POOLER", "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "EMAIL_HOST")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in test_settings._clean_env().items() if k not in OURS}
    env.update(extra)
    return env


SECRET = "Zq8-" + "v7Lw2nXp4Rt9" * 5
SOUND = {
    "SECRET_KEY": SECRET,
    "ALLOWED_HOSTS": "agir.example.org",
    "SITE_URL": "https://agir.example.org",
    "DATABASE_URL": "postgres://agir@127.0.0.1:5432/agir",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_HOST": "smtp.example.org",
    "DEBUG": "0",
}


def _check(**env: str) -> subprocess.CompletedProcess:
    # check_production connects to nothing: the database and Redis need not exist.
    return subprocess.run(
        [sys.executable, "manage.py", "check_production"],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_sound_production_set_up_passes():
    result = _check(**SOUND)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Production settings checked." in result.stdout


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"DEBUG": "1"}, "agir.E001"),
        (
            {"SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"},
            "agir.E002",
        ),
        ({"SECRET_KEY": "short"}, "agir.E002"),
        ({"SITE_URL": None}, "agir.E003"),  # not set: the development default
        ({"SITE_URL": "http://agir.example.org"}, "agir.E003"),
        ({"SITE_URL": "https://autre.example.org"}, "agir.E005"),
        ({"ALLOWED_HOSTS": "*"}, "agir.E004"),
        ({"REDIS_URL": None}, "agir.W002"),  # a warning fails the start too
        ({"DATABASE_URL": None}, "agir.W001"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),  # Django's own --deploy checks
    ],
)
def test_a_bad_production_setting_stops_the_start(change, expected):
    env = {k: v for k, v in {**SOUND, **change}.items() if v is not None}
    result = _check(**env)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert "Production settings checked." not in result.stdout


def test_a_warning_can_be_accepted_knowingly():
    env = {k: v for k, v in SOUND.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check_production", "--allow", "agir.W002"],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "server_side_cursors_off": db.get("DISABLE_SERVER_SIDE_CURSORS", False),
    "layer_hosts": settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"],
    "cache_options": settings.CACHES["default"]["OPTIONS"],
}))
"""


def _probe(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=_clean_env(DJANGO_SETTINGS_MODULE="project.settings", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_pgbouncer_and_sentinel_settings():
    settings = _probe(
        **{
            **SOUND,
            "DATABASE_POOLER": "pgbouncer",
            "REDIS_URL": "redis://:s3cret@agir/2",
            "REDIS_SENTINELS": "10.0.0.1:26379, 10.0.0.2:26379,10.0.0.3:26379",
            "REDIS_SENTINEL_MASTER": "agir",
        }
    )
    assert settings["server_side_cursors_off"] is True
    (host,) = settings["layer_hosts"]
    assert host["master_name"] == "agir"
    assert host["sentinels"] == [["10.0.0.1", 26379], ["10.0.0.2", 26379], ["10.0.0.3", 26379]]
    assert (host["db"], host["password"]) == (2, "s3cret")
    assert settings["cache_options"]["sentinel_master"] == "agir"
    # Without them: a direct connection, one Redis address.
    plain = _probe(**SOUND)
    assert plain["server_side_cursors_off"] is False
    assert plain["layer_hosts"] == ["redis://127.0.0.1:6379/0"]


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_POOLER": "pgpool"},
        {"REDIS_SENTINELS": "10.0.0.1:26379"},  # no master name
        {"REDIS_SENTINELS": "10.0.0.1", "REDIS_SENTINEL_MASTER": "agir"},  # no port
    ],
)
def test_malformed_pooler_or_sentinel_settings_are_reported(env):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=_clean_env(DJANGO_SETTINGS_MODULE="project.settings", **{**SOUND, **env}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DATABASE_POOLER" in result.stderr or "REDIS_SENTINEL" in result.stderr
