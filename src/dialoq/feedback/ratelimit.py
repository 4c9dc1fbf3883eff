"""Slow down guessing of one-time links: count unknown tokens per client address.

The count lives in Django's cache for a fixed window. The address is kept
only as a hash in the cache key, and only for the window.
"""

import hashlib

from django.core.cache import cache

FAILURE_LIMIT = 10
FAILURE_WINDOW_SECONDS = 10 * 60


def _key(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return "feedback-link-failures:" + hashlib.sha256(address.encode()).hexdigest()


def is_blocked(request) -> bool:
    """Return whether the client has tried too many unknown links lately."""
    return cache.get(_key(request), 0) >= FAILURE_LIMIT


def record_failure(request) -> None:
    """Count one unknown link for the client's address."""
    key = _key(request)
    if cache.add(key, 1, FAILURE_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, FAILURE_WINDOW_SECONDS)
