"""Sweep declarations of the IIIF Presentation and Content Search routes: a digitized unit that is visible and one
that is hidden, and the fonds' collection (every role gets one, listing the units whose files the policy lets them
see: none for the public and the security roles). See tests/sweep/__init__.py."""

from tests.sweep import Page, expect

# The visible unit: whoever catalog.policy.can_view_unit_files lets see its files (the public sees records, not files;
# the security roles read no catalog).
VISIBLE = expect(200, security=404, anonymous=404)
HIDDEN = expect(404, archivist_secret=200, archivist_top=200, anonymous=404)

PAGES = [
    Page("iiif_presentation:manifest", VISIBLE, uuid="@digitized.public"),
    Page("iiif_presentation:manifest", HIDDEN, uuid="@digitized.secret", note="of a 秘密 unit"),
    Page("iiif_presentation:search", VISIBLE, uuid="@digitized.public", query={"q": "巡检"}),
    Page("iiif_presentation:search", HIDDEN, uuid="@digitized.secret", query={"q": "巡检"}, note="of a 秘密 unit"),
    Page(
        "iiif_presentation:collection",
        expect(200, anonymous=200),
        code="@fonds",
        needs=("@digitized.public", "@digitized.secret"),
    ),
]
