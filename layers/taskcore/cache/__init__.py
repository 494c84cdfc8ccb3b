"""Redis, used as an optional accelerator: every caller copes with it being absent."""

from __future__ import annotations

from taskcore.cache.client import Cache
from taskcore.cache.limiter import LocalWindows, RateLimiter
from taskcore.cache.user_cache import UserCache
from taskcore.services.ports import Limit

__all__ = ["Cache", "Limit", "LocalWindows", "RateLimiter", "UserCache"]
