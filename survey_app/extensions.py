"""Unbound extension singletons; the factory binds them to an app."""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
