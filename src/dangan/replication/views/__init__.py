"""The replication app's pages, one module per part; each offers ``manage_urls`` (the workspace, namespace
``replication``, under /manage/replication/) and, for the node-to-node protocol, ``node_urls`` (namespace
``replication_node``, under /replication/)."""
