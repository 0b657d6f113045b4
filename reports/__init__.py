"""Renderers: domain values in, bytes out. They import neither Flask nor the database."""
