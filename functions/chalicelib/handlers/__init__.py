"""One module per operation, each with one blueprint; :data:`BLUEPRINTS` is what
``app.py`` registers, in the order the OpenAPI document lists them."""

from __future__ import annotations

from chalicelib.handlers import (
    change_password,
    complete_task,
    create_list,
    create_task,
    delete_list,
    delete_task,
    docs,
    due_date_job,
    due_date_worker,
    get_list,
    get_task,
    health,
    list_lists,
    list_tasks,
    login,
    logout,
    me,
    move_list,
    move_task,
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
    update_list,
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
        move_task,
        delete_task,
        create_list,
        list_lists,
        get_list,
        update_list,
        move_list,
        delete_list,
        sync,
        notifications,
        due_date_job,
        due_date_worker,
        outbox_sender,
    )
)

__all__ = ["BLUEPRINTS"]
