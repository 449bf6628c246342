"""Test settings: the environment decides the database and Redis, like production."""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 32)
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The origin of the in-process test clients (the room socket checks it exactly).
os.environ.setdefault("CSRF_TRUSTED_ORIGINS", "http://testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# Tasks run for real, in the caller (after commit); tests of the queue itself switch to the
# database backend and run the worker. The publish-time PDF render is on in its own tests
# only (1.6–3.6 s each, and many tests publish).
os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("SUMMARY_PDF_ON_PUBLISH", "0")

from project.settings import *  # noqa: F403
from project.settings import CACHES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Server subprocesses (tests/servers.py) write their e-mails as files the test reads
# (tests/e2e: sign-up confirmation, login codes), and serve static files from the
# source folders, as there is no collectstatic in a test run.
if os.environ.get("TEST_EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
WHITENOISE_USE_FINDERS = True
# As with DEBUG (settings.py): the source folders are served, staticfiles/ need not exist.
warnings.filterwarnings("ignore", r"No directory at: ", UserWarning)
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# One Redis database for the whole run is fine: keys are prefixed per test process, and
# the server subprocesses a test starts share its prefix (sessions are read through the
# cache: a session revoked by one process must be gone for the others).
if "KEY_PREFIX" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = (
        os.environ.get("TEST_CACHE_PREFIX") or f"agir-test-{os.getpid()}"
    )

# Server subprocesses (tests/servers.py) must see the test database: on SQLite
# it is a file, one per test process.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    import tempfile as _tempfile
    from pathlib import Path as _Path

    _test_db_dir = _Path(os.environ.get("TEST_DB_DIR", _tempfile.gettempdir()))
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db_dir / f"agir-test-{os.getpid()}.sqlite3")}  # noqa: F405
