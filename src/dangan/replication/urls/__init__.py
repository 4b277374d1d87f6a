"""The replication app's two URL namespaces, gathered from each part's views module: ``replication`` (the
workspace, /manage/replication/) and ``replication_node`` (the signed node-to-node protocol, /replication/)."""
