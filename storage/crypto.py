"""Encryption and keyed hashing of channel addresses (a Telegram user id, a phone number).

The address is stored encrypted with Fernet so the bot can write to the person, and
beside it an HMAC-SHA256 of the address, so the bot can find the person again without
decrypting every row. Both keys are derived from the one secret, RESLOG_SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.errors import DomainError


class SecretKeyError(DomainError):
    """The secret key is missing or too short."""


def _derive(secret: bytes, purpose: bytes) -> bytes:
    """Derive a 32-byte key for one purpose from the secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def webhook_secret(secret: str) -> str:
    """The token Telegram must send back on every webhook call, derived from the secret key.

    43 characters of A-Z, a-z, 0-9, ``_`` and ``-`` (what Telegram allows in ``secret_token``);
    its own HKDF label, so it reveals nothing of the address keys.
    """
    raw = _derive(secret.strip().encode("utf-8"), b"reslog telegram webhook secret")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def generate_secret_key() -> str:
    """A fresh random secret key, printable, to put in RESLOG_SECRET_KEY."""
    return Fernet.generate_key().decode("ascii")


@dataclass(frozen=True)
class AddressCipher:
    """Encrypts, decrypts and hashes channel addresses with keys derived from one secret."""

    fernet: Fernet
    hash_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> AddressCipher:
        """Build the cipher; the secret must be at least 32 characters."""
        if len(secret.strip()) < 32:
            raise SecretKeyError("RESLOG_SECRET_KEY must be at least 32 characters")
        raw = secret.strip().encode("utf-8")
        fernet_key = base64.urlsafe_b64encode(_derive(raw, b"reslog address encryption"))
        return cls(Fernet(fernet_key), _derive(raw, b"reslog address lookup"))

    def lookup_hash(self, channel: str, address: str) -> str:
        """The keyed hash that finds a person by channel and address."""
        message = f"{channel}:{address}".encode()
        return hmac.new(self.hash_key, message, hashlib.sha256).hexdigest()

    def encrypt(self, address: str) -> str:
        """The address, encrypted."""
        return self.fernet.encrypt(address.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The address back from its encrypted form; ValueError if the key does not match."""
        try:
            return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ValueError("an encrypted address could not be read with this key") from None
