"""Count failed sign-ins per username and per address, and refuse before hashing when over the limit
(hashing a password is deliberately slow, so it must not be free to hammer)."""

import hashlib

from django.conf import settings
from django.core.cache import cache

ADDRESS_MULTIPLIER = 4  # an office behind one address has many people


def _key(kind: str, value: str) -> str:
    return "login-failures:" + kind + ":" + hashlib.sha256(value.casefold().encode()).hexdigest()


def is_locked(username: str, ip: str | None) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    if cache.get(_key("user", username), 0) >= limit:
        return True
    return bool(ip) and cache.get(_key("ip", ip), 0) >= limit * ADDRESS_MULTIPLIER


def _incr(key: str) -> None:
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def record_failure(username: str, ip: str | None) -> None:
    _incr(_key("user", username))
    if ip:
        _incr(_key("ip", ip))


def clear(username: str) -> None:
    cache.delete(_key("user", username))
