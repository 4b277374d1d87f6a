"""The users' part of the archival dictionary: words the segmenter keeps whole (地名、人名、部队番号 …).

A word changes how titles are cut into words, which ranks whole-word hits first; matching itself runs on the
character n-grams and does not depend on the dictionary. Every change raises ``IndexState.dictionary_version``, so
that every process (the web server, the worker) reloads its segmenter before its next search or index write.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.core.roles import Capability

from ..analysis import add_words, normalize, use_dictionary_version
from ..models import DictionaryTerm, IndexState

MAX_TERM_CHARS = 50
_CJK_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{2,50}")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def check_terms(text: str) -> list[str]:
    """The words in ``text`` (separated by spaces, new lines, commas or 、), normalised (simplified, half-width);
    raises ValidationError naming every word that is not two to fifty Chinese characters."""
    words = [w for w in _SEPARATORS.split(text or "") if w]
    if not words:
        raise ValidationError({"terms": _("请输入至少一个词语")})
    bad = [w for w in words if not _CJK_WORD.fullmatch(normalize(w).replace(" ", ""))]
    if bad:
        raise ValidationError({"terms": _("词语须为 2–50 个汉字：%(words)s") % {"words": "、".join(bad[:10])}})
    return list(dict.fromkeys(normalize(w).replace(" ", "") for w in words))


def _bump_version() -> int:
    with transaction.atomic():
        state, _created = IndexState.objects.select_for_update().get_or_create(
            pk=IndexState.ID, defaults={"epoch": uuid.uuid4().hex}
        )
        state.dictionary_version += 1
        state.save(update_fields=["dictionary_version"])
    return state.dictionary_version


def do_add_terms(actor: Any, text: str, kind: str = DictionaryTerm.Kind.OTHER) -> list[DictionaryTerm]:
    """Add the words in ``text``; those already in the dictionary are left as they are. Returns the new rows."""
    require_actor(actor, Capability.CATALOG_CHANGE)
    if kind not in DictionaryTerm.Kind.values:
        raise ValidationError({"kind": _("未知类别：%(kind)s") % {"kind": kind}})
    terms = check_terms(text)
    with transaction.atomic():
        existing = set(DictionaryTerm.objects.filter(term__in=terms).values_list("term", flat=True))
        created = [
            DictionaryTerm.objects.create(term=t, kind=kind, created_by=account_of(actor))
            for t in terms
            if t not in existing
        ]
        if created:
            log(None, "search.dictionary.add", actor, {"after": {"terms": [t.term for t in created], "kind": kind}})
            version = _bump_version()
            add_words([t.term for t in created])  # this process at once; the others at their next version check
            transaction.on_commit(lambda: use_dictionary_version(version))
    return created


def do_remove_term(actor: Any, term: DictionaryTerm) -> None:
    require_actor(actor, Capability.CATALOG_CHANGE)
    with transaction.atomic():
        log(term, "search.dictionary.remove", actor, {"before": {"term": term.term, "kind": term.kind}})
        term.delete()
        version = _bump_version()
        transaction.on_commit(lambda: use_dictionary_version(version))
