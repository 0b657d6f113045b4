"""Blueprints, one per audience: api (JSON), ops (health); kiosk, public and officer follow."""
