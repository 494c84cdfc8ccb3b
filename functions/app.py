"""The Chalice application: one blueprint per operation, one middleware for all.

The same ``app`` object serves API Gateway on Lambda, the container's WSGI server
(``wsgi.py``) and the in-process test client.
"""

from __future__ import annotations

import os

from chalice import Chalice

from chalicelib.fallbacks import add_fallback_routes
from chalicelib.handlers import BLUEPRINTS
from chalicelib.middleware import request_middleware
from taskcore.logs import configure_logging

# JSON logs from the first request on (the access log of /v1/health included).
configure_logging(os.environ.get("LOG_LEVEL", "INFO"))

app = Chalice(app_name="task-management-backend")
app.api.binary_types = []  # every reply is JSON text

for blueprint in BLUEPRINTS:
    app.register_blueprint(blueprint)

# After every operation: each path also answers OPTIONS (CORS preflight) and 405.
add_fallback_routes(app)

app.register_middleware(request_middleware, "http")
