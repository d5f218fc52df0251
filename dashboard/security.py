"""The application's security log: refusals and sign-in events, in a file (never the database).

The path is `<log_dir>/security.log` (setting `LOG_DIR`, default `logs/` in the project).
One line per event: time (UTC), event, user, what.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dashboard.settings import get_settings

_LOGGER_NAME = "laa.security"


def _logger() -> logging.Logger:
    logger = logging.getLogger(_LOGGER_NAME)
    path = Path(get_settings().log_dir) / "security.log"
    current = getattr(logger, "_laa_path", None)
    if current != path:  # (re)configure when the setting changes (tests point it elsewhere)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
        formatter.converter = __import__("time").gmtime
        handler.setFormatter(formatter)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        logger._laa_path = path  # type: ignore[attr-defined]
    return logger


def _clean(text: str) -> str:
    """One line, no control characters (log injection)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)[:500]


def event(kind: str, user: str, what: str) -> None:
    _logger().info("%s user=%s %s", kind, _clean(user), _clean(what))


def refused(user: str, what: str) -> None:
    event("REFUSED", user, what)


def log_path() -> Path:
    return Path(get_settings().log_dir) / "security.log"
