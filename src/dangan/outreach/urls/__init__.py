"""Routes of the outreach app: urls/manage.py (staff, /manage/outreach/), urls/public.py (the portal's pages),
urls/oai.py (/oai)."""
