"""What an app declares for the sweep: its routes (pages by URL name, API operations by method and path), the
outcome each role gets, and the roles themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dangan.core.choices import Role, SecurityClassification

ANONYMOUS = "anonymous"
ARCHIVIST_PUBLIC = "archivist_public"
ARCHIVIST_SECRET = "archivist_secret"
ARCHIVIST_TOP = "archivist_top"
SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
SECURITY_AUDITOR = "security_auditor"
READER = "reader"  # a reader's account (查档人) with no grant: the public with an account
ACCESS_STAFF = "access_staff"  # the reading room desk (利用服务人员): reads the catalog at 公开, any openness
# 保管保护 (issue #17): no catalog workspace; the conservation pages show units up to their clearance.
CONSERVATOR = "conservator"  # 保管保护人员, cleared 秘密
CONSERVATION_HEAD = "conservation_head"  # 保管保护负责人, cleared 内部: also configures and approves
ROLES = (
    ANONYMOUS,
    ARCHIVIST_PUBLIC,
    ARCHIVIST_SECRET,
    ARCHIVIST_TOP,
    SYSTEM_ADMIN,
    SECURITY_ADMIN,
    SECURITY_AUDITOR,
    READER,
    ACCESS_STAFF,
    CONSERVATOR,
    CONSERVATION_HEAD,
)
# (role, clearance) of each signed-in sweep role. The system administrator is cleared 绝密 on purpose: the policy
# must still show it nothing above 公开 (三员分立).
ACCOUNTS = {
    ARCHIVIST_PUBLIC: (Role.ARCHIVIST, SecurityClassification.PUBLIC),
    ARCHIVIST_SECRET: (Role.ARCHIVIST, SecurityClassification.SECRET),
    ARCHIVIST_TOP: (Role.ARCHIVIST, SecurityClassification.TOP_SECRET),
    SYSTEM_ADMIN: (Role.SYSTEM_ADMIN, SecurityClassification.TOP_SECRET),
    SECURITY_ADMIN: (Role.SECURITY_ADMIN, SecurityClassification.PUBLIC),
    SECURITY_AUDITOR: (Role.SECURITY_AUDITOR, SecurityClassification.PUBLIC),
    READER: (Role.READER, SecurityClassification.PUBLIC),
    ACCESS_STAFF: (Role.ACCESS_STAFF, SecurityClassification.PUBLIC),
    CONSERVATOR: (Role.CONSERVATOR, SecurityClassification.SECRET),
    CONSERVATION_HEAD: (Role.CONSERVATION_HEAD, SecurityClassification.INTERNAL),
}
# Roles whose outcome is not filled from ``default``/``staff``: a reader gets what the public gets, but 403
# where the public is sent to sign in (LOGIN, 401) — see ``_reader_default``.
NOT_STAFF = {READER}

# An outcome is a status code, or LOGIN: a redirect (302) to the sign-in page.
LOGIN = "login"
Outcome = int | str


def expect(
    default: Outcome | None = None,
    *,
    anonymous: Outcome | None = None,
    staff: Outcome | None = None,
    archivists: Outcome | None = None,
    archivist_public: Outcome | None = None,
    archivist_secret: Outcome | None = None,
    archivist_top: Outcome | None = None,
    system_admin: Outcome | None = None,
    security: Outcome | None = None,
    security_admin: Outcome | None = None,
    security_auditor: Outcome | None = None,
    reader: Outcome | None = None,
    access_staff: Outcome | None = None,
    conservators: Outcome | None = None,
    conservator: Outcome | None = None,
    conservation_head: Outcome | None = None,
) -> dict[str, Outcome]:
    """The outcome per role, from the broad (``default``: everyone signed in; ``staff`` likewise; ``archivists``:
    the three clearances; ``security``: both security roles; ``conservators``: the conservator and the head of
    conservation) to the particular. ``anonymous`` left out means a redirect to the sign-in page for a page and 401
    for the API. Every signed-in role must get an outcome: the
    reading room desk (``access_staff``) gets ``staff``/``default`` unless declared; a reader, the public's (see
    ``_reader_default``)."""
    outcome: dict[str, Outcome | None] = dict.fromkeys(ROLES)
    outcome[ANONYMOUS] = anonymous
    for role in ROLES[1:]:
        if role not in NOT_STAFF:
            outcome[role] = staff if staff is not None else default
    for role, group in (
        (ARCHIVIST_PUBLIC, archivists),
        (ARCHIVIST_SECRET, archivists),
        (ARCHIVIST_TOP, archivists),
        (SECURITY_ADMIN, security),
        (SECURITY_AUDITOR, security),
        (CONSERVATOR, conservators),
        (CONSERVATION_HEAD, conservators),
    ):
        if group is not None:
            outcome[role] = group
    for role, particular in (
        (ARCHIVIST_PUBLIC, archivist_public),
        (ARCHIVIST_SECRET, archivist_secret),
        (ARCHIVIST_TOP, archivist_top),
        (SYSTEM_ADMIN, system_admin),
        (SECURITY_ADMIN, security_admin),
        (SECURITY_AUDITOR, security_auditor),
        (READER, reader),
        (ACCESS_STAFF, access_staff),
        (CONSERVATOR, conservator),
        (CONSERVATION_HEAD, conservation_head),
    ):
        if particular is not None:
            outcome[role] = particular
    # The conservation roles are staff without the catalog workspace, like the security auditor (who holds only the
    # audit log's capability): undeclared, they get the auditor's outcome. Declare ``conservators`` where the
    # conservation pages (or the audit log) make them differ.
    for role, declared in ((CONSERVATOR, conservator), (CONSERVATION_HEAD, conservation_head)):
        if declared is None and conservators is None:
            outcome[role] = outcome[SECURITY_AUDITOR]
    missing = [role for role in ROLES[1:] if outcome[role] is None and role not in NOT_STAFF]
    if missing:
        raise ValueError(f"no outcome declared for {missing}")
    return {role: value for role, value in outcome.items() if value is not None}


def _reader_default(outcome: dict[str, Outcome]) -> None:
    """A reader not declared gets the public's outcome, but 403 where the public is sent to sign in."""
    if READER not in outcome:
        public = outcome[ANONYMOUS]
        outcome[READER] = 403 if public in (LOGIN, 401) else public


@dataclass(frozen=True)
class Route:
    """One request to sweep: ``key`` names the route (a URL name, or "METHOD /api/path" as in the OpenAPI
    description); ``params`` fill its URL (a value "@name" is looked up in the sweep's world of sample data)."""

    key: str
    expected: dict[str, Outcome]
    params: dict[str, Any] = field(default_factory=dict)
    method: str = "GET"
    data: Any = None  # a form, JSON, bytes, or a function making one (a file is read once)
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)  # the query string ("?q=…")
    note: str = ""  # tells two requests of one route apart in reports ("a hidden unit")
    known_leak: str = ""  # a leak found and being fixed elsewhere: the sweep fails once it no longer happens
    # World objects ("@name") built before the route is requested, for a route whose URL names none (a list).
    needs: tuple[str, ...] = ()
    # The route shows the register of disposals (or a disposed-of unit's package): a disposed-of unit's record may
    # appear to those catalog.policy shows it there (can_view_unit_record), though it is out of the holdings.
    shows_register: bool = False
    # Why the route names objects by their id as its duty (the audit log): a hidden unit's UUID may appear, never
    # its title.
    names_by_id: str = ""

    @property
    def is_api(self) -> bool:
        return " " in self.key

    def label(self) -> str:
        return f"{self.key} [{self.note}]" if self.note else self.key


def Page(
    name: str,
    expected: dict[str, Outcome],
    *,
    method: str = "GET",
    data: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    note: str = "",
    known_leak: str = "",
    needs: tuple[str, ...] = (),
    shows_register: bool = False,
    names_by_id: str = "",
    **params: Any,
) -> Route:
    """A page by its URL name ("catalog:unit_detail"), with its URL's keyword arguments; ``data`` is posted as a
    form."""
    outcome = {**expected}
    outcome.setdefault(ANONYMOUS, LOGIN)
    _reader_default(outcome)
    return Route(
        name,
        outcome,
        params,
        method=method.upper(),
        data=data,
        headers=headers or {},
        query=query or {},
        note=note,
        known_leak=known_leak,
        needs=needs,
        shows_register=shows_register,
        names_by_id=names_by_id,
    )


def Api(
    operation: str,
    expected: dict[str, Outcome],
    *,
    data: Any = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    note: str = "",
    known_leak: str = "",
    needs: tuple[str, ...] = (),
    shows_register: bool = False,
    names_by_id: str = "",
    **params: Any,
) -> Route:
    """An API operation as the OpenAPI description names it ("GET /api/units/{unit_id}"), with its path
    parameters; ``data`` is sent as JSON unless ``content_type`` says otherwise ("multipart/form-data": a form)."""
    method, _, path = operation.partition(" ")
    outcome = {**expected}
    outcome.setdefault(ANONYMOUS, 401)
    _reader_default(outcome)
    return Route(
        f"{method.upper()} {path}",
        outcome,
        params,
        method=method.upper(),
        data=data,
        content_type=content_type,
        headers=headers or {},
        query=query or {},
        note=note,
        known_leak=known_leak,
        needs=needs,
        shows_register=shows_register,
        names_by_id=names_by_id,
    )
