"""Redis, used as an optional accelerator: every caller copes with it being absent."""

from __future__ import annotations

from taskcore.cache.client import Cache
from taskcore.cache.limiter import Limit, LocalWindows, RateLimiter
from taskcore.cache.user_cache import UserCache

__all__ = ["Cache", "Limit", "LocalWindows", "RateLimiter", "UserCache"]
