"""Forms shared by the officer pages."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CsrfForm(FlaskForm):
    """CSRF only; fields are read from the request by the views (or a delete button)."""
