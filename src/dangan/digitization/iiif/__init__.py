"""IIIF Presentation API 3.0 (a manifest per digitized unit, a collection per fonds) and Content Search API 2.0
(hits in a unit's OCR text as boxes on its pages), served under /iiif/3/ beside the Image API of
``dangan.preservation.iiif``. Every route asks ``catalog.policy``: a unit the person may not see is a 404."""
