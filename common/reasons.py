"""Why a bundle was quarantined: the one vocabulary of refusal codes, on the wire and stored.

A `quarantined` receipt carries the code back to the edge and the quarantine page shows it,
so the codes are part of the contract between the two sides. The first group is what
`open_bundle` refuses (the wire format itself); the second what only the centre can judge.
"""

from __future__ import annotations

from enum import StrEnum


class QuarantineReason(StrEnum):
    # --- the wire format (common.bundle.open_bundle) ---
    OVERSIZED = "oversized"  # larger than the bundle size limit
    NOT_A_ZIP = "not_a_zip"  # not a readable ZIP, or truncated
    ZIP_UNSAFE = "zip_unsafe"  # a ZIP built to attack the reader (names, sizes, overlaps)
    MISSING_MANIFEST = "missing_manifest"
    MISSING_SIGNATURE = "missing_signature"
    WRONG_SCHEMA = "wrong_schema"  # manifest.json is not a valid dendo.violation/1 record
    UNKNOWN_KEY = "unknown_key"  # signed by a key the centre does not hold
    BAD_SIGNATURE = "bad_signature"
    MISSING_FILE = "missing_file"  # listed in the manifest, absent from the ZIP
    UNEXPECTED_FILE = "unexpected_file"  # in the ZIP, not in the manifest
    HASH_MISMATCH = "hash_mismatch"
    SIZE_MISMATCH = "size_mismatch"
    NOT_CANONICAL = "not_canonical"  # genuine signed contents in a repacked ZIP container
    # --- the centre's own checks (central.ingest) ---
    JPEG_CORRUPT = "jpeg_corrupt"  # an evidence frame that does not decode whole
    CAMERA_MISMATCH = "camera_mismatch"  # sent on another camera's topic
    BAD_TOPIC = "bad_topic"  # not a violation topic at all
    BOX_MISMATCH = "box_mismatch"  # the manifest names another box than its key's
    CONFLICT = "conflict"  # a known violation id with other bytes
    UNSTORABLE = "unstorable"  # the database refused a value (too long, out of range)
    UNVERIFIABLE = "unverifiable"  # the check itself failed (a bug): kept, never lost


_ALL = list(QuarantineReason)
# What open_bundle may refuse with: the first group, up to NOT_CANONICAL.
WIRE_REASONS = frozenset(_ALL[: _ALL.index(QuarantineReason.NOT_CANONICAL) + 1])
