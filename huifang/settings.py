"""Huifang settings, read from the environment.

``HUIFANG_ENV`` picks the defaults: ``production`` (the default: every secret
must be given), ``demo`` (one machine, SQLite, secrets generated under the
var directory) or ``test``. Everything else is an environment variable; a
secret may also be read from ``<NAME>_FILE``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent

HUIFANG_ENV = os.environ.get("HUIFANG_ENV", "production")
if HUIFANG_ENV not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(f"HUIFANG_ENV must be production, demo or test, not {HUIFANG_ENV!r}")
DEMO = HUIFANG_ENV == "demo"
TESTING = HUIFANG_ENV == "test"

VAR_DIR = Path(os.environ.get("HUIFANG_VAR_DIR") or Path.cwd() / "var").resolve()


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name: str, *, demo_generate: str | None = None, test_value: str = "") -> str:
    """A secret from ``NAME`` or the file named by ``NAME_FILE``.

    In the demo a missing secret is generated once and kept under the var
    directory; in production a missing secret is left empty and the
    ``huifang.E001`` check stops the server and workers from starting.
    """
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from exc
    if TESTING:
        return test_value
    if DEMO and demo_generate is not None:
        keyfile = VAR_DIR / f"{name.lower()}.txt"
        if not keyfile.exists():
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            keyfile.write_text(demo_generate, encoding="utf-8")
            keyfile.chmod(0o600)
        return keyfile.read_text(encoding="utf-8").strip()
    # Left empty: commands that need no secret (migrate, makemigrations) still
    # work, while anything that needs it fails with a clear message, and
    # ``huifang serve`` / ``huifang worker`` refuse to start (core.checks).
    return ""


def _fernet_key() -> str:
    import base64

    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


SECRET_KEY = envsecret(
    "SECRET_KEY",
    demo_generate=secrets.token_urlsafe(50),
    test_value="test-secret-key-not-for-production-" + "x" * 30,
)
# Comma-separated Fernet keys: the first encrypts, all decrypt (key rotation).
FIELD_ENCRYPTION_KEYS = [
    key
    for key in envsecret(
        "HUIFANG_FIELD_KEYS",
        demo_generate=_fernet_key(),
        test_value="o1xVn0iDtm3u9Qa5C3E1xYKpZ8J7n4dD2nqvG4Zc3Wk=",
    ).split(",")
    if key.strip()
]
# Keyed hash for looking up encrypted values (ID numbers) without decrypting.
LOOKUP_HASH_KEY = envsecret(
    "HUIFANG_LOOKUP_KEY",
    demo_generate=secrets.token_urlsafe(32),
    test_value="test-lookup-key",
)

DEBUG = envbool("DEBUG", False)

ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS",
    ["localhost", "127.0.0.1", "[::1]"] if (DEMO or TESTING) else [],
)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "huifang.accounts.lockout.SignInLockoutConfig",  # django-axes
    "huey.contrib.djhuey",
    "ninja",
    "huifang.core",
    "huifang.accounts",
    "huifang.patients",
    "huifang.followups",
    "huifang.surveys",
    "huifang.messaging",
    "huifang.feedback",
    "huifang.reports",
    "huifang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "huifang.core.middleware.RequestContextMiddleware",
    "huifang.core.middleware.ApplicationErrorMiddleware",
    "huifang.core.middleware.LoginRequiredMiddleware",
    # AxesMiddleware should be the last middleware.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "huifang.urls"
WSGI_APPLICATION = "huifang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "huifang.core.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under the var directory unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'huifang.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue on the busy timeout instead
        # of failing half-way with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("HUIFANG_TEST_SQLITE_NAME")}
    if not TESTING:
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: lock a user name coming from one address after repeated
# failures, for a cool-off period.
AXES_FAILURE_LIMIT = envint("HUIFANG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("HUIFANG_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = envbool("HUIFANG_LOGIN_THROTTLING", True)
AXES_CLIENT_IP_CALLABLE = "huifang.core.middleware.client_ip"

# Sessions end after a period without activity and when the browser closes.
SESSION_COOKIE_AGE = envint("HUIFANG_SESSION_IDLE_MINUTES", 120) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# HTTPS: on in production (behind a TLS-terminating proxy), off in the demo.
HTTPS = envbool("HUIFANG_HTTPS", not (DEMO or TESTING))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = envint("HUIFANG_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Background work. SqliteHuey beside the database by default; Redis or
# PostgreSQL for several machines (HUEY_BACKEND=redis|postgres).
HUEY_BACKEND = os.environ.get("HUEY_BACKEND", "sqlite")
_huey_common = {
    "name": os.environ.get("HUEY_NAME", "huifang"),
    "immediate": envbool("HUEY_IMMEDIATE", TESTING),
    # Local (Asia/Shanghai, which Django sets as the process time zone) so
    # crontab hours are the hospital's hours.
    "utc": False,
    "consumer": {
        "workers": envint("HUEY_WORKERS", 2),
        "worker_type": "thread",
        "periodic": True,
        "check_worker_health": True,
    },
}
if HUEY_BACKEND == "sqlite":
    HUEY = {
        **_huey_common,
        "huey_class": "huey.SqliteHuey",
        "filename": os.environ.get("HUEY_SQLITE_PATH") or str(VAR_DIR / "huey.sqlite3"),
    }
elif HUEY_BACKEND == "redis":
    HUEY = {
        **_huey_common,
        "huey_class": "huey.RedisHuey",
        "url": os.environ.get("HUEY_REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
elif HUEY_BACKEND == "postgres":
    HUEY = {
        **_huey_common,
        "huey_class": "huey.PostgresHuey",
        "dsn": os.environ.get("HUEY_POSTGRES_DSN") or os.environ.get("DATABASE_URL", ""),
    }
else:
    raise ImproperlyConfigured(
        f"HUEY_BACKEND must be sqlite, redis or postgres, not {HUEY_BACKEND!r}"
    )

HUIFANG_HOSPITAL_NAME = os.environ.get("HUIFANG_HOSPITAL_NAME", "示范人民医院")
# ICD-10 prefixes whose diagnoses are sensitive: never spoken to anyone but
# the patient, never put in an SMS (malignant neoplasms, HIV, mental illness).
HUIFANG_SENSITIVE_ICD_PREFIXES = envlist(
    "HUIFANG_SENSITIVE_ICD_PREFIXES",
    ["C", "D0", "B20", "B21", "B22", "B23", "B24", "Z21", "F2", "F3"],
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # Configured here, so the task consumer (run_huey) adds no handler of
        # its own and each of its lines is written once, not twice.
        "huey": {"handlers": ["console"], "propagate": False},
    },
}
# Behind a reverse proxy: take the client address from X-Forwarded-For, as
# written by the nearest HUIFANG_TRUSTED_PROXY_COUNT proxies.
HUIFANG_TRUST_X_FORWARDED_FOR = envbool("HUIFANG_TRUST_X_FORWARDED_FOR", False)
HUIFANG_TRUSTED_PROXY_COUNT = envint("HUIFANG_TRUSTED_PROXY_COUNT", 1)
# Sign-in records (django-axes logs) older than this are removed nightly.
HUIFANG_ACCESS_LOG_DAYS = envint("HUIFANG_ACCESS_LOG_DAYS", 180)

# Follow-up scheduling.
# A readmission cancels the pending discharge follow-up of the previous stay.
HUIFANG_CANCEL_ON_READMISSION = envbool("HUIFANG_CANCEL_ON_READMISSION", True)
# Due phone tasks of one patient within this many days merge into one call.
HUIFANG_MERGE_DAYS = envint("HUIFANG_MERGE_DAYS", 3)
# At most this many contacts per patient in any 7 days.
HUIFANG_WEEKLY_CONTACT_CAP = envint("HUIFANG_WEEKLY_CONTACT_CAP", 2)
# PostgreSQL: a large generation run is planned in this many lanes (threads) by patient.
HUIFANG_GENERATION_THREADS = envint("HUIFANG_GENERATION_THREADS", 2)

# The workbench.
# A claimed task stays with its agent this long; the open page renews it.
HUIFANG_TASK_LEASE_MINUTES = envint("HUIFANG_TASK_LEASE_MINUTES", 30)
# A callback booked by one agent opens to the team once it has waited this long unanswered.
HUIFANG_CALLBACK_OPEN_AFTER_MINUTES = envint("HUIFANG_CALLBACK_OPEN_AFTER_MINUTES", 30)
# A red flag reported on a call must be answered by the department within this many hours.
HUIFANG_ESCALATION_HOURS = envint("HUIFANG_ESCALATION_HOURS", 24)
# A callback booked with a patient must fall in these hours (local time, the end
# included), or in the patient's own preferred time; night-time bookings are refused.
HUIFANG_CALLBACK_HOURS = os.environ.get("HUIFANG_CALLBACK_HOURS", "08:00-21:00")
# The call windows of touchpoints that set none ("10:00-12:00,15:00-17:00"); a
# demo started out of office hours may use "00:00-23:59" (docs/workbench.md).
HUIFANG_CALL_WINDOWS = os.environ.get("HUIFANG_CALL_WINDOWS", "")
# Call on days off too (weekends and holidays): for trying the demo on a Sunday only.
HUIFANG_CALL_EVERY_DAY = envbool("HUIFANG_CALL_EVERY_DAY", False)

# Reports: each agent's required follow-up rate (a fraction); one assessment
# point is deducted per full 5 % below it.
HUIFANG_AGENT_REQUIRED_RATE = os.environ.get("HUIFANG_AGENT_REQUIRED_RATE", "0.95")
# Five-level answers a doctor or nurse needs before the satisfaction page ranks them.
HUIFANG_SATISFACTION_MIN_ANSWERS = envint("HUIFANG_SATISFACTION_MIN_ANSWERS", 10)
# Reports: the lower bounds of the age bands (0–17, 18–44, 45–59, 60–74, 75+).
HUIFANG_REPORT_AGE_BANDS = envlist("HUIFANG_REPORT_AGE_BANDS", ["0", "18", "45", "60", "75"])
# Reports: a discharge counts as a return visit when seen again within this many days.
HUIFANG_RETURN_VISIT_DAYS = envint("HUIFANG_RETURN_VISIT_DAYS", 30)
# Reports: a department's monthly assessment points per late and per reopened case,
# and the most a department loses in a month (empty: no cap).
HUIFANG_DEPARTMENT_POINTS_PER_LATE_CASE = os.environ.get(
    "HUIFANG_DEPARTMENT_POINTS_PER_LATE_CASE", "1"
)
HUIFANG_DEPARTMENT_POINTS_PER_REOPENED_CASE = os.environ.get(
    "HUIFANG_DEPARTMENT_POINTS_PER_REOPENED_CASE", "1"
)
HUIFANG_DEPARTMENT_POINTS_CAP = os.environ.get("HUIFANG_DEPARTMENT_POINTS_CAP", "10")
# PDF reports: empty → Chinese in the STSong-Light CID font (not embedded);
# a path to a TrueType font (.ttf/.ttc) → that font, embedded (docs/deploy.md).
HUIFANG_PDF_FONT = os.environ.get("HUIFANG_PDF_FONT", "")

# Complaints and suggestions: remind the department this many hours before its deadline;
# a case the patient is still not satisfied with goes back to the department this many
# times before it is escalated; attachments up to this many megabytes.
HUIFANG_FEEDBACK_REMINDER_HOURS = envint("HUIFANG_FEEDBACK_REMINDER_HOURS", 24)
HUIFANG_FEEDBACK_REOPEN_LIMIT = envint("HUIFANG_FEEDBACK_REOPEN_LIMIT", 1)
HUIFANG_FEEDBACK_ATTACHMENT_MAX_MB = envint("HUIFANG_FEEDBACK_ATTACHMENT_MAX_MB", 10)

# Questionnaires: a link sent to a patient (SMS, QR code) works for this many days.
HUIFANG_SURVEY_LINK_DAYS = envint("HUIFANG_SURVEY_LINK_DAYS", 14)

# Messaging (SMS and e-mail to patients), see docs/messaging.md.
# The site's address as patients reach it: survey links in SMS start with it.
HUIFANG_BASE_URL = os.environ.get("HUIFANG_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_SMS_BACKENDS = {
    "outbox": "huifang.messaging.backends.outbox.OutboxBackend",
    "console": "huifang.messaging.backends.console.ConsoleBackend",
    "http": "huifang.messaging.backends.http_gateway.HttpGatewayBackend",
    "aliyun": "huifang.messaging.backends.aliyun.AliyunSmsBackend",
    "smtp": "huifang.messaging.backends.smtp.SmtpBackend",
}
_sms_backend = os.environ.get("HUIFANG_SMS_BACKEND", "outbox")
_email_backend = os.environ.get("HUIFANG_EMAIL_BACKEND", "outbox")
HUIFANG_MESSAGE_BACKENDS = {
    "sms": {
        "BACKEND": _SMS_BACKENDS.get(_sms_backend, _sms_backend),
        "RATE": envint("HUIFANG_SMS_RATE", 50),
        "OPTIONS": {
            "http": {
                "url": os.environ.get("HUIFANG_SMS_GATEWAY_URL", ""),
                "secret": envsecret("HUIFANG_SMS_GATEWAY_SECRET", test_value="gateway-secret"),
                "fields": {
                    k: v
                    for k, v in (
                        item.split("=", 1)
                        for item in envlist("HUIFANG_SMS_GATEWAY_FIELDS", [])
                        if "=" in item
                    )
                },
            },
            "aliyun": {
                "access_key_id": os.environ.get("HUIFANG_ALIYUN_ACCESS_KEY_ID", ""),
                "access_key_secret": envsecret("HUIFANG_ALIYUN_ACCESS_KEY_SECRET"),
                "sign_name": os.environ.get("HUIFANG_SMS_SIGNATURE", HUIFANG_HOSPITAL_NAME),
                "url": os.environ.get("HUIFANG_ALIYUN_URL", "https://dysmsapi.aliyuncs.com/"),
            },
        }.get(_sms_backend, {}),
    },
    "email": {
        "BACKEND": _SMS_BACKENDS.get(_email_backend, _email_backend),
        "RATE": envint("HUIFANG_EMAIL_RATE", 10),
        "OPTIONS": {
            "host": os.environ.get("HUIFANG_SMTP_HOST", "localhost"),
            "port": envint("HUIFANG_SMTP_PORT", 25),
            "username": os.environ.get("HUIFANG_SMTP_USER", ""),
            "password": envsecret("HUIFANG_SMTP_PASSWORD"),
            "use_tls": envbool("HUIFANG_SMTP_STARTTLS", False),
            "use_ssl": envbool("HUIFANG_SMTP_SSL", False),
            "from_address": os.environ.get("HUIFANG_EMAIL_FROM", "huifang@localhost"),
        }
        if _email_backend == "smtp"
        else {},
    },
}
# The signature 【…】 in front of every SMS and the instruction greetings and marketing end with.
HUIFANG_SMS_SIGNATURE = os.environ.get("HUIFANG_SMS_SIGNATURE", HUIFANG_HOSPITAL_NAME)
HUIFANG_SMS_OPT_OUT_SUFFIX = os.environ.get("HUIFANG_SMS_OPT_OUT_SUFFIX", "回复TD退订")
# Replies that opt the sender out (case and spaces ignored).
HUIFANG_SMS_OPT_OUT_WORDS = envlist("HUIFANG_SMS_OPT_OUT_WORDS", ["TD", "退订", "STOP", "T"])
# No SMS between these local times (across midnight when start > end).
HUIFANG_SMS_QUIET_START = os.environ.get("HUIFANG_SMS_QUIET_START", "21:00")
HUIFANG_SMS_QUIET_END = os.environ.get("HUIFANG_SMS_QUIET_END", "08:00")
# At most this many messages per patient in any 7 days (clinical reminders are never held back).
HUIFANG_MESSAGE_WEEKLY_CAP = envint("HUIFANG_MESSAGE_WEEKLY_CAP", 3)
# After a marketing opt-out (TD), clinical reminders and survey invitations still go out.
HUIFANG_CLINICAL_AFTER_MARKETING_OPT_OUT = envbool("HUIFANG_CLINICAL_AFTER_MARKETING_OPT_OUT", True)
# A phone task that failed this many calls sends the call-us-back SMS (0: never).
HUIFANG_CALL_US_BACK_AFTER = envint("HUIFANG_CALL_US_BACK_AFTER", 3)
HUIFANG_HOTLINE = os.environ.get("HUIFANG_HOTLINE", "")
# A sender that died holding messages loses them to another after this many seconds.
HUIFANG_MESSAGE_LEASE_SECONDS = envint("HUIFANG_MESSAGE_LEASE_SECONDS", 120)
# Receipts and replies from the gateway are signed with this secret (the gateway's).
HUIFANG_SMS_WEBHOOK_SECRET = envsecret("HUIFANG_SMS_GATEWAY_SECRET", test_value="gateway-secret")
# Gateway error codes in receipts that say the number no longer works, and the phone status.
HUIFANG_SMS_NUMBER_ERRORS = {
    **{code: "invalid" for code in envlist("HUIFANG_SMS_INVALID_CODES", ["EMPTY_NUMBER", "空号"])},
    **{code: "suspended" for code in envlist("HUIFANG_SMS_SUSPENDED_CODES", ["SUSPENDED", "停机"])},
}
