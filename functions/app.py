"""The Chalice application: one blueprint per operation, one middleware for all.

The same ``app`` object serves API Gateway on Lambda, the container's WSGI server
(``wsgi.py``) and the in-process test client.
"""

from __future__ import annotations

from chalice import Chalice

from chalicelib import observability
from chalicelib.fallbacks import add_fallback_routes
from chalicelib.handlers import BLUEPRINTS
from chalicelib.middleware import request_middleware

# JSON logs from the first request on (the access log of /v1/health included); Powertools'
# logs, metrics and traces when TASKAPP_OBSERVABILITY switches them on (on AWS).
telemetry = observability.configure(observability.Config.from_environ())

app = Chalice(app_name="task-management-backend")
app.api.binary_types = []  # every reply is JSON text

for blueprint in BLUEPRINTS:
    app.register_blueprint(blueprint)

# After every operation: each path also answers OPTIONS (CORS preflight) and 405.
add_fallback_routes(app)

# The first registered is the outermost: the Lambda context and the trace segment are in
# place before the request's own middleware logs and measures it.
for middleware in telemetry.lambda_middlewares():
    app.register_middleware(middleware, "all")
app.register_middleware(request_middleware, "http")
