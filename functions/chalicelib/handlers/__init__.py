"""One module per operation, each with one blueprint; :data:`BLUEPRINTS` is what
``app.py`` registers, in the order the OpenAPI document lists them."""

from __future__ import annotations

from chalicelib.handlers import (
    change_password,
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
    outbox_sender,
    password_reset,
    password_reset_confirm,
    refresh,
    register,
    reopen_task,
    resend_verification,
    sync,
    update_task,
    verify_email,
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
        change_password,
        password_reset,
        password_reset_confirm,
        verify_email,
        me,
        resend_verification,
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
        outbox_sender,
    )
)

__all__ = ["BLUEPRINTS"]
