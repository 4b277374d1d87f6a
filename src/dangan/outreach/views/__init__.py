"""Pages of the outreach app: each part's in views/<part>.py, offering ``manage_urls`` (under /manage/outreach/,
namespace ``outreach``) and ``public_urls`` (the portal's pages of the part, namespace ``outreach_public``)."""
