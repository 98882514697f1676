"""Damage a file the way a failing disk or a bad copy would, for the fault tests."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path


def flip_a_data_byte(path: Path) -> None:
    """Change one byte in the middle of the largest member's data of a zip archive (a checkpoint, an .npz),
    keeping the file's length and structure: only the member's CRC-32 can tell."""
    with zipfile.ZipFile(path) as archive:
        member = max(archive.infolist(), key=lambda info: info.compress_size)
    data = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[member.header_offset + 26 : member.header_offset + 30])
    start = member.header_offset + 30 + name_length + extra_length
    data[start + member.compress_size // 2] ^= 0x01
    path.write_bytes(bytes(data))
