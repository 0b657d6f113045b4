"""Tokens, keyed hashes and content fingerprints.

Tokens are 256-bit random strings with a prefix naming their kind; only their SHA-256 digest is
stored. Dossier numbers are personal-adjacent, so only an HMAC under the server key is kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

API_TOKEN_PREFIX = "sa_"
DEVICE_TOKEN_PREFIX = "sk_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def keyed_hash(secret_key: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under a key derived for ``purpose`` (e.g. ``dossier``)."""
    key = hmac.new(secret_key.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()
    normalised = " ".join(value.split()).upper()
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def fingerprint(content: Any) -> str:
    """SHA-256 of a canonical JSON rendering (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
