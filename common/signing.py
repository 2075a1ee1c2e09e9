"""Ed25519 keys for evidence bundles: each edge box signs, the central service verifies.

Standard library and `cryptography` only, because the central service imports it too. Keys are
PEM files (PKCS#8 private, SubjectPublicKeyInfo public) so operators can inspect them with
`openssl pkey`. A key is named by `key_id`, a short fingerprint of its raw 32 public bytes, which
the manifest carries so the collector can pick the right public key before verifying.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "KeyFileError",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "sign",
    "verify",
]

SIGNATURE_SIZE = 64
KEY_ID_HEX = 16


class KeyFileError(ValueError):
    """A key file is missing, unreadable, or not an Ed25519 key."""


def generate_keypair(directory: str | os.PathLike[str], name: str = "edge") -> tuple[Path, Path]:
    """Write `<name>.key.pem` (mode 0600) and `<name>.pub.pem`; return their paths.

    Refuses to overwrite (FileExistsError): replacing a box's key silently would make the
    central service reject every bundle the box signs afterwards.
    """
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"key name {name!r} must be a plain file name")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    private_path = out / f"{name}.key.pem"
    public_path = out / f"{name}.pub.pem"
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(f"{path} already exists; not overwriting a key")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # O_EXCL + 0600 at creation: the private key is never readable by others, not even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private_pem)
    os.chmod(private_path, 0o600)  # in case the umask was looser than the mode asked for
    fd = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(public_pem)
    return private_path, public_path


def _read(path: str | os.PathLike[str]) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror or exc}") from exc


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Load an unencrypted PEM Ed25519 private key (KeyFileError otherwise)."""
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """Load a PEM Ed25519 public key (KeyFileError otherwise)."""
    try:
        key = serialization.load_pem_public_key(_read(path))
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_public_keys(paths: Iterable[str | os.PathLike[str]]) -> dict[str, Ed25519PublicKey]:
    """key id -> key for each PEM file (KeyFileError naming the file that is not one)."""
    keys = [load_public_key(p) for p in paths]
    return {key_id(k): k for k in keys}


def sign(private_key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The raw 64-byte Ed25519 signature of `data` (deterministic, RFC 8032)."""
    return private_key.sign(data)


def verify(public_key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    """True when `signature` is `public_key`'s signature of `data`; never raises for bad input."""
    if not isinstance(signature, bytes | bytearray) or len(signature) != SIGNATURE_SIZE:
        return False
    try:
        public_key.verify(bytes(signature), data)
    except InvalidSignature:
        return False
    return True


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """First 16 hex digits of sha256(raw 32-byte public key): short enough to read aloud."""
    if isinstance(public_key, Ed25519PrivateKey):
        public_key = public_key.public_key()
    return hashlib.sha256(_raw(public_key)).hexdigest()[:KEY_ID_HEX]
