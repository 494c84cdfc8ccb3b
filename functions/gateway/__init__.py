"""API Gateway's part, for the servers that are not API Gateway: a WSGI application
that serves a Chalice app through proxy events, as Lambda is invoked.

Used by the container's and the native stack's HTTP server (``wsgi.py``) and by the
local scheduler (for the Lambda context). Not shipped to Lambda, which needs none of it.
"""

from __future__ import annotations

from gateway.adapter import ChaliceWSGI, create_application, lambda_context

__all__ = ["ChaliceWSGI", "create_application", "lambda_context"]
