"""The one Chinese analyzer: normalisation (width, traditional→simplified, case), jieba segmentation with the
archival dictionary, and the character n-grams (two to four characters) of each Chinese run. Every backend calls it
at index time and at query time."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from math import log
from pathlib import Path

import jieba

logger = logging.getLogger(__name__)

try:
    from . import _native  # type: ignore[attr-defined]  # the C extension, built by make install
except ImportError:  # installed without a C compiler: the Python versions below give the same results, slower
    _native = None

# The C versions of the hot loops (``_native.c``) run where they were built, unless DANGAN_SEARCH_NATIVE=0.
NATIVE: bool = _native is not None and os.environ.get("DANGAN_SEARCH_NATIVE", "1") != "0"

DICTIONARY_DIR = Path(__file__).resolve().parent / "dictionary"
ARCHIVAL_DICTIONARY = DICTIONARY_DIR / "archival.txt"

# Bump the number when the analysis changes; the hash follows the shipped dictionary by itself.
ANALYZER_VERSION: str = "6." + hashlib.sha1(ARCHIVAL_DICTIONARY.read_bytes()).hexdigest()[:8]

# Precise mode without the HMM: the HMM guesses "new words" from context, so the same name would be cut one way in
# a title and another way in the query box; the archival dictionary and the bigram column give the recall instead.
# It is also about twice as fast (see bench figures in the issue).
HMM = False

# Frequency for words added to the live segmenter: high enough to keep them whole in ordinary titles, low enough
# not to split the common words around them (jieba's total is about 60 million).
USER_WORD_FREQ = 20_000

# Longest text whose analysis is cached: short fields (责任者, organisations, repeated titles) repeat a lot.
_CACHE_MAX_CHARS = 120

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A CJK run, or a run of other letters and digits; anything else (space, punctuation, symbols) separates.
_TOKEN = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_CJK_RUN = re.compile(f"[{_CJK}]+")


# --- normalisation ------------------------------------------------------------------------------------------


def _load_opencc(name: str) -> dict[str, str]:
    import opencc

    path = Path(opencc.__file__).resolve().parent / "dictionary" / name
    table: dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            key, _, values = line.rstrip("\n").partition("\t")
            if key and values:
                table[key] = values.split(" ")[0]
    return table


def _build_tables() -> tuple[dict[int, str], re.Pattern[str] | None, dict[str, str], frozenset[str]]:
    chars = _load_opencc("TSCharacters.txt")
    table: dict[int, str] = {}
    for key, value in chars.items():
        if len(key) == 1 and key != value:
            table[ord(key)] = value
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(c)] = c.lower()
    # Phrases whose simplified form differs from the character-by-character one (乾隆 stays 乾隆, not 干隆).
    phrases = {}
    for key, value in _load_opencc("TSPhrases.txt").items():
        if key.translate(table) != value:
            phrases[key] = value
    pattern = re.compile("|".join(sorted(map(re.escape, phrases), key=len, reverse=True))) if phrases else None
    return table, pattern, phrases, frozenset(k[0] for k in phrases)


_T2S, _PHRASE_RE, _PHRASES, _PHRASE_STARTS = _build_tables()


def normalize(text: str) -> str:
    """NFKC (full-width → half-width, compatibility ideographs), traditional → simplified, Latin lower-cased,
    whitespace collapsed to single spaces."""
    if not text:
        return ""
    if text.isascii():
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKC", text)
    if _PHRASE_RE is None or _PHRASE_STARTS.isdisjoint(text):
        return " ".join(text.translate(_T2S).lower().split())
    # The phrase's own simplified form must not go through the character table again (乾隆 → 乾隆, not 干隆).
    parts: list[str] = []
    last = 0
    for match in _PHRASE_RE.finditer(text):
        parts.append(text[last : match.start()].translate(_T2S))
        parts.append(_PHRASES[match.group(0)])
        last = match.end()
    parts.append(text[last:].translate(_T2S))
    return " ".join("".join(parts).lower().split())


# --- the segmenter ------------------------------------------------------------------------------------------

_lock = threading.RLock()
_tokenizer: jieba.Tokenizer | None = None


def _cache_dir() -> str:
    try:
        from django.conf import settings

        if settings.configured:
            home = Path(settings.DANGAN_HOME) / "cache"
            home.mkdir(parents=True, exist_ok=True)
            return str(home)
    except Exception:  # no settings or an unwritable home: the temp dir will do
        pass
    return tempfile.gettempdir()


def _read_dictionary(path: Path) -> list[tuple[str, int | None]]:
    entries: list[tuple[str, int | None]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            entries.append((normalize(parts[0]).replace(" ", ""), freq))
    return entries


def _file_terms() -> list[tuple[str, int | None]]:
    """The words of the site's own dictionary file (DANGAN_SEARCH_DICTIONARY, default DANGAN_HOME/search-dictionary
    .txt): one word per line, optionally followed by a frequency, as in jieba's format; absent is fine."""
    try:
        from django.conf import settings

        path = Path(getattr(settings, "SEARCH_DICTIONARY_FILE", "")) if settings.configured else None
    except Exception:  # outside Django
        return []
    if not path or not path.is_file():
        return []
    return _read_dictionary(path)


def _database_terms() -> list[str]:
    """The users' DictionaryTerm rows; none when Django, the app registry or the table is not there yet."""
    try:
        from django.db import transaction

        from dangan.search.models import DictionaryTerm

        with transaction.atomic():
            return list(DictionaryTerm.objects.values_list("term", flat=True))
    except Exception as exc:  # before migrate, outside Django, or with database access blocked
        logger.debug("Dictionary terms not loaded from the database: %s", exc)
        return []


def _add(tokenizer: jieba.Tokenizer, word: str, freq: int | None) -> None:
    word = normalize(word).replace(" ", "")
    if len(word) < 2 or not _CJK_RUN.fullmatch(word):
        return  # only runs of Chinese characters reach jieba; other runs are kept whole anyway
    current = tokenizer.FREQ.get(word, 0)
    tokenizer.add_word(word, max(freq or USER_WORD_FREQ, current))


def _build(with_database: bool) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = _cache_dir()
    tokenizer.initialize()
    for word, freq in _read_dictionary(ARCHIVAL_DICTIONARY):
        _add(tokenizer, word, freq)
    for word, freq in _file_terms():
        _add(tokenizer, word, freq)
    if with_database:
        for word in _database_terms():
            _add(tokenizer, word, None)
    return tokenizer


def _get_tokenizer() -> jieba.Tokenizer:
    tokenizer = _tokenizer
    if tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _install(_build(with_database=True))
            tokenizer = _tokenizer
    assert tokenizer is not None
    return tokenizer


def _install(tokenizer: jieba.Tokenizer) -> None:
    global _tokenizer
    _tokenizer = tokenizer
    _clear_caches()


def _clear_caches() -> None:
    _run_cache.clear()
    _analyze_short.cache_clear()


def add_words(terms: Iterable[str]) -> None:
    """Add words to the live segmenter of this process (kept whole from now on)."""
    tokenizer = _get_tokenizer()
    with _lock:
        for term in terms:
            _add(tokenizer, term, None)
        _clear_caches()


_dictionary_version: int | None = None


def use_dictionary_version(version: int) -> None:
    """Reload the segmenter if the users' dictionary changed since this process loaded it (``version`` is
    ``IndexState.dictionary_version``, read by the caller)."""
    global _dictionary_version
    if _dictionary_version is None:
        _dictionary_version = version  # the segmenter loads the current words on first use anyway
        return
    if version != _dictionary_version:
        reload_dictionary()
        _dictionary_version = version


def reload_dictionary() -> None:
    """Rebuild the segmenter from jieba's dictionary, the shipped archival dictionary and the DictionaryTerm rows
    (call after users add or remove words)."""
    tokenizer = _build(with_database=True)
    with _lock:
        _install(tokenizer)


# --- analysis -----------------------------------------------------------------------------------------------


# Runs of Chinese characters repeat across titles ("关于", organisation names, "工作的通知") more than titles do.
_RUN_CACHE_SIZE = 200_000
# Longer runs (whole titles without punctuation) seldom come again: kept, they would only fill the cache.
_RUN_CACHE_LONGEST = 12
_run_cache: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # run → (words, n-grams)


def _cut_python(run: str, freq: dict[str, int], log_total: float) -> list[str]:
    """jieba's precise mode without the HMM on one run of Chinese characters: the most probable route through the
    graph of dictionary words (ties go to the longer word, as in jieba). The same algorithm as
    ``Tokenizer.cut(run, HMM=False)``, in one backward pass without the intermediate graph: three times faster."""
    n = len(run)
    score = [0.0] * (n + 1)
    end = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        best = -1e300
        best_end = i + 1
        j = i + 1
        fragment = run[i]
        while fragment in freq:
            f = freq[fragment]
            if f:
                value = log(f) - log_total + score[j]
                if value >= best:
                    best = value
                    best_end = j
            if j >= n:
                break
            j += 1
            fragment = run[i:j]
        if best == -1e300:  # no dictionary word starts here: the character alone
            best = log(freq.get(run[i]) or 1) - log_total + score[i + 1]
        score[i] = best
        end[i] = best_end
    out: list[str] = []
    i = 0
    while i < n:
        j = end[i]
        out.append(run[i:j])
        i = j
    return out


_cut = _native.cut if NATIVE else _cut_python


# The character n-grams indexed beside the words: every substring of two to four characters of a Chinese run. A term
# of up to four characters is then one token, a longer one the overlapping four-character pieces that cover it.
NGRAM_MIN, NGRAM_MAX = 2, 4


def ngrams_of(run: str) -> list[str]:
    """Every substring of NGRAM_MIN…NGRAM_MAX characters of one run of Chinese characters (娄山关 → 娄山, 山关,
    娄山关), shortest first."""
    return _native.ngrams(run, NGRAM_MIN, NGRAM_MAX) if NATIVE else _ngrams_python(run)


def _ngrams_python(run: str) -> list[str]:
    n = len(run)
    return [run[i : i + k] for k in range(NGRAM_MIN, min(NGRAM_MAX, n) + 1) for i in range(n - k + 1)]


def covering_ngrams(term: str) -> list[str]:
    """The n-grams whose presence together stands for ``term`` (one run of Chinese characters): the term itself up
    to NGRAM_MAX characters, else overlapping NGRAM_MAX-character pieces from its start to its end."""
    if len(term) <= NGRAM_MAX:
        return [term]
    starts = [*range(0, len(term) - NGRAM_MAX, NGRAM_MAX - 1), len(term) - NGRAM_MAX]
    return [term[i : i + NGRAM_MAX] for i in starts]


def _analyze(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One pass over the runs of the normalised text: a Chinese run's words and n-grams come from the run cache (runs
    repeat across titles far more than whole titles do), another run is one word."""
    normalized = normalize(text)
    tokenizer = _get_tokenizer()
    if NATIVE and not HMM:
        return _native.analyze(
            normalized,
            _run_cache,
            tokenizer.FREQ,
            log(tokenizer.total),
            _RUN_CACHE_SIZE,
            _RUN_CACHE_LONGEST,
            NGRAM_MIN,
            NGRAM_MAX,
        )
    return _analyze_python(normalized, tokenizer)


def _analyze_python(normalized: str, tokenizer: jieba.Tokenizer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    words: list[str] = []
    grams: dict[str, None] = {}
    for match in _TOKEN.finditer(normalized):
        cjk = match.group(1)
        if cjk is None:
            words.append(match.group(2))
            continue
        if len(cjk) == 1:
            words.append(cjk)
            continue
        kept = len(cjk) <= _RUN_CACHE_LONGEST
        cached = _run_cache.get(cjk) if kept else None
        if cached is None:
            cut = tokenizer.cut(cjk, HMM=True) if HMM else _cut(cjk, tokenizer.FREQ, log(tokenizer.total))
            cached = (tuple(cut), tuple(ngrams_of(cjk)))
            if kept:
                if len(_run_cache) >= _RUN_CACHE_SIZE:
                    _run_cache.clear()
                _run_cache[cjk] = cached
        words.extend(cached[0])
        grams.update(dict.fromkeys(cached[1]))
    return tuple(words), tuple(grams)


@lru_cache(maxsize=65536)
def _analyze_short(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return _analyze(text)


def _analysis(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if len(text) <= _CACHE_MAX_CHARS:
        return _analyze_short(text)
    return _analyze(text)


def analysis_of(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``words(text)`` and ``ngrams(text)`` as the analyser keeps them (tuples shared with its caches)."""
    return _analysis(text) if text else ((), ())


def words(text: str) -> list[str]:
    """The words of ``text``: normalised, segmented by jieba with the archival dictionary (precise mode), without
    whitespace or punctuation; Latin and digit runs stay whole ("Z109-WS" → ["z109", "ws"])."""
    return list(_analysis(text)[0]) if text else []


def ngrams(text: str) -> list[str]:
    """The character n-grams of ``text`` (``ngrams_of`` each Chinese run), each once, shortest first: a search for
    娄山 finds 娄山关, and 土地整治 finds 农村土地|整治, with one token and no phrase to check."""
    return list(_analysis(text)[1]) if text else []


def index_text(text: str) -> tuple[str, str]:
    """What the two index columns store: the words, and the character n-grams, each joined by spaces."""
    if not text:
        return "", ""
    w, g = _analysis(text)
    return " ".join(w), " ".join(g)


def is_single_run(term: str) -> bool:
    """Whether the normalised ``term`` is one run of two or more Chinese characters (which a longer word may hold
    as a piece)."""
    return bool(_CJK_RUN.fullmatch(normalize(term))) and len(normalize(term)) >= 2
