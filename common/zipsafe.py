"""ZIP bytes for evidence bundles: a deterministic writer and a reader that trusts nothing.

Split out of `common.bundle` so the archive mechanics (member headers, spans, inflate
bounds, the checks that keep a hostile archive harmless) sit apart from what a bundle means.
The writer gives every member date_time 1980-01-01 00:00:00, mode 0644 and create_system Unix,
so the same members give the same bytes (for the same zlib). The reader raises only
`BundleError` with reason not_a_zip or zip_unsafe. Standard library only (plus BundleError).
"""

from __future__ import annotations

import io
import itertools
import re
import stat
import struct
import zipfile
import zlib

from common.manifest import BundleError
from common.reasons import QuarantineReason

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # fullmatch, and no ".." as well
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature .. extra length: 30 bytes


def write_zip(members: list[tuple[str, bytes, int]]) -> bytes:
    """The archive of (name, data, compress_type) members, in that order, byte-reproducible."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = 3  # Unix, whatever OS wrote it
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            level = 6 if method == zipfile.ZIP_DEFLATED else None
            zf.writestr(info, data, compress_type=method, compresslevel=level)
    return buf.getvalue()


def read_members(data: bytes, max_files: int, max_member: int, max_total: int) -> dict[str, bytes]:
    """Every member's bytes, after the checks that keep a hostile archive harmless.

    Members are read from their local headers with our own bounds, not through zipfile's
    reader, so a bomb stops at the declared size and a damaged byte reaches the sha256 check
    (hash_mismatch naming the file) instead of a CRC error. The CRC is not trusted or needed:
    every member is covered by the signature or by a signed sha256.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception as exc:  # zipfile's parser raises many undocumented types on junk
        raise BundleError(
            QuarantineReason.NOT_A_ZIP, f"not a readable ZIP archive: {exc}"
        ) from None
    if len(infos) > max_files:
        raise BundleError(
            QuarantineReason.ZIP_UNSAFE, f"{len(infos)} members, at most {max_files} allowed"
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.orig_filename
        if name != info.filename or not SAFE_NAME.fullmatch(name) or ".." in name:
            raise BundleError(QuarantineReason.ZIP_UNSAFE, f"unsafe member name {name!r}")
        if name.lower() in seen:
            raise BundleError(QuarantineReason.ZIP_UNSAFE, f"duplicate member {name!r}")
        seen.add(name.lower())
        kind = stat.S_IFMT(info.external_attr >> 16)
        if info.flag_bits & 0x1 or kind not in (0, stat.S_IFREG):
            raise BundleError(
                QuarantineReason.ZIP_UNSAFE, f"{name} is encrypted or not a regular file"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BundleError(
                QuarantineReason.ZIP_UNSAFE, f"{name} uses compression method {info.compress_type}"
            )
        if max(info.file_size, info.compress_size) > max_member:
            raise BundleError(
                QuarantineReason.ZIP_UNSAFE, f"{name} declares {info.file_size} bytes, over limit"
            )
        total += info.file_size
        if total > max_total:
            raise BundleError(
                QuarantineReason.ZIP_UNSAFE, f"members declare over {max_total} bytes in total"
            )
    members: dict[str, bytes] = {}
    spans: list[tuple[int, int, str]] = []
    for info in infos:
        start, end = _member_span(data, info)
        spans.append((info.header_offset, end, info.filename))
        members[info.filename] = _inflate(info, data[start:end])
    spans.sort()
    for (_, prev_end, prev), (begin, _, name) in itertools.pairwise(spans):
        if begin < prev_end:
            raise BundleError(QuarantineReason.ZIP_UNSAFE, f"members {prev} and {name} overlap")
    return members


def _member_span(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(start, end) of the member's compressed bytes, checked against its local header."""
    name, offset = info.filename, info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        raise BundleError(
            QuarantineReason.NOT_A_ZIP, f"{name}: local header outside the archive (truncated?)"
        )
    sig, _, _, method, _, _, _, _, _, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, offset)
    if sig != b"PK\x03\x04":
        raise BundleError(
            QuarantineReason.NOT_A_ZIP, f"{name}: no local header where the directory points"
        )
    start = offset + _LOCAL_HEADER.size + name_len + extra_len
    local_name = data[offset + _LOCAL_HEADER.size : offset + _LOCAL_HEADER.size + name_len]
    if local_name != name.encode("ascii") or method != info.compress_type:
        raise BundleError(
            QuarantineReason.ZIP_UNSAFE, f"{name}: local header disagrees with the directory"
        )
    end = start + info.compress_size
    if end > len(data):
        raise BundleError(QuarantineReason.NOT_A_ZIP, f"{name}: data runs past the end (truncated)")
    return start, end


def _inflate(info: zipfile.ZipInfo, raw: bytes) -> bytes:
    name, size = info.filename, info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != size:
            raise BundleError(
                QuarantineReason.ZIP_UNSAFE, f"{name}: stored size {len(raw)} != declared {size}"
            )
        return raw
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, size + 1)  # stop one byte past the declared size
    except zlib.error as exc:
        raise BundleError(
            QuarantineReason.NOT_A_ZIP, f"{name}: corrupt compressed data ({exc})"
        ) from None
    if len(out) > size:
        raise BundleError(
            QuarantineReason.ZIP_UNSAFE, f"{name}: inflates past its declared {size} bytes"
        )
    if len(out) < size or not inflater.eof:
        raise BundleError(
            QuarantineReason.NOT_A_ZIP, f"{name}: compressed data ends early (truncated)"
        )
    if inflater.unused_data:
        raise BundleError(
            QuarantineReason.ZIP_UNSAFE, f"{name}: hidden bytes after the compressed data"
        )
    return out
