"""make_bag(): a plain folder or a .zip becomes a BagIt 1.0 bag ("bagged on arrival").

The bag is assembled in a staging folder beside its destination and moved into place with one rename, so the
destination either does not exist or holds a complete bag. Bagging a folder in place moves it, with one rename, into
the staging folder as ``data/`` and the finished bag back: if the process dies in between, the folder's content is
whole inside ``.NAME.bagging-*/data`` next to where it was.
"""

from __future__ import annotations

import datetime
import os
import secrets
import shutil
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from dangan import __version__

from .hashing import HashJob, Progress, digest_file, hash_files
from .problems import BagError
from .tagfiles import ALGORITHMS, encode_path
from .unzip import ZipLimits, bag_root_in, inspect_zip, unpack_zip

Info = Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]]
COMPUTED_LABELS = ("payload-oxum",)


def make_bag(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str] | None = None,
    *,
    algorithms: Sequence[str] = ("sha512",),
    info: Info | None = None,
    zip_limits: ZipLimits | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Path:
    """Make a BagIt 1.0 bag from ``source`` and return its folder.

    A folder is bagged in place (``dest`` None) or copied into a new bag at ``dest``. A ``.zip`` is unpacked safely
    (see ZipLimits) into ``dest`` (default: the archive's name without ``.zip``) and bagged; if the archive already
    holds a bag (bagit.txt at its top, or in its single top folder), that bag is unpacked as it is and returned
    unvalidated. ``info`` adds bag-info.txt labels (Payload-Oxum is always computed). Raises BagError for anything an
    operator must fix (already a bag, links in the folder, an unsafe archive, destination exists).
    """
    algorithms = tuple(dict.fromkeys(a.lower() for a in algorithms))
    unknown = [a for a in algorithms if a not in ALGORITHMS]
    if unknown or not algorithms:
        raise ValueError(f"unsupported algorithms {unknown or algorithms}; choose from {sorted(ALGORITHMS)}")
    tags = _format_info(info)
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(source)
    if source.is_dir():
        if dest is None:
            return _bag_in_place(source, algorithms, tags, workers, progress)
        return _bag_copy(source, Path(dest), algorithms, tags, workers, progress)
    if zipfile.is_zipfile(source):
        target = Path(dest) if dest is not None else source.with_suffix("")
        return _bag_zip(source, target, algorithms, tags, zip_limits or ZipLimits(), progress)
    raise BagError(f"{source} 既不是文件夹也不是 .zip 压缩包", f"{source} is neither a folder nor a .zip archive")


# ---------------------------------------------------------------------------------------------------- folders


def _payload_files(folder: Path) -> tuple[list[HashJob], list[str]]:
    """Files (as payload paths 'data/…') and folders under ``folder``; links and special files are refused."""
    files: list[HashJob] = []
    folders: list[str] = []
    stack = [(folder, "")]
    while stack:
        current, prefix = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                rel = prefix + entry.name
                try:
                    rel.encode("utf-8")
                except UnicodeEncodeError:
                    shown = os.fsencode(rel).decode("utf-8", "replace")
                    raise BagError(f"文件名不是 UTF-8：{shown}", f"file name is not UTF-8: {shown}") from None
                if entry.is_dir(follow_symlinks=False):
                    folders.append(rel)
                    stack.append((Path(entry.path), rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    files.append(HashJob(rel, frozenset(), entry.stat(follow_symlinks=False).st_size))
                else:
                    raise BagError(
                        f"{rel} 是符号链接或特殊文件，不能装入 BagIt 包",
                        f"{rel} is a link or a special file and cannot go into a bag",
                    )
    return files, folders


def _check_not_a_bag(folder: Path) -> None:
    if (folder / "bagit.txt").exists():
        raise BagError(f"{folder} 已是 BagIt 包，请直接校验", f"{folder} is already a bag; validate it instead")


def _staging(beside: Path, name: str, what: str) -> Path:
    """A new folder next to ``beside`` (same file system, so the final rename is atomic), with the usual permissions
    (``tempfile.mkdtemp`` would make it private, and the bag with it)."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    while True:
        staging = beside.parent / f".{name}.{what}-{secrets.token_hex(4)}"
        try:
            staging.mkdir()
            return staging
        except FileExistsError:
            continue


def _bag_in_place(
    folder: Path, algorithms: Sequence[str], tags: list[tuple[str, str]], workers: int | None, progress: Progress | None
) -> Path:
    _check_not_a_bag(folder)
    files, _ = _payload_files(folder)
    staging = _staging(folder, folder.name, "bagging")
    data = staging / "data"
    os.rename(folder, data)
    try:
        jobs = [HashJob(j.path, frozenset(algorithms), j.size) for j in files]
        results = hash_files(data, jobs, workers=workers, progress=progress)
        digests = _checked(results, "data/")
        _write_tag_files(staging, digests, algorithms, tags)
        os.rename(staging, folder)
    except BaseException:
        if data.is_dir() and not folder.exists():
            os.rename(data, folder)
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _bag_copy(
    source: Path,
    dest: Path,
    algorithms: Sequence[str],
    tags: list[tuple[str, str]],
    workers: int | None,
    progress: Progress | None,
) -> Path:
    _check_not_a_bag(source)
    if dest.exists():
        raise BagError(f"目标 {dest} 已存在", f"the destination {dest} exists")
    if dest.resolve().is_relative_to(source.resolve()):
        raise BagError("目标不能在源文件夹之内", "the destination cannot be inside the source folder")
    files, folders = _payload_files(source)
    staging = _staging(dest, dest.name, "bagging")
    try:
        data = staging / "data"
        data.mkdir()
        for rel in sorted(folders):
            (data / rel).mkdir()
        jobs = [HashJob(j.path, frozenset(algorithms), j.size) for j in files]
        results = hash_files(source, jobs, workers=workers, progress=progress, copy_to=data)
        digests = _checked(results, "data/")
        _write_tag_files(staging, digests, algorithms, tags)
        os.rename(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


def _checked(results: Mapping[str, dict[str, str] | OSError], prefix: str) -> dict[str, dict[str, str]]:
    digests: dict[str, dict[str, str]] = {}
    for rel, result in results.items():
        if isinstance(result, OSError):
            raise BagError(f"无法读取 {rel}：{result.strerror}", f"cannot read {rel}: {result.strerror}")
        digests[prefix + rel] = result
    return digests


# -------------------------------------------------------------------------------------------------------- zips


def _bag_zip(
    source: Path,
    dest: Path,
    algorithms: Sequence[str],
    tags: list[tuple[str, str]],
    limits: ZipLimits,
    progress: Progress | None,
) -> Path:
    if dest.exists():
        raise BagError(f"目标 {dest} 已存在", f"the destination {dest} exists")
    with zipfile.ZipFile(source) as archive:
        root = bag_root_in(inspect_zip(archive, limits))
    staging = _staging(dest, dest.name, "unpacking")
    try:
        if root is not None:  # a bag already: unpack it unchanged for the validator to judge
            unpack_zip(source, staging / "bag", limits=limits, progress=progress)
            os.rename(staging / "bag" / root if root else staging / "bag", dest)
            shutil.rmtree(staging)
            return dest
        digests = unpack_zip(
            source, staging / "data", limits=limits, algorithms=algorithms, prefix="data/", progress=progress
        )
        _write_tag_files(staging, digests, algorithms, tags)
        os.rename(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


# --------------------------------------------------------------------------------------------------- tag files


def _format_info(info: Info | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    items: Iterable[tuple[str, str | Sequence[str]]] = info.items() if isinstance(info, Mapping) else (info or [])
    for label, value in items:
        label = str(label)
        if not label.strip() or label != label.strip() or any(c in label for c in ":\r\n"):
            raise BagError(f"bag-info 标签 “{label}” 无效", f"invalid bag-info label '{label}'")
        if label.casefold() in COMPUTED_LABELS:
            continue
        for one in [value] if isinstance(value, str) else value:
            pairs.append((label, str(one)))
    return pairs


def _info_line(label: str, value: str) -> str:
    lines = [part.strip() for part in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return f"{label}: " + "\n  ".join(lines) + "\n"


def _write_tag_files(
    bag: Path, digests: Mapping[str, Mapping[str, str]], algorithms: Sequence[str], tags: list[tuple[str, str]]
) -> None:
    def write(name: str, text: str) -> None:
        with open(bag / name, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    write("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    ordered = sorted(digests)
    for algorithm in algorithms:
        write(f"manifest-{algorithm}.txt", "".join(f"{digests[p][algorithm]}  {encode_path(p)}\n" for p in ordered))
    labels = {label.casefold() for label, _ in tags}
    info = list(tags)
    if "bagging-date" not in labels:
        info.append(("Bagging-Date", datetime.date.today().isoformat()))
    if "bag-software-agent" not in labels:
        info.append(("Bag-Software-Agent", f"dangan {__version__}"))
    total = 0
    for p in ordered:
        total += os.lstat(bag / p).st_size
    info.append(("Payload-Oxum", f"{total}.{len(ordered)}"))
    write("bag-info.txt", "".join(_info_line(label, value) for label, value in info))
    tag_files = sorted(n for n in os.listdir(bag) if (bag / n).is_file() and not n.startswith("tagmanifest-"))
    tag_digests = {n: digest_file(bag / n, algorithms) for n in tag_files}
    for algorithm in algorithms:
        write(f"tagmanifest-{algorithm}.txt", "".join(f"{tag_digests[n][algorithm]}  {n}\n" for n in tag_files))
