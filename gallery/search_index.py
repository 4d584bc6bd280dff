"""The database's index over `GalleryPrompt.search_text`, one per database engine (and
one sort index only PostgreSQL needs).

- PostgreSQL: a stored generated column `search_vector`, the tsvector whose lexemes are
  exactly the space-separated terms of `search_text` (`array_to_tsvector`: no parser, no
  stemming, no stop words — what the `simple` configuration would give, without the
  parser's opinions about what a word is), with a GIN index. Generated, so every write
  (a service, `bulk_create`, an `update()`) keeps it current.
- SQLite: an FTS5 table over the same column (external content, rowid = the prompt's id)
  kept current by triggers, for the same reason.

`search_index_ensure` is idempotent. The migration calls it, and so does `post_migrate`:
SQLite rebuilds a table for some later schema changes and drops its triggers on the way;
the next `migrate` puts them back (the index itself survives, ids are kept).
"""

from django.db.backends.base.base import BaseDatabaseWrapper

POSTGRESQL = (
    "ALTER TABLE gallery_galleryprompt ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_text, ' '))) STORED",
    "CREATE INDEX IF NOT EXISTS gallery_search_gin ON gallery_galleryprompt "
    "USING gin (search_vector)",
    # Keep the vector in the row. With the default (EXTENDED) storage PostgreSQL moved it,
    # the row's largest value, out to the TOAST table, so every match the GIN index could
    # not settle alone (a count's recheck, a filtered listing) read two more pages per
    # prompt: "?q=要約" at 100,000 prompts read 17,400 pages for 5,400 rows. MAIN moves
    # the long snapshot texts out first; the vector stays beside the columns it is
    # filtered with. It applies to rows written after it (the migration rewrites the rest).
    "ALTER TABLE gallery_galleryprompt ALTER COLUMN search_vector SET STORAGE MAIN",
    # "Most time saved" puts unknown minutes last; PostgreSQL's DESC puts NULLs first, so
    # its index says NULLS LAST (SQLite's DESC already does, and its model index serves).
    "CREATE INDEX IF NOT EXISTS gallery_saved_nulls_last ON gallery_galleryprompt "
    "(status, minutes_saved DESC NULLS LAST, published_at DESC, id DESC)",
)

SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS gallery_search USING fts5(search_text, "
    "content='gallery_galleryprompt', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS gallery_search_insert "
    "AFTER INSERT ON gallery_galleryprompt BEGIN "
    "INSERT INTO gallery_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS gallery_search_delete "
    "AFTER DELETE ON gallery_galleryprompt BEGIN "
    "INSERT INTO gallery_search(gallery_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS gallery_search_update "
    "AFTER UPDATE OF search_text ON gallery_galleryprompt "
    "BEGIN INSERT INTO gallery_search(gallery_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO gallery_search(rowid, search_text) VALUES (new.id, new.search_text); END",
)

SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS gallery_search_insert",
    "DROP TRIGGER IF EXISTS gallery_search_delete",
    "DROP TRIGGER IF EXISTS gallery_search_update",
    "DROP TABLE IF EXISTS gallery_search",
)
POSTGRESQL_DROP = (
    "DROP INDEX IF EXISTS gallery_saved_nulls_last",
    "DROP INDEX IF EXISTS gallery_search_gin",
    "ALTER TABLE gallery_galleryprompt DROP COLUMN IF EXISTS search_vector",
)


def _run(connection: BaseDatabaseWrapper, statements: tuple[str, ...]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def search_index_ensure(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRESQL)
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE)
        if _fts_empty_but_rows(connection):
            # The table was made after prompts existed (or lost its content): fill it.
            _run(connection, ("INSERT INTO gallery_search(gallery_search) VALUES ('rebuild')",))


def _fts_empty_but_rows(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM gallery_search_docsize")
        indexed = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM gallery_galleryprompt")
        return bool(cursor.fetchone()[0] and not indexed)


def search_vectors_rewrite(connection: BaseDatabaseWrapper) -> None:
    """Store every existing vector again, under the storage `search_index_ensure` sets."""
    if connection.vendor == "postgresql":
        # Writing search_text recomputes the generated column.
        _run(connection, ("UPDATE gallery_galleryprompt SET search_text = search_text",))


def search_index_drop(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRESQL_DROP)
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_DROP)
