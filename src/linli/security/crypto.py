"""Per-field encryption of personal data (AES-256-GCM) and keyed hashes for exact lookup."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import Dialect
from sqlalchemy.types import LargeBinary, TypeDecorator

_VERSION = b"\x01"


class FieldCipher:
    """Encrypt and decrypt one field at a time; the associated data binds a value to its field."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("field key must be 32 bytes")
        self._aead = AESGCM(hashlib.sha256(b"linli-field-enc" + key).digest())
        self._mac_key = hashlib.sha256(b"linli-field-mac" + key).digest()

    def encrypt(self, plaintext: str, *, context: str = "") -> bytes:
        """Return version + nonce + ciphertext for `plaintext`."""
        nonce = os.urandom(12)
        data = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _VERSION + nonce + data

    def decrypt(self, blob: bytes, *, context: str = "") -> str:
        """Return the plaintext of a value made by `encrypt`."""
        if blob[:1] != _VERSION:
            raise ValueError("unknown field-encryption version")
        return self._aead.decrypt(blob[1:13], blob[13:], context.encode()).decode()

    def lookup_hash(self, value: str, *, context: str = "") -> str:
        """Return a keyed hash of the normalised value, for exact-match lookups."""
        normal = unicodedata.normalize("NFKC", value).strip().casefold()
        digest = hmac.new(self._mac_key, f"{context}\x00{normal}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


@lru_cache
def get_cipher() -> FieldCipher:
    """Return the cipher keyed from settings."""
    from linli.core.settings import get_settings

    return FieldCipher(get_settings().field_key_bytes())


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; `context` (e.g. `resident.phone`) is authenticated too."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else get_cipher().encrypt(value, context=self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else get_cipher().decrypt(bytes(value), context=self.context)
