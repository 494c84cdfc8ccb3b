"""The Chalice application: one blueprint per operation, one middleware for all.

The same ``app`` object serves API Gateway on Lambda, the container's WSGI server
(``wsgi.py``) and the in-process test client.
"""

from __future__ import annotations

import os

from chalice import Chalice

from chalicelib.handlers import (
    complete_task,
    create_task,
    delete_task,
    due_date_job,
    get_task,
    health,
    list_tasks,
    login,
    logout,
    me,
    notifications,
    openapi,
    refresh,
    register,
    reopen_task,
    sync,
    update_task,
)
from chalicelib.middleware import request_middleware
from taskcore.logs import configure_logging

# JSON logs from the first request on (the access log of /v1/health included).
configure_logging(os.environ.get("LOG_LEVEL", "INFO"))

app = Chalice(app_name="task-management-backend")
app.api.binary_types = []  # every reply is JSON text

for module in (
    health,
    openapi,
    register,
    login,
    refresh,
    logout,
    me,
    create_task,
    list_tasks,
    get_task,
    update_task,
    complete_task,
    reopen_task,
    delete_task,
    sync,
    notifications,
    due_date_job,
):
    app.register_blueprint(module.bp)

app.register_middleware(request_middleware, "http")
