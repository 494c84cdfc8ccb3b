"""The service layer: one plain function per use case, over :class:`taskcore.bootstrap.Deps`."""
