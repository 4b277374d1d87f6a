"""RAID-6 parity over GF(2⁸) for disc sets: P (the XOR of the data images) and Q (Σ gⁱ·Dᵢ, g = 2, polynomial
x⁸ + x⁴ + x³ + x² + 1, 0x11d — as in Linux md), over data images padded with zeros to one size, so that any two
lost images of a set (data or parity) are rebuilt from the rest. Streams in blocks; numpy does the arithmetic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

__all__ = ["BLOCK", "MAX_DATA", "compute_parity", "rebuild"]

BLOCK = 4 * 1024 * 1024
MAX_DATA = 255  # gⁱ for i < 255 are distinct: at most 255 data images in a set

Bytes = npt.NDArray[np.uint8]


def _tables() -> tuple[list[int], list[int], Bytes]:
    exp, log = [0] * 512, [0] * 256
    value = 1
    for i in range(255):
        exp[i], log[value] = value, i
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    table = np.zeros((256, 256), dtype=np.uint8)  # table[c][x] = c·x
    for c in range(1, 256):
        table[c, 1:] = [exp[log[c] + log[x]] for x in range(1, 256)]
    return exp, log, table


_EXP, _LOG, _MUL = _tables()


def _gmul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def _ginv(a: int) -> int:
    return _EXP[255 - _LOG[a]]


def _scale(c: int, block: Bytes) -> Bytes:
    return block if c == 1 else _MUL[c][block]


def _read(handle: BinaryIO | None, size: int) -> Bytes:
    """``size`` bytes from ``handle``, zero-padded past its end (the padding of a shorter image)."""
    block = np.zeros(size, dtype=np.uint8)
    if handle is not None:
        data = handle.read(size)
        block[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    return block


def compute_parity(data: Sequence[Path], p_out: BinaryIO, q_out: BinaryIO) -> int:
    """Write P and Q of the images ``data`` (in set order) to the two outputs; returns their length (the
    longest image's size)."""
    if not 1 <= len(data) <= MAX_DATA:
        raise ValueError(f"一套光盘的数据盘数须在 1 到 {MAX_DATA} 之间")
    length = max(path.stat().st_size for path in data)
    handles = [path.open("rb") for path in data]
    try:
        for offset in range(0, length, BLOCK):
            size = min(BLOCK, length - offset)
            p = np.zeros(size, dtype=np.uint8)
            q = np.zeros(size, dtype=np.uint8)
            for i, handle in enumerate(handles):
                block = _read(handle, size)
                p ^= block
                q ^= _scale(_EXP[i], block)
            p_out.write(p.tobytes())
            q_out.write(q.tobytes())
    finally:
        for handle in handles:
            handle.close()
    return length


def rebuild(
    data: Sequence[BinaryIO | None],
    p: BinaryIO | None,
    q: BinaryIO | None,
    length: int,
    sizes: Sequence[int],
    outputs: Mapping[int, BinaryIO],
) -> None:
    """Rebuild the missing data images (``None`` in ``data``; their indexes are the keys of ``outputs``) from the
    others and the parity payloads ``p`` / ``q`` (``None`` when lost too), ``length`` bytes of each, writing
    each rebuilt image's first ``sizes[i]`` bytes. At most two of data, P and Q may be missing."""
    lost = [i for i, handle in enumerate(data) if handle is None]
    if sorted(lost) != sorted(outputs) or len(lost) + (p is None) + (q is None) > 2:
        raise ValueError("一套光盘最多只能由其余光盘重建两张")
    if not lost:
        return
    if len(lost) == 2 and (p is None or q is None):
        raise ValueError("丢失两张数据盘时需要 P、Q 两张校验盘")
    x = lost[0]
    y = lost[1] if len(lost) == 2 else None
    written = dict.fromkeys(lost, 0)
    for offset in range(0, length, BLOCK):
        size = min(BLOCK, length - offset)
        # P and Q over the surviving data images: what remains is the lost images' share.
        pxy = _read(p, size) if p is not None else None
        qxy = _read(q, size) if q is not None else None
        for i, handle in enumerate(data):
            if handle is None:
                continue
            block = _read(handle, size)
            if pxy is not None:
                pxy ^= block
            if qxy is not None:
                qxy ^= _scale(_EXP[i], block)
        rebuilt: dict[int, Bytes] = {}
        if y is None:
            if pxy is not None:  # Dx = P ⊕ Σ others
                rebuilt[x] = pxy
            else:  # Dx = (Q ⊕ Σ gⁱDᵢ) · g⁻ˣ
                assert qxy is not None
                rebuilt[x] = _scale(_ginv(_EXP[x]), qxy)
        else:  # Dx = (gʸ·Pxy ⊕ Qxy) / (gˣ ⊕ gʸ); Dy = Pxy ⊕ Dx
            assert pxy is not None and qxy is not None
            gx, gy = _EXP[x], _EXP[y]
            dx = _scale(_ginv(gx ^ gy), _scale(gy, pxy) ^ qxy)
            rebuilt[x], rebuilt[y] = dx, pxy ^ dx
        for i, block in rebuilt.items():
            keep = max(0, min(size, sizes[i] - written[i]))
            if keep:
                outputs[i].write(block[:keep].tobytes())
                written[i] += keep
