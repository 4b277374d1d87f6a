"""Sweep declarations of the replication app's partners part (gathered by tests/replication/sweep.py): the start
page of 异地备份 and the partners' pages are read with REPLICATION_VIEW (archivists, the system administrator) and
changed with REPLICATION_MANAGE (the system administrator only)."""

from tests.sweep import Page, expect
from tests.sweep.world import World, register_builder

READ = expect(403, archivists=200, system_admin=200)
MANAGE = expect(403, system_admin=200)
CHANGED = expect(403, system_admin=302)


def _build(world: World) -> None:
    from dangan.replication.choices import TargetKind
    from dangan.replication.models import Partner, Target

    partner = Partner.objects.create(
        name="sweep-yn",
        title="云南省档案馆",
        url="http://127.0.0.1:9",
        node_id="6f1c1f4e-2b1a-4f55-9a51-3d1c5f0e2a77",
        public_key="ed25519:" + "00" * 32,
        fingerprint="0000 " * 16,
    )
    Target.objects.create(name=partner.name, kind=TargetKind.PARTNER, medium="disk", partner=partner)
    world.objects["partners.yunnan"] = partner.name


register_builder("partners", _build)

PARTNER = "@partners.yunnan"
PAGES = [
    Page("replication:home", READ),
    Page("replication:partners", READ, needs=(PARTNER,)),
    Page("replication:partner", READ, partner_name=PARTNER),
    Page("replication:partner", CHANGED, partner_name=PARTNER, method="POST", data={"version": "1", "scope": "巡检"}),
    Page("replication:partner_add", MANAGE),
    Page("replication:partner_suspend", MANAGE, partner_name=PARTNER),
    Page("replication:partner_suspend", CHANGED, partner_name=PARTNER, method="POST", data={"reason": "巡检"}),
    Page("replication:partner_resume", MANAGE, partner_name=PARTNER),
    Page("replication:partner_remove", MANAGE, partner_name=PARTNER),
    Page("replication:partner_remove", CHANGED, partner_name=PARTNER, method="POST", data={"confirm": "on"}),
]
ENDPOINTS: list = []
EXCLUDED: dict[str, str] = {}
