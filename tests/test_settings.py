"""Settings come from the environment: safe by default, strict in production.

Each test loads the settings in a fresh interpreter with exactly the
environment it names, so nothing leaks from the test run's own settings.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
OURS = {
    # tests/conftest.py sets it for Playwright; a deployment must not.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "PROCESS_NAME",
    "EMAIL_URL",
    "EMAIL_TIMEOUT",
    "REDIS_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "TRUSTED_PROXY_COUNT",
}
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-enough-" + "k" * 20,
    "ALLOWED_HOSTS": "coachloop.example.com",
    # Django refuses the console backend in a deployment (mail.E001).
    "EMAIL_URL": "smtp://mail.example.com:587",
    "SITE_URL": "https://coachloop.example.com",
}
SHOW = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in %r}, default=str))
"""


def load(names: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    clean["DJANGO_SETTINGS_MODULE"] = "coachloop.settings"
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SHOW % (names,)],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_with(*names: str, **env: str) -> dict:
    result = load(list(names), **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def refused(**env: str) -> str:
    result = load(["DEBUG"], **env)
    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_development_defaults_are_safe_to_run_without_any_configuration():
    got = settings_with("DEBUG", "MAILERS", "ALLOWED_HOSTS", "DATABASES")
    assert got["DEBUG"] is True
    assert got["MAILERS"]["default"]["BACKEND"] == "common.mail.ConsoleEmailBackend"
    assert "127.0.0.1" in got["ALLOWED_HOSTS"]
    assert got["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_production_refuses_to_start_without_a_secret_key():
    message = refused(DEBUG="false", ALLOWED_HOSTS="coachloop.example.com")
    assert "SECRET_KEY" in message


def test_production_refuses_to_start_without_allowed_hosts():
    message = refused(DEBUG="false", SECRET_KEY=PRODUCTION["SECRET_KEY"])
    assert "ALLOWED_HOSTS" in message


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_boolean_that_is_neither_true_nor_false_is_refused(value):
    message = refused(DEBUG=value)
    assert "DEBUG" in message and value in message


@pytest.mark.parametrize(("value", "expected"), [("Yes", True), ("off", False)])
def test_booleans_accept_the_usual_spellings(value, expected):
    # Production settings given, so that "off" can start too.
    assert settings_with("DEBUG", **PRODUCTION | {"DEBUG": value})["DEBUG"] is expected


def test_an_integer_that_is_not_a_number_is_refused():
    message = refused(CONN_MAX_AGE="a minute")
    assert "CONN_MAX_AGE" in message


def test_production_switches_on_the_strict_settings():
    got = settings_with(
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "STORAGES",
        "ALLOWED_HOSTS",
        **PRODUCTION,
    )
    assert got["DEBUG"] is False
    assert got["SESSION_COOKIE_SECURE"] is True
    assert got["CSRF_COOKIE_SECURE"] is True
    assert got["SECURE_SSL_REDIRECT"] is True
    assert got["SECURE_HSTS_SECONDS"] >= 31536000
    assert got["ALLOWED_HOSTS"] == ["coachloop.example.com"]
    assert "Manifest" in got["STORAGES"]["staticfiles"]["BACKEND"]


def test_the_deployment_checks_pass_with_production_settings():
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={**clean, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_smtp_email_url_becomes_an_smtp_mailer_with_a_timeout():
    mailer = settings_with(
        "MAILERS", EMAIL_URL="smtp://coach%40example.com:s3cr%3At@mail.example.com:2525"
    )["MAILERS"]["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] == {
        "host": "mail.example.com",
        "port": 2525,
        "username": "coach@example.com",
        "password": "s3cr:t",
        "use_ssl": False,
        "use_tls": False,
        # A hung mail server must not hang a worker.
        "timeout": 10,
    }


def test_a_local_mail_catcher_needs_only_host_and_port():
    options = settings_with("MAILERS", EMAIL_URL="smtp://127.0.0.1:1025")["MAILERS"]["default"][
        "OPTIONS"
    ]
    assert (options["host"], options["port"], options["username"], options["password"]) == (
        "127.0.0.1",
        1025,
        "",
        "",
    )


@pytest.mark.parametrize(
    ("url", "port", "use_ssl", "use_tls"),
    [
        ("smtp://mail.example.com", 25, False, False),
        ("smtp://mail.example.com?tls=true", 25, False, True),
        ("submission://mail.example.com", 587, False, True),
        ("smtps://mail.example.com", 465, True, False),
    ],
)
def test_the_scheme_chooses_port_and_encryption(url, port, use_ssl, use_tls):
    options = settings_with("MAILERS", EMAIL_URL=url)["MAILERS"]["default"]["OPTIONS"]
    assert (options["port"], options["use_ssl"], options["use_tls"]) == (port, use_ssl, use_tls)


def test_the_smtp_timeout_comes_from_the_environment():
    mailer = settings_with("MAILERS", EMAIL_URL="smtp://mail.example.com", EMAIL_TIMEOUT="3")
    assert mailer["MAILERS"]["default"]["OPTIONS"]["timeout"] == 3


def test_console_email_url_prints_emails():
    mailer = settings_with("MAILERS", EMAIL_URL="console:")["MAILERS"]["default"]
    assert mailer == {"BACKEND": "common.mail.ConsoleEmailBackend"}


def test_an_unknown_email_scheme_is_refused():
    assert "EMAIL_URL" in refused(EMAIL_URL="carrier-pigeon://coop")


def test_postgres_connections_carry_the_process_name_and_keep_alive():
    db = settings_with(
        "DATABASES",
        DATABASE_URL="postgres://coachloop:pw@db.example.com:5432/coachloop",
        CONN_MAX_AGE="60",
        PROCESS_NAME="worker",
    )["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["NAME"], db["CONN_MAX_AGE"]) == ("db.example.com", "coachloop", 60)
    assert db["OPTIONS"]["application_name"] == "coachloop-worker"


def test_the_broker_comes_from_redis_url():
    got = settings_with("CELERY_BROKER_URL", REDIS_URL="redis://cache.example.com:6380/2")
    assert got["CELERY_BROKER_URL"] == "redis://cache.example.com:6380/2"


def test_rate_limit_counters_are_shared_through_redis_in_production():
    got = settings_with("CACHES", **PRODUCTION, REDIS_URL="redis://cache.example.com:6380/2")
    cache = got["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://cache.example.com:6380/2"


def test_rate_limit_counters_stay_in_memory_in_development():
    got = settings_with("CACHES")
    assert got["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_the_client_address_comes_from_the_connection_unless_proxies_are_trusted():
    assert settings_with("TRUSTED_PROXY_COUNT")["TRUSTED_PROXY_COUNT"] == 0
    got = settings_with("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="1")
    assert got["TRUSTED_PROXY_COUNT"] == 1
    assert "TRUSTED_PROXY_COUNT" in refused(TRUSTED_PROXY_COUNT="-1")


def test_production_refuses_to_start_without_site_url():
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}

    result = load(["SITE_URL"], **env)

    assert result.returncode != 0
    assert "SITE_URL must be set" in result.stderr


def test_pages_carry_a_content_security_policy_with_a_script_nonce(client):
    response = client.get("/accounts/login/")

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.text


def test_two_checkouts_on_one_redis_use_different_queues():
    one = settings_with("CELERY_TASK_DEFAULT_QUEUE", DATABASE_URL="sqlite:////tmp/one.sqlite3")
    two = settings_with("CELERY_TASK_DEFAULT_QUEUE", DATABASE_URL="sqlite:////tmp/two.sqlite3")
    again = settings_with("CELERY_TASK_DEFAULT_QUEUE", DATABASE_URL="sqlite:////tmp/one.sqlite3")

    assert one["CELERY_TASK_DEFAULT_QUEUE"] != two["CELERY_TASK_DEFAULT_QUEUE"]
    assert one == again  # the worker and the web app of one checkout agree


def test_send_reminders_by_hand_links_to_the_app_scripts_run_is_serving():
    # scripts/run leaves the address it serves on in var/site_url (and removes it on exit).
    marker = BASE_DIR / "var" / "site_url"
    previous = marker.read_text() if marker.exists() else None
    marker.parent.mkdir(exist_ok=True)
    marker.write_text("http://127.0.0.1:8123\n")
    try:
        assert settings_with("SITE_URL")["SITE_URL"] == "http://127.0.0.1:8123"
        # An explicit SITE_URL still wins, and production never reads the file.
        assert settings_with("SITE_URL", SITE_URL="http://a.example")["SITE_URL"] == (
            "http://a.example"
        )
        assert settings_with("SITE_URL", **PRODUCTION)["SITE_URL"] == PRODUCTION["SITE_URL"]
    finally:
        if previous is None:
            marker.unlink()
        else:
            marker.write_text(previous)
