"""The project's conventions as lint rules (``make lint`` runs ``python -m dangan.utilities.lint src tests``).

Ruff checks style; these rules check the shape ARCHITECTURE.md asks of every app, on the source's syntax tree:

- ``state-change`` — views, API functions and tasks do not write: ``.save()``, ``.delete()``, ``.create()``,
  ``bulk_create`` … and queryset ``.update()`` belong in the app's ``actions/`` (check_*/do_*, audit-logged).
- ``raw-table`` — no model's table name in a string: SQL names ``Model._meta.db_table``, so a renamed table or a
  ``db_table`` cannot silently miss a statement.
- ``untranslated`` — Chinese text shown to a person goes through gettext: string literals passed to messages,
  ValidationError, PermissionDenied, Http404, HttpError, HttpResponse, ``add_error`` …; and Chinese prose in a
  template stays inside ``{% translate %}`` / ``{% blocktranslate %}``.
- ``policy`` — every route asks ``catalog.policy``: a view or API function that reads ``ArchivalUnit`` rows also
  calls the policy (or passes the rows through it).
- ``importorskip`` — tests import what is always installed; ``pytest.importorskip`` would turn breakage into a skip.

A justified exception carries its reason where it happens, on the flagged line or the line above::

    obj.save()  # conventions: allow state-change — the session's own row, not domain state

and ``# conventions: allow-file <rule> — reason`` (``{# … #}`` in templates) near the top of a file covers the whole
file. An allowance without a reason, or naming no known rule, is itself a problem. The rules and their allow-lists
are documented in docs/development.md ("Conventions checked by make lint").
"""

from .checker import RULES, Problem, check_paths, main

__all__ = ["RULES", "Problem", "check_paths", "main"]
