"""One module per operation, each with one blueprint; :data:`BLUEPRINTS` is what
``app.py`` registers, in the order the OpenAPI document lists them."""

from __future__ import annotations

from chalicelib.handlers import (
    complete_task,
    create_task,
    delete_task,
    docs,
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

BLUEPRINTS = tuple(
    module.bp
    for module in (
        health,
        openapi,
        docs,
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
    )
)

__all__ = ["BLUEPRINTS"]
