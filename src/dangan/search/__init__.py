"""Chinese search: one analyzer (jieba + archival dictionary, folding), a query language, SQLite FTS5 and
PostgreSQL full-text backends over the same tokens, facets and highlights — always through catalog.policy."""
