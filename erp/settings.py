"""ViorNet ERP settings: the one module that reads the environment.

Defaults give a working one-machine install (SQLite under var/, an embedded Celery broker,
local-memory cache). DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis. Every variable
read here is documented in .env.example.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.exists():
    environ.Env.read_env(str(_env_file))

ERP_ENV = env.str("ERP_ENV", default="development")
if ERP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("ERP_ENV must be 'development' or 'production'.")
PRODUCTION = ERP_ENV == "production"

VAR_DIR = Path(env.str("ERP_VAR_DIR", default="") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _dev_secret(name: str, make: callable) -> str:
    """Read a development secret from var/, creating it on first run.

    Production never reaches this: a missing secret there is a configuration error, so that
    nobody runs a real install on a key that sits in a file next to the code.
    """
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _required_secret(var: str, dev_file: str, make: callable) -> str:
    value = env.str(var, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{var} must be set when ERP_ENV=production.")
    return _dev_secret(dev_file, make)


SECRET_KEY = _required_secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation: prepend a new key,
# run `manage.py rotate_fernet_keys`, then drop the old one).
FERNET_KEYS = [
    k.strip()
    for k in _required_secret(
        "FERNET_KEYS", "fernet_keys", lambda: Fernet.generate_key().decode()
    ).split(",")
    if k.strip()
]

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or (
    [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "viewflow",
    "viewflow.workflow",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "axes",
    "django_celery_beat",
    "phonenumber_field",
    "rosetta",
    "erp.core",
    "erp.accounts",
    "erp.sites",
    "erp.clients",
    "erp.mikrotik",
    "erp.vouchers",
    "erp.sales",
    "erp.finance",
    "erp.notifications",
    "erp.assets",
    "analytics",
    "erp.maintenance",
    "erp.workbench",
    "erp.demo",
    "erp.ops",
    "workflows.voucher_batch",
    "workflows.fault_repair",
    "workflows.support_ticket",
    "erp.payments",
    "erp.portal",
    "erp.sync",
    "erp.messaging",
    "erp.support",
    "erp.integrations.portabilling",
    "erp.integrations.openwisp",
]

MIDDLEWARE = [
    "erp.core.middleware.RequestIdMiddleware",
    "erp.core.middleware.RejectNulMiddleware",
    "erp.core.middleware.TextLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "erp.core.middleware.UserLanguageMiddleware",
    "erp.sites.middleware.SiteTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    "erp.core.ratelimit.RateLimitMiddleware",
    # Axes last: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "erp.urls"
WSGI_APPLICATION = "erp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "erp" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "erp.core.context_processors.erp",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'viornet.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the Celery worker share the file: WAL lets readers run beside one
    # writer, IMMEDIATE takes the write lock up front so two writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT compiling costs ~150 ms per analytics query and saves less on queries this short.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and broker ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="viornet"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    for _d in (_queue_dir, _processed_dir):
        _d.mkdir(parents=True, exist_ok=True)
    # Producer and consumer share one folder: that is the whole embedded broker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        # Exchange tables too (kombu's default is ./control, in whatever folder a process
        # was started from: a worker started in the checkout wrote into the repository).
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A message is redelivered when its worker has not acknowledged it within this time (a
    # worker killed whole): longer than the longest batch job (1,900 s) and its retry delays,
    # shorter than kombu's hour. The batch reaper resumes a lost job well before that anyway.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2400)
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env.str("TIME_ZONE", default="Africa/Dar_es_Salaam")

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# --- internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("sw", _("Swahili")), ("fr", _("French"))]
# Ours first (our wording wins), then the libraries' strings their packages leave untranslated
# (viewflow, DRF, Django's forms …): `manage.py messages` keeps both (README: Translations).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale-libraries"]
TIME_ZONE = CELERY_TIMEZONE
USE_I18N = True
USE_TZ = True

CURRENCY = env.str("CURRENCY", default="TZS")
# The language a new site (and so its new clients' SMS and portal) starts with.
SITE_LANGUAGE = env.str("SITE_LANGUAGE", default="sw")

# django-rosetta at /translations/: translators edit locale/<lang>/LC_MESSAGES/django.po in the
# browser; only the Super Admin (erp.accounts.models.can_translate). The .po files are written
# on this server's disk: commit them from there (README "Translations").
ROSETTA_ACCESS_CONTROL_FUNCTION = "erp.accounts.models.can_translate"
ROSETTA_MESSAGES_PER_PAGE = 25
ROSETTA_SHOW_AT_ADMIN_PANEL = False
ROSETTA_ENABLE_TRANSLATION_SUGGESTIONS = False  # no outside translation service is reached
ROSETTA_WSGI_AUTO_RELOAD = env.bool("ROSETTA_WSGI_AUTO_RELOAD", default=False)
# Printed at the top of reports, receipts and e-mails.
ORGANISATION_NAME = env.str("ORGANISATION_NAME", default="ViorNet")
PHONENUMBER_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="TZ")
PHONENUMBER_DB_FORMAT = "E164"

# --- static and media ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: compressed (gzip, brotli) and content-hashed names, which whitenoise serves
    # cached for a year as immutable (erp/core/staticfiles.py; it tolerates the references to
    # files viewflow and Dash do not ship). Compressing the ~30 MB of viewflow, plotly and
    # Swagger files takes minutes of two cores, worth it in production only: a first
    # `make run` copies them (2 s) and serves them as they are.
    "staticfiles": {
        "BACKEND": "erp.core.staticfiles.StaticStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's bearer token, then the user's language (erp/accounts/authentication.py)
        "erp.accounts.authentication.LanguageJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["erp.core.permissions.ModelPermissions"],
    "DEFAULT_PARSER_CLASSES": [
        "erp.core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "erp.core.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "erp.core.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "erp.core.api.exception_handler",
    # Counted in the shared cache by erp.core.ratelimit (rates: RATE_LIMITS below).
    "DEFAULT_THROTTLE_CLASSES": [
        "erp.core.ratelimit.ApiUserThrottle",
        "erp.core.ratelimit.ApiAnonThrottle",
        "erp.core.ratelimit.ViewRulesThrottle",
    ],
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": SECRET_KEY,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ViorNet ERP API",
    "DESCRIPTION": (
        "Sites, routers, clients, vouchers and users of a WiFi reseller. JWT bearer tokens."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers (400, 401, 403, 404, 409, 413, 415, 429): erp/core/schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "erp.core.schema.add_error_answers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SiteStatusEnum": "erp.sites.choices.SiteStatus",
        "RouterStatusEnum": "erp.sites.choices.RouterStatus",
        "VoucherStatusEnum": "erp.vouchers.choices.VoucherStatus",
        "BatchStatusEnum": "erp.vouchers.choices.BatchStatus",
        "PaymentMethodEnum": "erp.sales.choices.PaymentMethod",
        "AssetStatusEnum": "erp.assets.choices.AssetStatus",
        "AssetConditionEnum": "erp.assets.choices.AssetCondition",
        "MovementKindEnum": "erp.assets.choices.MovementKind",
        "FaultStatusEnum": "erp.maintenance.choices.FaultStatus",
        "FaultSeverityEnum": "erp.maintenance.choices.Severity",
        "SyncConflictKindEnum": "erp.sync.choices.ConflictKind",
        "SmsKindEnum": "erp.messaging.choices.MessageKind",
        "SmsStateEnum": "erp.messaging.choices.MessageState",
        "SmsCampaignStateEnum": "erp.messaging.choices.CampaignState",
        # (the SMS languages are the users' languages, en/sw/fr: UserLanguageEnum names both)
        "TicketStatusEnum": "erp.support.choices.TicketStatus",
        "TicketChannelEnum": "erp.support.choices.Channel",
        "TicketPriorityEnum": "erp.support.choices.Priority",
        "TicketDirectionEnum": "erp.support.choices.Direction",
        "UserLanguageEnum": LANGUAGES,
        "PaymentStatusEnum": "erp.payments.choices.PaymentStatus",
        "PaymentRefundStateEnum": "erp.payments.choices.RefundState",
    },
}

# --- e-mail ---------------------------------------------------------------------------------
if PRODUCTION and not env.str("EMAIL_URL", default=""):
    # Password-reset links would go to the log, readable by whoever reads the logs.
    raise ImproperlyConfigured(
        "EMAIL_URL must be set when ERP_ENV=production (smtp+tls://user:password@host:587); "
        "EMAIL_URL=consolemail:// writes every e-mail, password resets included, to the log."
    )
EMAIL_CONFIG = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="viornet@localhost")
# Seconds before an unanswering SMTP server counts as a failure (the task then retries).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # viewflow's frontend reads the token from the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"
# axes.W006 asks to lock out by IP address too; agents of one office share a NAT address, so a
# lockout by IP would lock out the whole office. We lock the username instead.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=["axes.W006"])

# --- logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="") or ("json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "erp.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- ViorNet --------------------------------------------------------------------------------
ERP_SITE_TITLE = env.str("ERP_SITE_TITLE", default="ViorNet")
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)

# MikroTik routers
ROUTER_TIMEOUT = env.float("ROUTER_TIMEOUT", default=10.0)
ROUTER_PIPELINE_WINDOW = env.int("ROUTER_PIPELINE_WINDOW", default=1000)
ROUTER_SAMPLE_RETENTION_DAYS = env.int("ROUTER_SAMPLE_RETENTION_DAYS", default=90)
ROUTER_PUSH_BATCH = env.int("ROUTER_PUSH_BATCH", default=5000)
# Router calls asked for from pages and the API run as jobs on a worker (issue 14 item 9). A
# job still queued or running after this many seconds is taken as lost (its worker died or no
# worker runs): the page says so and the next request starts a fresh one.
ROUTER_JOB_STALE_SECONDS = env.int("ROUTER_JOB_STALE_SECONDS", default=300)
# The daily drift check (beat, 03:30) also repairs what it finds; false: it only reports.
ROUTER_DRIFT_AUTO_REPAIR = env.bool("ROUTER_DRIFT_AUTO_REPAIR", default=True)
# Circuit breaker per router: after this many failures in a row, beat stops pushing to and
# polling it; one probe after the cooldown (doubling per failed probe, up to the maximum).
ROUTER_BREAKER_FAILURES = env.int("ROUTER_BREAKER_FAILURES", default=3)
ROUTER_BREAKER_COOLDOWN = env.int("ROUTER_BREAKER_COOLDOWN", default=60)
ROUTER_BREAKER_MAX_COOLDOWN = env.int("ROUTER_BREAKER_MAX_COOLDOWN", default=300)
# A push queued longer ago than this (its message was lost) no longer stops a new one.
ROUTER_PUSH_QUEUED_STALE = env.int("ROUTER_PUSH_QUEUED_STALE", default=900)
# A batch job that has shown no progress for this long (its worker was killed) is resumed by
# the reaper (beat, every minute) and offered to operators with a Resume button.
BATCH_STALE_MINUTES = env.int("BATCH_STALE_MINUTES", default=5)

# Finance: expenses above this amount wait for a second person's approval.
EXPENSE_APPROVAL_THRESHOLD = env.int("EXPENSE_APPROVAL_THRESHOLD", default=100_000)
# Report files built in the background (/finance/reports/jobs/) are deleted with their job after
# this many days (a daily job).
REPORT_JOB_KEEP_DAYS = env.int("REPORT_JOB_KEEP_DAYS", default=7)

# Finance's home page: an agent who owes money and has not remitted for more than this many
# days (or never) is an overdue remittance.
REMITTANCE_OVERDUE_DAYS = env.int("REMITTANCE_OVERDUE_DAYS", default=7)

# Sales: the largest discount a permitted seller may give, in percent of the price.
MAX_DISCOUNT_PERCENT = env.int("MAX_DISCOUNT_PERCENT", default=20)

# Maintenance: hours to resolve a fault per severity (SLA; an overdue fault is escalated to
# the technical leads and Super Admins), and the severity of a fault monitoring opens when a
# router goes down.
MAINTENANCE_SLA_HOURS = {
    "critical": env.int("SLA_CRITICAL_HOURS", default=4),
    "major": env.int("SLA_MAJOR_HOURS", default=24),
    "minor": env.int("SLA_MINOR_HOURS", default=72),
}
ROUTER_DOWN_FAULT_SEVERITY = env.str("ROUTER_DOWN_FAULT_SEVERITY", default="critical")
# OpenWISP (erp.integrations.openwisp): a device list longer than this many pages of 100 is
# treated as a server whose list never ends (20,000 devices per site by default).
OPENWISP_MAX_PAGES = env.int("OPENWISP_MAX_PAGES", default=200)

# Support tickets (issue 19): the mailbox whose e-mails become tickets, polled every minute by
# beat: imaps://user:password@host:993/INBOX (empty: no e-mail intake). Replies go out through
# the e-mail settings above (EMAIL_URL), with the ticket's [#number] in the subject.
SUPPORT_IMAP_URL = env.str("SUPPORT_IMAP_URL", default="")
# The address customers' answers go to (Reply-To of ticket e-mails): that mailbox's address.
SUPPORT_REPLY_TO = env.str("SUPPORT_REPLY_TO", default="")

# Vouchers: the hotspot login page a card's QR code opens, with the code filled in.
HOTSPOT_LOGIN_URL = env.str(
    "HOTSPOT_LOGIN_URL", default="http://hotspot.lan/login?username={code}&password={password}"
)

# Links that leave the web page (asset labels' QR codes, e-mails) start with this address,
# e.g. https://erp.example.com; empty: the address of the request (e-mails: relative links).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")

# Web Push to the installed field app (erp.notifications.push): the VAPID key pair from
# `manage.py vapid_keys` and a contact for the push services. Without keys nothing is pushed.
WEBPUSH_VAPID_PUBLIC_KEY = env.str("WEBPUSH_VAPID_PUBLIC_KEY", default="")
WEBPUSH_VAPID_PRIVATE_KEY = env.str("WEBPUSH_VAPID_PRIVATE_KEY", default="")
WEBPUSH_VAPID_SUBJECT = env.str("WEBPUSH_VAPID_SUBJECT", default="mailto:admin@localhost")

# Assets: the weekly warranty job warns Technical about warranties ending within this many days.
ASSET_WARRANTY_NOTICE_DAYS = env.int("ASSET_WARRANTY_NOTICE_DAYS", default=30)
# An asset file with more rows than this is checked and imported by a background job (a page
# shows its progress) instead of in the upload's request.
ASSET_IMPORT_INLINE_ROWS = env.int("ASSET_IMPORT_INLINE_ROWS", default=200)

# --- rate limits (erp/core/ratelimit.py) ------------------------------------------------------
# "N/s", "N/min", "N/hour", "N/day" or "N/15m"; empty: no limit. Counted in the cache: with
# REDIS_URL the limits hold across every worker, without it per worker process.
RATE_LIMITS = {
    # Login attempts (form and token endpoints) per address, and per username from anywhere.
    "login": env.str("LOGIN_THROTTLE_RATE", default="20/min"),
    "login_username": env.str("LOGIN_USERNAME_RATE", default="10/min"),
    # Password-reset requests per address and per e-mail address asked for.
    "password_reset": env.str("PASSWORD_RESET_RATE", default="5/15m"),
    "password_reset_email": env.str("PASSWORD_RESET_EMAIL_RATE", default="3/hour"),
    # Every API request: per signed-in user, and per address without a user.
    "api_user": env.str("API_USER_RATE", default="1200/min"),
    "api_anon": env.str("API_ANON_RATE", default="120/min"),
}
# POSTs to these Django views (URL names) are limited: (scope, key) pairs, key "ip", "user"
# or "post:<field>".
RATE_LIMITED_VIEWS = {
    "login": [("login", "ip"), ("login_username", "post:username")],
    "password_reset": [("password_reset", "ip"), ("password_reset_email", "post:email")],
    "password_reset_confirm": [("password_reset", "ip")],
}
# The public pages and endpoints outside the login forms (issue 15): every request to the captive
# portal per address (all customers of a site may share its NAT address: generous), starting a
# checkout (a call to the provider) per address, and the providers' webhooks per address.
RATE_LIMITS.update(
    {
        "portal": env.str("PORTAL_RATE", default="300/min"),
        "portal_checkout": env.str("PORTAL_CHECKOUT_RATE", default="30/min"),
        # the portal's "Get help" form opens support tickets: per address, a few a minute
        "portal_help": env.str("PORTAL_HELP_RATE", default="5/min"),
        "payment_webhook": env.str("PAYMENT_WEBHOOK_RATE", default="600/min"),
        # The field app's sync, per user: a push carries up to SYNC_MAX_OPS operations; a first
        # sync pulls page after page.
        "sync_push": env.str("SYNC_PUSH_RATE", default="60/min"),
        "sync_pull": env.str("SYNC_PULL_RATE", default="600/min"),
    }
)
_EVERY_METHOD = "*"
RATE_LIMITED_VIEWS.update(
    {
        "portal:page": [("portal", "ip", _EVERY_METHOD)],
        "portal:buy": [("portal", "ip", _EVERY_METHOD), ("portal_checkout", "ip")],
        "portal:paid": [("portal", "ip", _EVERY_METHOD)],  # asks the provider again
        "portal:opennds": [("portal", "ip", ("GET",))],  # not authmon's POSTs: its own gateway
        "portal:claim": [("portal", "ip", _EVERY_METHOD)],
        "portal:help": [("portal", "ip", _EVERY_METHOD), ("portal_help", "ip")],
        "portal:account": [("portal", "ip", _EVERY_METHOD)],
        "payments:webhook": [("payment_webhook", "ip")],
    }
)
# API views (namespaced URL names) limited beyond api_user/api_anon: (scope, key) rules.
RATE_LIMITED_API = {
    "api:sync_push": [("sync_push", "user")],
    "api:sync_pull": [("sync_pull", "user")],
}
# Behind a reverse proxy: the META key holding the client's address (e.g. HTTP_X_REAL_IP or
# HTTP_X_FORWARDED_FOR, first address); empty: the connection's peer (REMOTE_ADDR).
RATE_LIMIT_IP_HEADER = env.str("RATE_LIMIT_IP_HEADER", default="")

# --- metrics (erp/ops/metrics.py) ---------------------------------------------------------------
# Request counts and latency by view (django-prometheus), first and last in the chain.
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
# /metrics answers a bearer token (METRICS_TOKEN) or an address in METRICS_ALLOWED_IPS (the
# connection's peer: behind a proxy on the same machine that is the proxy, so keep /metrics off
# the proxy or use the token). Production allows no address unless configured.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list(
    "METRICS_ALLOWED_IPS", default=[] if PRODUCTION else ["127.0.0.1/32", "::1/128"]
)
# Several processes (gunicorn workers, the Celery worker): each writes its counters under this
# folder and a scrape sums them (the Procfile sets it). Empty: one process counts alone.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

# --- backups (erp/ops/backup.py) -----------------------------------------------------------------
# Where manage.py backup and the nightly beat job write their archives (0600 files in a 0700
# folder; they hold the keys: copy them off the machine encrypted), and how many are kept.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default="") or VAR_DIR / "backups")
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
# Archives are encrypted with age to these public keys (age1…, comma-separated; make a pair with
# manage.py backup --generate-key FILE and keep FILE off this server). Required in production.
BACKUP_AGE_RECIPIENTS = env.list("BACKUP_AGE_RECIPIENTS", default=[])
# Where manage.py restore reads the age identity (private key) from, if not given --identity.
BACKUP_AGE_IDENTITY_FILE = env.str("BACKUP_AGE_IDENTITY_FILE", default="")

# --- text limits (erp/core/middleware.TextLimitMiddleware, erp/core/parsers) ----------------------
# The longest value one submitted text field may have (notes, addresses, comments): longer is
# a 400 naming the field. Fields that hold more (a card template's HTML) have their own.
TEXT_FIELD_MAX_CHARS = env.int("TEXT_FIELD_MAX_CHARS", default=10_000)
LONG_TEXT_FIELDS = {"body": env.int("CARD_TEMPLATE_MAX_CHARS", default=200_000)}

# --- Content-Security-Policy and Permissions-Policy (django-csp; erp.core.middleware) ------------
# Scripts only from our own origin: no inline script anywhere (viewflow loads its code from
# files; viewflow's few inline onclick "Back" links are served by erp/csp-compat.js instead).
# The exceptions, each as narrow as found: styles inline (viewflow's and plotly's style
# attributes); the Dash pages add the hashes of Dash's own inline scripts and 'unsafe-eval'
# (plotly.js builds functions at run time) on /analytics/ only (dashboards.bridge).
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)
_csp = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if CSP_REPORT_ONLY:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp
else:
    CONTENT_SECURITY_POLICY = _csp
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default="camera=(self), microphone=(), geolocation=(self), payment=(), usb=()",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1,
    "erp.core.middleware.PermissionsPolicyMiddleware",
)
# Captive portal (issue 18): wrong voucher codes allowed per device and per site within the
# window (seconds) before the portal refuses further tries until the window has passed.
PORTAL_ATTEMPT_WINDOW = env.int("PORTAL_ATTEMPT_WINDOW", default=900)
PORTAL_DEVICE_MAX_FAILURES = env.int("PORTAL_DEVICE_MAX_FAILURES", default=5)
PORTAL_SITE_MAX_FAILURES = env.int("PORTAL_SITE_MAX_FAILURES", default=100)
# Payments: seconds to wait for a payment provider's API (Wave Checkout) before giving up.
PAYMENT_PROVIDER_TIMEOUT = env.float("PAYMENT_PROVIDER_TIMEOUT", default=8.0)
# --- field app sync (erp.sync) ---------------------------------------------------------------
# A device's clock is trusted as a sale's time only within this window of the server's receive
# time (an agent offline for days sells days before the sync); outside it, the receive time is
# used and the sale is flagged for Finance.
SYNC_CLOCK_PAST_HOURS = env.int("SYNC_CLOCK_PAST_HOURS", default=7 * 24)
SYNC_CLOCK_FUTURE_MINUTES = env.int("SYNC_CLOCK_FUTURE_MINUTES", default=10)
# One push carries at most this many operations (the app sends its queue in chunks), and a
# pull page at most this many records.
SYNC_MAX_OPS = env.int("SYNC_MAX_OPS", default=1000)
# A push body above this many bytes is refused unread (413); the app splits its queue into
# pushes below it (queued fault photos add up).
SYNC_MAX_BODY_BYTES = env.int("SYNC_MAX_BODY_BYTES", default=4 * 1024 * 1024)
# Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default; DRF reads JSON
# through it) with a bare 400: a push the app was told fits (queued photos) would fail at
# every retry. The push's own limit is the largest body any view takes.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(int(2.5 * 1024 * 1024), SYNC_MAX_BODY_BYTES)
SYNC_PAGE_SIZE = env.int("SYNC_PAGE_SIZE", default=2000)
# A technician's phone gets at most this many pieces of equipment for the repair form (in
# stock, and at the technician's sites), refreshed at each sync.
SYNC_PARTS_MAX = env.int("SYNC_PARTS_MAX", default=1000)
# The change feed keeps this many days (a daily job prunes the rest); a phone that last synced
# before that syncs from scratch.
SYNC_FEED_KEEP_DAYS = env.int("SYNC_FEED_KEEP_DAYS", default=30)
# A push is applied several operations to a transaction (each in its own savepoint): at most
# SYNC_TX_OPS operations, and no more after SYNC_TX_MS milliseconds, so the commit is paid once
# per run and a sale's locks (the site's receipt counter) are not held for long. 250: a run is
# ~0.1 s on a quiet 2-core machine (a POS sale at the same site waits that long at most); a
# week's push is 1.15x faster than with runs of 100 (bench/README.md, sync_push_pull.py).
SYNC_TX_OPS = env.int("SYNC_TX_OPS", default=250)
SYNC_TX_MS = env.int("SYNC_TX_MS", default=250)
# The field app unlocks offline with the agent's PIN for at most this many days after its last
# online start (then the agent must be online to sign in again).
FIELD_APP_OFFLINE_DAYS = env.int("FIELD_APP_OFFLINE_DAYS", default=7)
# The offline PIN has at least this many digits (at most 12), and no same digit repeated or
# straight run: the PIN wraps the key of the codes stored on the phone, and a copy of the
# phone's data can be tried against every PIN offline.
FIELD_APP_PIN_MIN_DIGITS = env.int("FIELD_APP_PIN_MIN_DIGITS", default=6)
# A fault photo pushed by the field app (resized on the phone) is at most this many bytes.
FIELD_PHOTO_MAX_BYTES = env.int("FIELD_PHOTO_MAX_BYTES", default=1024 * 1024)
# ...sent as a data URL inside a push: a "photo" string may be as long as the push body's own
# limit, so one big photo is refused by its operation's check of the image. (A push's texts
# are checked per operation, erp.sync.services: a text over its limit refuses its operation
# alone, never the whole push.)
LONG_TEXT_FIELDS["photo"] = 4 * 1024 * 1024
# SMS (erp.messaging, issue 17): parts a gateway may send per window unless set on the
# gateway itself, the cost of one SMS part (shown to Finance), how long a queued message may
# wait before it expires, and how often a failing gateway is tried again.
SMS_DEFAULT_PARTS_PER_MINUTE = env.int("SMS_DEFAULT_PARTS_PER_MINUTE", default=30)
SMS_COST_PER_PART = env.str("SMS_COST_PER_PART", default="30")
SMS_TTL_HOURS = env.int("SMS_TTL_HOURS", default=24)
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=8)
SMS_RETRY_BACKOFF = (10, 30, 60, 300, 900, 1800)
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
# Webhooks: the address the phone calls back (this server as the phone sees it), and how far
# a signed delivery's timestamp may be from now.
SMS_WEBHOOK_BASE_URL = env.str("SMS_WEBHOOK_BASE_URL", default="").rstrip("/")
SMS_WEBHOOK_TOLERANCE_SECONDS = env.int("SMS_WEBHOOK_TOLERANCE_SECONDS", default=300)
# Longest message a person may write (the gateway would cut it into that many parts).
SMS_MAX_CHARACTERS = env.int("SMS_MAX_CHARACTERS", default=918)
# Reminders: hours before a client's access ends, and the quiet hours (local time, HH:MM)
# when no reminder is sent.
SMS_REMINDER_HOURS = env.int("SMS_REMINDER_HOURS", default=3)
SMS_QUIET_HOURS = tuple(
    __import__("datetime").time.fromisoformat(t)
    for t in env.list("SMS_QUIET_HOURS", default=["21:00", "08:00"])
)

# --- logging of client errors (erp.core.logging.ClientErrorFilter) ------------------------------
LOGGING["filters"]["client_errors"] = {"()": "erp.core.logging.ClientErrorFilter"}
LOGGING["loggers"]["django.request"] = {"filters": ["client_errors"]}

# --- Captive portal: the customer's account (phone + one-time SMS code) ---------------------
PORTAL_CODE_TTL_SECONDS = env.int("PORTAL_CODE_TTL_SECONDS", default=300)
PORTAL_CODE_MAX_FAILURES = env.int("PORTAL_CODE_MAX_FAILURES", default=5)
PORTAL_CODE_LOCK_SECONDS = env.int("PORTAL_CODE_LOCK_SECONDS", default=1800)
# How long the signed link to the account page stays valid after the code was typed.
PORTAL_ACCOUNT_SESSION_SECONDS = env.int("PORTAL_ACCOUNT_SESSION_SECONDS", default=1800)
RATE_LIMITS.update(
    {
        # Code requests (each one sends an SMS): per phone, per address, per site.
        "portal_code_phone": env.str("PORTAL_CODE_PHONE_RATE", default="3/15m"),
        "portal_code_ip": env.str("PORTAL_CODE_IP_RATE", default="10/15m"),
        "portal_code_site": env.str("PORTAL_CODE_SITE_RATE", default="200/hour"),
        # Code checks per address (the per-phone lock is PORTAL_CODE_MAX_FAILURES).
        "portal_code_check_ip": env.str("PORTAL_CODE_CHECK_IP_RATE", default="30/15m"),
    }
)

# --- error tracking (erp/core/sentry.py) --------------------------------------------------------
# Optional: unhandled exceptions and error log lines of the web and worker processes go to this
# Sentry (or GlitchTip) DSN, with no personal data and secrets scrubbed. Empty: nothing is sent.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from erp.core import sentry as _sentry

    _sentry.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=ERP_ENV),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        secrets=[
            SECRET_KEY,
            *FERNET_KEYS,
            DATABASES["default"].get("PASSWORD") or "",
            METRICS_TOKEN,
            *_sentry.secrets_in(env.ENVIRON),
        ],
    )
