"""PostgreSQL: the tsvector table is split by hash of the unit id into PARTITIONS partitions, each with its own GIN
index, so that a rebuild builds the indexes side by side, one per CPU (PostgreSQL 15 builds one GIN index in one
process: 58 s at 1,000,000 units, 28 s for two halves at once; bench/RESULTS.md, issue #3). The parent's GIN
index is the partitioned index the partitions' indexes are attached to. Rows are copied over."""

from django.db import migrations

PARTITIONS = 4
TABLE = "search_unit_tsv"


def _lz4(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cur.fetchone()
    return bool(row and "lz4" in (row[0] or []))


def _create(schema_editor, partitions: int) -> None:
    run = schema_editor.execute
    # The padding column makes every row pass the TOAST threshold (see 0004): the tsvector lives out of line.
    columns = (
        "(unit_id bigint PRIMARY KEY, document tsvector NOT NULL, out_of_line text NOT NULL DEFAULT repeat(' ', 2100))"
    )
    if partitions:
        run(f"CREATE TABLE {TABLE} {columns} PARTITION BY HASH (unit_id)")
        tables = [f"{TABLE}_p{n}" for n in range(partitions)]
        for n, name in enumerate(tables):
            run(
                f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES WITH (MODULUS {partitions}, REMAINDER {n}) "
                "WITH (toast_tuple_target = 128)"
            )
    else:
        run(f"CREATE TABLE {TABLE} {columns} WITH (toast_tuple_target = 128)")
        tables = [TABLE]
    lz4 = _lz4(schema_editor)
    for name in tables:
        run(f"ALTER TABLE {name} ALTER COLUMN out_of_line SET STORAGE MAIN")
        if lz4:
            run(f"ALTER TABLE {name} ALTER COLUMN document SET COMPRESSION lz4")


def _move(schema_editor, partitions: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_old")
    run(f"ALTER INDEX IF EXISTS {TABLE}_document RENAME TO {TABLE}_old_document")
    run(f"ALTER INDEX IF EXISTS {TABLE}_pkey RENAME TO {TABLE}_old_pkey")
    _create(schema_editor, partitions)
    run(f"INSERT INTO {TABLE} (unit_id, document) SELECT unit_id, document FROM {TABLE}_old")
    run(f"DROP TABLE {TABLE}_old")
    if partitions:
        run(f"CREATE INDEX {TABLE}_document ON ONLY {TABLE} USING gin (document)")
        for n in range(partitions):
            run(f"CREATE INDEX {TABLE}_p{n}_document ON {TABLE}_p{n} USING gin (document)")
            run(f"ALTER INDEX {TABLE}_document ATTACH PARTITION {TABLE}_p{n}_document")
    else:
        run(f"CREATE INDEX {TABLE}_document ON {TABLE} USING gin (document)")


def partition(apps, schema_editor):
    _move(schema_editor, PARTITIONS)


def unpartition(apps, schema_editor):
    _move(schema_editor, 0)


class Migration(migrations.Migration):
    dependencies = [("search", "0007_tsvector_lz4")]

    operations = [migrations.RunPython(partition, unpartition)]
