"""The access app's views, one module per part. Each module offers its routes as three lists — ``public_urls``
(the portal, under /), ``account_urls`` (readers, under /account/) and ``manage_urls`` (staff, under
/manage/access/) — which ``dangan.access.urls`` gathers into the ``portal``, ``account`` and ``access`` namespaces."""
