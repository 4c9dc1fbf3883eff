"""Settings for Dialoq, read from environment variables through small typed helpers.

Every helper fails loudly on a value it cannot read, so a misconfigured server
refuses to start instead of running with a silent default.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str | None = None) -> str:
    """Return the variable as text; raise if it is unset and has no default."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a boolean; accept only the usual spellings."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean (use true or false)."
    )


def env_int(name: str, default: int) -> int:
    """Return the variable as an integer."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated variable as a list of stripped items."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Mode -------------------------------------------------------------------
# DEBUG is for development only. DEMO_MODE marks the local demo: it may waive
# two-factor sign-in, and says so on every page. HTTPS turns on the secure
# cookie and transport settings; it is on unless the server runs locally.
DEBUG = env_bool("DIALOQ_DEBUG", False)
DEMO_MODE = env_bool("DIALOQ_DEMO_MODE", False)
HTTPS = env_bool("DIALOQ_HTTPS", not (DEBUG or DEMO_MODE))
DEMO_WAIVE_TWO_FACTOR = DEMO_MODE and env_bool("DIALOQ_DEMO_WAIVE_2FA", True)

DATA_DIR = Path(env_str("DIALOQ_DATA_DIR", str(PROJECT_DIR / "var")))

if DEBUG or DEMO_MODE:
    SECRET_KEY = env_str(
        "DIALOQ_SECRET_KEY", "insecure-local-only-key-for-demo-and-development-0000"
    )
else:
    SECRET_KEY = env_str("DIALOQ_SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DIALOQ_SECRET_KEY must be at least 50 characters.")

# Keys (Fernet, url-safe base64) that encrypt beneficiaries' identifying data.
# The first key encrypts; all decrypt. Outside demo and development they must
# be set; locally a key is derived from SECRET_KEY.
if DEBUG or DEMO_MODE:
    IDENTITY_ENCRYPTION_KEYS = env_list(
        "DIALOQ_IDENTITY_KEYS",
        [
            base64.urlsafe_b64encode(
                hashlib.sha256(("identity:" + SECRET_KEY).encode()).digest()
            ).decode()
        ],
    )
else:
    IDENTITY_ENCRYPTION_KEYS = env_list("DIALOQ_IDENTITY_KEYS", [])
    if not IDENTITY_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "DIALOQ_IDENTITY_KEYS must be set (generate one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        )

ALLOWED_HOSTS = env_list("DIALOQ_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DIALOQ_CSRF_TRUSTED_ORIGINS", [])

# --- Applications -----------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks_db",
    "dialoq.accounts",
    "dialoq.catalog",
    "dialoq.agreements",
    "dialoq.cases",
    "dialoq.feedback",
    "dialoq.measures",
    "dialoq.notifications",
    "dialoq.deviations",
    "dialoq.demo",
    "dialoq.self_assessment",
    "dialoq.dialogues",
]

# Months from a closed cooperative self-assessment to the next one due.
SELF_ASSESSMENT_INTERVAL_MONTHS = env_int("DIALOQ_SELF_ASSESSMENT_INTERVAL_MONTHS", 24)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dialoq.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dialoq.urls"
WSGI_APPLICATION = "dialoq.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dialoq.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# DATABASE_URL selects the database (postgres://user@host/name in production
# and CI); without it Dialoq uses an embedded SQLite file in DIALOQ_DATA_DIR.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'dialoq.sqlite3'}"),
        conn_max_age=env_int("DIALOQ_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------
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
    {
        "NAME": "django.contrib.auth.password_validation"
        ".UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "accounts:sign_in"

# Lock-out: after AXES_FAILURE_LIMIT failed sign-ins for one user name, that
# name is locked for the cool-off time, wherever the attempts came from.
AXES_FAILURE_LIMIT = env_int("DIALOQ_SIGN_IN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DIALOQ_SIGN_IN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dialoq.accounts.views.locked_out"
AXES_VERBOSE = False
# Lock-out is per user name on purpose: locking by IP address would lock out a
# whole office behind one address after one person's typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

OTP_TOTP_ISSUER = "Dialoq"

# Sessions end after SESSION_IDLE_MINUTES without a request, and when the
# browser closes.
SESSION_COOKIE_AGE = 60 * env_int("DIALOQ_SESSION_IDLE_MINUTES", 30)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security headers -------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("DIALOQ_BEHIND_PROXY", False)
    else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served over HTTPS, Dialoq expects `manage.py collectstatic` to have filled
# STATIC_ROOT (hashed names, compressed); locally, files come from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if HTTPS
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not HTTPS
WHITENOISE_AUTOREFRESH = not HTTPS

# --- Retention of social data ---------------------------------------------
# Closed cases whose help ended more than RETENTION_YEARS ago lose their
# personal data when `dialoq retention` runs (daily, see docs/privacy.md).
# Art. 17 GDPR with § 84 SGB X requires social data to be erased once they are
# no longer needed for the task. Three years after the end of a help covers
# follow-up help, complaints and the regular limitation period (§ 195 BGB);
# a funder with longer record-keeping duties sets a longer period. "anonymise"
# keeps the case for statistics without identity or free text about the person;
# "erase" deletes the case entirely.
RETENTION_YEARS = env_int("DIALOQ_RETENTION_YEARS", 3)
if RETENTION_YEARS < 1:
    raise ImproperlyConfigured("DIALOQ_RETENTION_YEARS must be at least 1.")
RETENTION_MODE = env_str("DIALOQ_RETENTION_MODE", "anonymise")
if RETENTION_MODE not in {"anonymise", "erase"}:
    raise ImproperlyConfigured(
        f"DIALOQ_RETENTION_MODE={RETENTION_MODE!r} must be anonymise or erase."
    )

# --- Indicators -------------------------------------------------------------
# How funnel plots handle overdispersion (Spiegelhalter 2005): "none" (pure
# binomial/Poisson limits), "multiplicative" (φ) or "additive" (random
# effects, τ² by DerSimonian–Laird). The adjustment applies only when the
# overdispersion test on winsorised z-scores is positive.
DIALOQ_FUNNEL_ADJUSTMENT = env_str("DIALOQ_FUNNEL_ADJUSTMENT", "additive")
if DIALOQ_FUNNEL_ADJUSTMENT not in {"none", "multiplicative", "additive"}:
    raise ImproperlyConfigured(
        "DIALOQ_FUNNEL_ADJUSTMENT must be none, multiplicative or additive."
    )
# Figures resting on fewer cases (or answers) than this are withheld from
# everybody who does not own the cases, and from every published output
# (dialoq.measures.disclosure, docs/disclosure.md). Below 4, an output could
# show one to three cases, which may identify people: refused.
DISCLOSURE_MINIMUM = env_int("DIALOQ_DISCLOSURE_MINIMUM", 5)
if DISCLOSURE_MINIMUM < 4:
    raise ImproperlyConfigured(
        f"DIALOQ_DISCLOSURE_MINIMUM={DISCLOSURE_MINIMUM} is too small: it must be "
        "at least 4, so that no output shows one to three cases."
    )

# --- Background work --------------------------------------------------------
# Tasks (computing indicator results) are queued in the database and run by
# `dialoq worker`; no further service is needed. A computation queued or
# running that has reported no progress for COMPUTE_RUN_STALE_MINUTES is taken
# as stopped (its worker died) and may be started again.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
COMPUTE_RUN_STALE_MINUTES = env_int("DIALOQ_COMPUTE_STALE_MINUTES", 120)
if COMPUTE_RUN_STALE_MINUTES < 1:
    raise ImproperlyConfigured("DIALOQ_COMPUTE_STALE_MINUTES must be at least 1.")

# --- E-mail -----------------------------------------------------------------
_EMAIL_BACKEND = env_str(
    "DIALOQ_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or DEMO_MODE
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env_str("DIALOQ_EMAIL_HOST", "localhost"),
                "port": env_int("DIALOQ_EMAIL_PORT", 25),
            }
            if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("DIALOQ_FROM_EMAIL", "dialoq@localhost")
# Links in e-mails point here.
DIALOQ_BASE_URL = env_str("DIALOQ_BASE_URL", "http://127.0.0.1:8000")

# --- Deviations, standards and complaints -----------------------------------
# A standard is flagged for review when, over the last twelve months, at least
# this share of the checked cases had a breach, spread over at least the
# given number of caseworkers or of providers.
STANDARD_REVIEW_BREACH_RATE = float(
    env_str("DIALOQ_STANDARD_REVIEW_BREACH_RATE", "0.3")
)
STANDARD_REVIEW_MIN_WORKERS = env_int("DIALOQ_STANDARD_REVIEW_MIN_WORKERS", 5)
STANDARD_REVIEW_MIN_PROVIDERS = env_int("DIALOQ_STANDARD_REVIEW_MIN_PROVIDERS", 2)
if not 0 < STANDARD_REVIEW_BREACH_RATE <= 1:
    raise ImproperlyConfigured(
        "DIALOQ_STANDARD_REVIEW_BREACH_RATE must be above 0 and at most 1."
    )
# Days a new deviation has until it should be closed, by severity.
DEVIATION_DUE_DAYS = {"low": 90, "medium": 60, "high": 30, "critical": 7}
# Complaints: confirm receipt and answer within so many working days.
COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = env_int("DIALOQ_COMPLAINT_ACKNOWLEDGE_DAYS", 3)
COMPLAINT_ANSWER_WORKING_DAYS = env_int("DIALOQ_COMPLAINT_ANSWER_DAYS", 20)
# The public complaint form accepts so many complaints per hour and address.
COMPLAINT_FORM_LIMIT_PER_HOUR = env_int("DIALOQ_COMPLAINT_FORM_LIMIT_PER_HOUR", 5)
MONITOR_RUN_STALE_MINUTES = env_int("DIALOQ_MONITOR_STALE_MINUTES", 60)

# --- Logging ----------------------------------------------------------------
# Personal data never goes into logs: log records carry ids and pseudonyms only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DIALOQ_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
