"""Pure domain logic: tasks, due dates, list queries. No I/O."""
