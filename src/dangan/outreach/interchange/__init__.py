"""Interchange of descriptions: OAI-PMH 2.0 (part oai), EAD3 and EAC-CPF (part ead). ``registry`` is shared: the
OAI-PMH provider lists the sets and metadata formats other parts register there. XML is written with lxml's
incremental writer (``lxml.etree.xmlfile``), so a document of any size is streamed in constant memory."""
