"""The fixed keys the tests sign with: the centre's receipt key and a signal controller's key.

Fixed bytes, so a test server process and the test that talks to it agree without passing keys
around; written as PEM where a config names a key file.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization

from common.signing import Ed25519PrivateKey, Ed25519PublicKey, key_id

RECEIPT_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))  # the centre's
RECEIPT_KEYS: dict[str, Ed25519PublicKey] = {key_id(RECEIPT_KEY): RECEIPT_KEY.public_key()}
CONTROLLER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(96, 128)))  # a controller's


def private_pem(directory: Path, key: Ed25519PrivateKey, name: str) -> Path:
    path = Path(directory) / f"{name}.key.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return path


def public_pem(directory: Path, key: Ed25519PrivateKey, name: str) -> Path:
    path = Path(directory) / f"{name}.pub.pem"
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path
