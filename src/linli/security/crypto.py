"""Per-field encryption of personal data (AES-256-GCM) under a keyring, and keyed hashes for
exact lookup.

A value encrypted now is `0x02 | key id (4 bytes) | nonce (12) | ciphertext`; the key id names
the field key that made it, so `linli keys rotate` can re-encrypt under a new key while reads
keep working (retired keys still decrypt). Values written before key ids existed are
`0x01 | nonce | ciphertext` and decrypt with whichever key of the ring made them.

Lookup hashes are keyed by the lookup key, which stays the same when the field key rotates
(`LINLI_LOOKUP_KEY`, by default the field key): a hash made once keeps finding its row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import Dialect
from sqlalchemy.types import LargeBinary, TypeDecorator

_V1 = b"\x01"  # nonce + ciphertext, no key id
_V2 = b"\x02"  # key id + nonce + ciphertext
KEY_ID_BYTES = 4
_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"^\+?\d{5,20}$")


def key_id(key: bytes) -> bytes:
    """Return the short id a field key is known by inside ciphertexts."""
    return hashlib.sha256(b"linli-field-key-id" + key).digest()[:KEY_ID_BYTES]


def _aead(key: bytes) -> AESGCM:
    if len(key) != 32:
        raise ValueError("field key must be 32 bytes")
    return AESGCM(hashlib.sha256(b"linli-field-enc" + key).digest())


def normalise_contact(value: str) -> str:
    """Return a phone number without separators, an e-mail address folded, anything else as
    typed: the form lookup hashes of contact data are made from."""
    value = unicodedata.normalize("NFKC", value).strip()
    if "@" in value:
        return value.casefold()
    compact = _SEPARATORS.sub("", value)
    return compact if _PHONE.match(compact) else value


class FieldCipher:
    """Encrypt and decrypt one field at a time; the associated data binds a value to its field.

    `key` encrypts; `key` and every `retired` key decrypt; `lookup_key` (default `key`) keys
    the lookup hashes.
    """

    def __init__(
        self, key: bytes, *, retired: Sequence[bytes] = (), lookup_key: bytes | None = None
    ) -> None:
        self.key_id = key_id(key)
        self._ring: dict[bytes, AESGCM] = {self.key_id: _aead(key)}
        for old in retired:
            self._ring.setdefault(key_id(old), _aead(old))
        self._mac_key = hashlib.sha256(b"linli-field-mac" + (lookup_key or key)).digest()

    @property
    def key_ids(self) -> tuple[bytes, ...]:
        """Return the ids of every key that decrypts, the current one first."""
        return tuple(self._ring)

    def encrypt(self, plaintext: str, *, context: str = "") -> bytes:
        """Return version + key id + nonce + ciphertext for `plaintext` under the current key."""
        nonce = os.urandom(12)
        data = self._ring[self.key_id].encrypt(nonce, plaintext.encode(), context.encode())
        return _V2 + self.key_id + nonce + data

    def decrypt(self, blob: bytes, *, context: str = "") -> str:
        """Return the plaintext of a value made by `encrypt` under any key of the ring."""
        version = blob[:1]
        if version == _V2:
            kid, body = blob[1 : 1 + KEY_ID_BYTES], blob[1 + KEY_ID_BYTES :]
            aead = self._ring.get(kid)
            if aead is None:
                raise ValueError(
                    f"field key {kid.hex()} is not in the keyring "
                    "(LINLI_FIELD_KEY, LINLI_FIELD_KEYS_RETIRED)"
                )
            return aead.decrypt(body[:12], body[12:], context.encode()).decode()
        if version != _V1:
            raise ValueError("unknown field-encryption version")
        last: Exception | None = None
        for aead in self._ring.values():
            try:
                return aead.decrypt(blob[1:13], blob[13:], context.encode()).decode()
            except Exception as err:  # InvalidTag: made by another key of the ring
                last = err
        assert last is not None
        raise last

    def is_current(self, blob: bytes) -> bool:
        """Say whether `blob` is encrypted under the current key (rotation leaves it alone)."""
        return blob[:1] == _V2 and blob[1 : 1 + KEY_ID_BYTES] == self.key_id

    def lookup_hash(self, value: str, *, context: str = "") -> str:
        """Return a keyed hash of the normalised value, for exact-match lookups."""
        normal = unicodedata.normalize("NFKC", value).strip().casefold()
        digest = hmac.new(self._mac_key, f"{context}\x00{normal}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")

    def contact_hash(self, value: str, *, context: str) -> str:
        """Return the lookup hash of a phone number or e-mail address in any common spelling."""
        return self.lookup_hash(normalise_contact(value), context=context)


@lru_cache
def get_cipher() -> FieldCipher:
    """Return the cipher keyed from settings."""
    from linli.core.settings import get_settings

    settings = get_settings()
    return FieldCipher(
        settings.field_key_bytes(),
        retired=settings.retired_field_keys(),
        lookup_key=settings.lookup_key_bytes(),
    )


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
