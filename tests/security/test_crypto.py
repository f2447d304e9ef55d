from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy.dialects import sqlite

from linli.security.crypto import KEY_ID_BYTES, EncryptedText, FieldCipher, get_cipher, key_id


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(os.urandom(32))


def test_round_trip_keeps_every_character(cipher: FieldCipher) -> None:
    for value in ["", "Chen Wei", "陈伟 +86 138 0013 8000", "Siti binti Ahmad", "முருகன்"]:
        blob = cipher.encrypt(value, context="resident.name")
        assert cipher.decrypt(blob, context="resident.name") == value


def test_the_same_value_encrypts_differently_each_time(cipher: FieldCipher) -> None:
    blobs = {cipher.encrypt("+65 9123 4567", context="resident.phone") for _ in range(20)}
    assert len(blobs) == 20
    assert all(b"9123" not in blob for blob in blobs)


def test_a_value_moved_to_another_field_does_not_decrypt(cipher: FieldCipher) -> None:
    blob = cipher.encrypt("S1234567D", context="resident.id_number")
    with pytest.raises(InvalidTag):
        cipher.decrypt(blob, context="resident.name")


def test_tampered_ciphertext_does_not_decrypt(cipher: FieldCipher) -> None:
    blob = bytearray(cipher.encrypt("Tan Ah Kow", context="resident.name"))
    blob[-5] ^= 0x01
    with pytest.raises(InvalidTag):
        cipher.decrypt(bytes(blob), context="resident.name")
    with pytest.raises(ValueError, match="version"):
        cipher.decrypt(b"\x09" + bytes(blob[1:]), context="resident.name")


def test_another_key_cannot_decrypt(cipher: FieldCipher) -> None:
    blob = cipher.encrypt("Tan Ah Kow", context="resident.name")
    with pytest.raises(ValueError, match="not in the keyring"):
        FieldCipher(os.urandom(32)).decrypt(blob, context="resident.name")


def test_lookup_hash_is_stable_and_normalised(cipher: FieldCipher) -> None:
    h = cipher.lookup_hash("Chen.Wei@Example.com", context="resident.email")
    assert h == cipher.lookup_hash("Chen.Wei@Example.com", context="resident.email")
    assert h == cipher.lookup_hash("  chen.wei@example.COM\t", context="resident.email")
    # NFKC: full-width letters and digits typed on a CJK keyboard hash like ASCII ones.
    assert cipher.lookup_hash("ＡＢＣ１２３", context="x") == cipher.lookup_hash(
        "abc123", context="x"
    )
    assert h != cipher.lookup_hash("chen.wei@example.org", context="resident.email")
    assert h != cipher.lookup_hash("Chen.Wei@Example.com", context="resident.phone")
    other_key = FieldCipher(os.urandom(32))
    assert h != other_key.lookup_hash("Chen.Wei@Example.com", context="resident.email")
    assert "chen" not in h.lower()


def test_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        FieldCipher(b"short")


def test_encrypted_column_binds_ciphertext_and_reads_plaintext() -> None:
    column = EncryptedText("resident.phone")
    dialect = sqlite.dialect()
    stored = column.process_bind_param("+86 138 0013 8000", dialect)
    assert stored is not None and b"138" not in stored
    assert column.process_result_value(stored, dialect) == "+86 138 0013 8000"
    assert get_cipher().decrypt(stored, context="resident.phone") == "+86 138 0013 8000"
    assert column.process_bind_param(None, dialect) is None
    with pytest.raises(InvalidTag):
        EncryptedText("resident.name").process_result_value(stored, dialect)


def test_a_retired_key_still_decrypts_and_old_blobs_without_a_key_id_too() -> None:
    old_key, new_key = os.urandom(32), os.urandom(32)
    old = FieldCipher(old_key)
    blob = old.encrypt("+65 9123 4567", context="resident.phone")
    # A value written before ciphertexts named their key: version 1, nonce, ciphertext.
    legacy = b"\x01" + blob[1 + KEY_ID_BYTES :]
    ring = FieldCipher(new_key, retired=[old_key], lookup_key=old_key)
    assert ring.decrypt(blob, context="resident.phone") == "+65 9123 4567"
    assert ring.decrypt(legacy, context="resident.phone") == "+65 9123 4567"
    assert old.decrypt(legacy, context="resident.phone") == "+65 9123 4567"
    fresh = ring.encrypt("+65 9123 4567", context="resident.phone")
    assert ring.is_current(fresh) and not ring.is_current(blob) and not ring.is_current(legacy)
    assert fresh[1 : 1 + KEY_ID_BYTES] == key_id(new_key) != key_id(old_key)
    with pytest.raises(ValueError, match="not in the keyring"):
        old.decrypt(fresh, context="resident.phone")
    # Lookup hashes follow the lookup key, not the field key: they survive the rotation.
    assert ring.lookup_hash("x", context="c") == old.lookup_hash("x", context="c")
    assert ring.contact_hash("+65 9123-4567", context="c") == old.lookup_hash(
        "+6591234567", context="c"
    )
