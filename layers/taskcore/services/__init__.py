"""The service layer: one plain function per use case.

Each takes a :class:`~taskcore.services.deps.Deps` of ports
(:mod:`taskcore.services.ports`) and returns domain results; HTTP (status codes,
headers, ETag syntax) is the entry points' business.
"""
