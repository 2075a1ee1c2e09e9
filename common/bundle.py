"""The evidence bundle: one violation as one signed ZIP (wire format `dendo.violation/1`).

The edge writes it, the outbox keeps it, MQTT carries it and the central service stores it as
the original, so this module is the contract; it imports no computer vision (stdlib, pydantic,
cryptography only).

Layout, in this member order: `manifest.json` (DEFLATED), `manifest.sig` (STORED, the raw
64-byte Ed25519 signature of the exact manifest bytes), then the evidence files in the order
given (JPEG/MP4 STORED, JSON/text DEFLATED). Every member has date_time 1980-01-01 00:00:00,
mode 0644, create_system Unix, so the same inputs give the same archive bytes (for the same
zlib). manifest.json is canonical JSON: UTF-8, keys sorted, separators "," and ":", no
whitespace, no escaping of non-ASCII, no NaN/Infinity, no trailing newline. Verifiers never
re-serialise: the signature covers the bytes as stored.

The pieces live in `common.manifest` (models, canonical JSON, BundleError) and
`common.zipsafe` (ZIP writing and hostile-input reading); import them from here, which
re-exports the public names.

`open_bundle` trusts nothing: any input bytes either open or raise `BundleError` with one
reason code, so the collector can quarantine with a reason and never crash on a payload.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from common.manifest import (
    FRAME_ROLES,
    MANIFEST_NAME,
    MAX_FILES,
    MAX_MEMBER,
    MAX_SIZE,
    MAX_TRACK_POINTS,
    SCHEMA,
    SECONDS_INTO_RED_TOLERANCE,
    SIGNATURE_NAME,
    BundleError,
    EdgeInfo,
    FileEntry,
    FileName,
    FileRole,
    Finite,
    FrameBox,
    Ident,
    Location,
    Manifest,
    Plate,
    Sha256,
    Signal,
    Site,
    Software,
    UtcMs,
    Vehicle,
    dump_manifest,
    first_error,
    manifest_sha256,
    parse_manifest,
    parse_utc_ms,
    utc_ms,
    uuid7,
)
from common.reasons import QuarantineReason
from common.signing import Ed25519PrivateKey, Ed25519PublicKey, key_id, sign, verify
from common.zipsafe import (
    SAFE_NAME,
    ZIP_DATE_TIME,
    read_members,
    write_zip,
)

__all__ = [
    "FRAME_ROLES",
    "MANIFEST_NAME",
    "MAX_FILES",
    "MAX_MEMBER",
    "MAX_SIZE",
    "MAX_TRACK_POINTS",
    "SCHEMA",
    "SECONDS_INTO_RED_TOLERANCE",
    "SIGNATURE_NAME",
    "ZIP_DATE_TIME",
    "BundleError",
    "BundleFile",
    "EdgeInfo",
    "FileEntry",
    "FileName",
    "FileRole",
    "Finite",
    "FrameBox",
    "Ident",
    "KeyLookup",
    "Location",
    "Manifest",
    "Plate",
    "Sha256",
    "Signal",
    "Site",
    "Software",
    "UtcMs",
    "Vehicle",
    "VerifiedBundle",
    "build_bundle",
    "dump_manifest",
    "manifest_sha256",
    "open_bundle",
    "parse_utc_ms",
    "utc_ms",
    "uuid7",
]

# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleFile:
    name: str
    role: FileRole | str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class VerifiedBundle:
    manifest: Manifest
    manifest_bytes: bytes
    manifest_sha256: str
    files: dict[str, bytes] = field(repr=False)


def canonical_container(
    manifest_bytes: bytes, signature: bytes, files: list[tuple[str, bytes]]
) -> bytes:
    """The one ZIP an edge writes for these contents: manifest, signature, then the files in
    the manifest's order, every member STORED with fixed metadata. Nothing in it depends on a
    compressor's version, so the centre rebuilds it byte for byte and refuses any other
    container of the same signed contents: a repacked ZIP can neither become the stored
    original nor make the genuine one a conflict. (JPEG and WebM do not deflate anyway; the
    manifest is a few kilobytes.)"""
    members = [(MANIFEST_NAME, manifest_bytes), (SIGNATURE_NAME, signature), *files]
    return write_zip([(name, data, zipfile.ZIP_STORED) for name, data in members])


def build_bundle(
    manifest_fields: Mapping[str, Any], files: list[BundleFile], private_key: Ed25519PrivateKey
) -> tuple[bytes, Manifest]:
    """Sign and pack one violation. Fills schema, edge.key_id and files[] (sha256, size).

    Raises ValueError for anything the central service would refuse, so the edge finds out
    while it still has the frames, not after the bundle was shipped.
    """
    fields = dict(manifest_fields)
    if "files" in fields:
        raise ValueError("files[] is filled from the files given, not from manifest_fields")
    fields.setdefault("schema", SCHEMA)
    kid = key_id(private_key)
    edge = dict(fields.get("edge") or {})
    if edge.get("key_id") not in (None, kid):
        raise ValueError(f"edge.key_id {edge['key_id']} is not the signing key's id {kid}")
    fields["edge"] = {**edge, "key_id": kid}
    if len(files) + 2 > MAX_FILES:
        raise ValueError(f"{len(files)} files: a bundle holds at most {MAX_FILES - 2}")
    for f in files:
        if not SAFE_NAME.fullmatch(f.name) or ".." in f.name:
            raise ValueError(f"file name {f.name!r} is not a plain safe name")
        if len(f.data) > MAX_MEMBER:
            raise ValueError(f"{f.name} is {len(f.data)} bytes, over {MAX_MEMBER}")
    fields["files"] = [
        {
            "name": f.name,
            "role": FileRole(f.role),
            "sha256": hashlib.sha256(f.data).hexdigest(),
            "size": len(f.data),
            "content_type": f.content_type,
        }
        for f in files
    ]
    try:
        draft = Manifest.model_validate(fields)
    except ValidationError as exc:
        raise ValueError(f"invalid manifest: {first_error(exc)}") from exc
    manifest_bytes = dump_manifest(draft)
    try:
        manifest = parse_manifest(manifest_bytes)  # what the receiver sees (tuples as lists)
    except BundleError as exc:
        raise ValueError(f"the manifest would not open: {exc}") from exc
    if dump_manifest(manifest) != manifest_bytes:
        raise ValueError("manifest does not survive a JSON round trip")
    signature = sign(private_key, manifest_bytes)
    data = canonical_container(manifest_bytes, signature, [(f.name, bytes(f.data)) for f in files])
    if len(data) > MAX_SIZE:
        raise ValueError(f"bundle is {len(data)} bytes, over {MAX_SIZE}")
    return data, manifest


# --- reading ---------------------------------------------------------------------------------

KeyLookup = Callable[[str, str], Ed25519PublicKey | None]


def _public_key(keys: Mapping[str, Ed25519PublicKey] | KeyLookup, m: Manifest) -> Ed25519PublicKey:
    claimed = m.edge.key_id
    key = keys.get(claimed) if isinstance(keys, Mapping) else keys(m.camera_id, claimed)
    if key is None:
        raise BundleError(
            QuarantineReason.UNKNOWN_KEY,
            f"no public key {claimed} for camera {m.camera_id} (box {m.edge.box})",
        )
    actual = key_id(key)
    if actual != claimed:
        raise BundleError(
            QuarantineReason.UNKNOWN_KEY, f"manifest names key {claimed}, the key found is {actual}"
        )
    return key


def open_bundle(
    data: bytes,
    public_keys: Mapping[str, Ed25519PublicKey] | KeyLookup,
    *,
    max_size: int = MAX_SIZE,
    max_files: int = MAX_FILES,
    max_member: int = MAX_MEMBER,
) -> VerifiedBundle:
    """Verify a bundle completely or raise BundleError; no other exception for any bytes.

    Order: oversized; not_a_zip / zip_unsafe (structure, names, limits, bombs, overlaps);
    missing_manifest; missing_signature; wrong_schema; unknown_key; bad_signature;
    missing_file; unexpected_file; then per file size_mismatch before hash_mismatch (a wrong
    size would always also be a wrong hash, so size goes first to be the more specific);
    last not_canonical (genuine contents, another container: see canonical_container).

    public_keys: {key_id: key}, or a callable (camera_id, key_id) -> key or None so the
    collector can insist on the key registered for that camera's box. Exceptions raised by
    the callable itself propagate: a database outage must not quarantine good evidence.
    """
    data = bytes(data)
    if len(data) > max_size:
        raise BundleError(
            QuarantineReason.OVERSIZED, f"{len(data)} bytes, at most {max_size} allowed"
        )
    members = read_members(data, max_files, max_member, max_size)
    if MANIFEST_NAME not in members:
        raise BundleError(QuarantineReason.MISSING_MANIFEST, f"no {MANIFEST_NAME} in the archive")
    if SIGNATURE_NAME not in members:
        raise BundleError(QuarantineReason.MISSING_SIGNATURE, f"no {SIGNATURE_NAME} in the archive")
    manifest_bytes = members.pop(MANIFEST_NAME)
    signature = members.pop(SIGNATURE_NAME)
    manifest = parse_manifest(manifest_bytes)
    key = _public_key(public_keys, manifest)
    if not verify(key, manifest_bytes, signature):
        raise BundleError(
            QuarantineReason.BAD_SIGNATURE,
            f"manifest.sig does not verify with key {manifest.edge.key_id}",
        )
    for entry in manifest.files:
        if entry.name not in members:
            raise BundleError(
                QuarantineReason.MISSING_FILE, f"{entry.name} ({entry.role}) is not in the ZIP"
            )
    listed = {entry.name for entry in manifest.files}
    for name in members:
        if name not in listed:
            raise BundleError(
                QuarantineReason.UNEXPECTED_FILE, f"{name} is in the ZIP but not in the manifest"
            )
    files: dict[str, bytes] = {}
    for entry in manifest.files:
        content = members[entry.name]
        if len(content) != entry.size:
            raise BundleError(
                QuarantineReason.SIZE_MISMATCH,
                f"{entry.name}: {len(content)} bytes, manifest says {entry.size}",
            )
        if hashlib.sha256(content).hexdigest() != entry.sha256:
            raise BundleError(
                QuarantineReason.HASH_MISMATCH, f"{entry.name}: sha256 differs from the manifest"
            )
        files[entry.name] = content
    ordered = [(entry.name, files[entry.name]) for entry in manifest.files]
    if canonical_container(manifest_bytes, signature, ordered) != data:
        raise BundleError(
            QuarantineReason.NOT_CANONICAL,
            "the signed contents are genuine but the ZIP container is not the one the edge"
            " writes (repacked: member order, compression or metadata differ)",
        )
    return VerifiedBundle(manifest, manifest_bytes, manifest_sha256(manifest_bytes), files)
