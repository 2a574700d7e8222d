"""What the guard allows and denies, kept as data so a policy change is a one-line diff."""

from __future__ import annotations

import fnmatch
import re
from functools import cache

from sqlglot import exp

__all__ = [
    "ALLOWED_TABLE_FUNCTIONS",
    "CASE_SENSITIVE_NAMES",
    "DENIED_FUNCTIONS",
    "DQ_STRING_FALLBACK",
    "KEYWORD_VALUES",
    "MAX_CROSS_JOIN_TABLES",
    "MAX_OUTPUT_COLUMNS",
    "MAX_QUERY_NODES",
    "MAX_SET_OPERATIONS",
    "MAX_SIZE_ARGUMENT",
    "PLANNER_FENCE_DIALECTS",
    "SIZE_FUNCTIONS",
    "PSEUDO_COLUMNS",
    "QUERY_ROOTS",
    "RESERVED_WORDS",
    "WRITE_NODES",
    "is_denied_function",
]

# A FROM with more independent (unjoined) pieces than this is a runaway cartesian product.
MAX_CROSS_JOIN_TABLES = 4
MAX_OUTPUT_COLUMNS = 200
# Bounds on the work a query may ask of the guard itself and of the database.
MAX_QUERY_NODES = 5000
MAX_SET_OPERATIONS = 64
MAX_SIZE_ARGUMENT = 1_000_000
# Functions whose numeric arguments size a value or a row series.
SIZE_FUNCTIONS: frozenset[str] = frozenset({
    "repeat", "replicate", "space", "lpad", "rpad", "randomblob", "zeroblob", "printf",
    "format", "generate_series", "range", "exploding_generate_series", "array_fill",
})

# Roots a statement may have; WITH hangs off these in sqlglot's tree.
QUERY_ROOTS: tuple[type[exp.Expr], ...] = (exp.Select, exp.SetOperation)

# Nodes that write, change session state or touch the file system, wherever they appear.
WRITE_NODES: tuple[type[exp.Expr], ...] = (
    exp.DML, exp.DDL, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Copy, exp.Export,
    exp.LoadData, exp.Returning, exp.OnConflict, exp.Into, exp.Lock, exp.Create, exp.Drop,
    exp.Alter, exp.AlterColumn, exp.AlterRename, exp.AlterSession, exp.RenameColumn,
    exp.TruncateTable, exp.Undrop, exp.SwapTable, exp.Comment, exp.Set, exp.SetItem,
    exp.Pragma, exp.Attach, exp.Detach, exp.Install, exp.Transaction, exp.Commit,
    exp.Rollback, exp.Use, exp.Grant, exp.Revoke, exp.Analyze, exp.Command, exp.Kill,
    exp.Declare, exp.Execute, exp.ExecuteSql, exp.NextValueFor, exp.Put, exp.Get, exp.Cache,
    exp.Uncache, exp.Refresh, exp.ConnectTo, exp.Disconnect,
)

# Scalar or table functions that sleep, read/write files, reach the network, leak secrets,
# run SQL given as a string, or change server state. fnmatch patterns, lower case.
DENIED_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "postgres": (
        "pg_sleep*", "pg_read_file", "pg_read_binary_file", "pg_ls_*", "pg_stat_file",
        "pg_file_*", "lo_*", "dblink*", "pg_terminate_backend", "pg_cancel_backend",
        "pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_switch_wal",
        "pg_create_restore_point", "pg_*advisory*", "pg_logical_*", "pg_replication_*",
        "pg_create_*_slot", "pg_drop_replication_slot", "pg_notify", "pg_import_system_collations",
        "set_config", "nextval", "setval", "query_to_xml*", "cursor_to_xml*", "table_to_xml*",
        "schema_to_xml*", "database_to_xml*", "txid_current", "pg_current_xact_id",
        # server facts that help an attacker, not an analyst
        "current_setting", "inet_server_*", "inet_client_*", "pg_backend_pid",
        "pg_postmaster_start_time", "pg_conf_load_time",
    ),
    "duckdb": (
        "read_csv*", "read_parquet", "parquet_*", "read_json*", "read_ndjson*", "read_text",
        "read_blob", "read_xlsx", "sniff_csv", "glob", "delta_scan", "iceberg_*", "sqlite_scan",
        "sqlite_attach", "postgres_*", "mysql_*", "query", "query_table", "getenv",
        "duckdb_secrets", "which_secret", "install", "load", "attach", "detach", "httpfs*",
        "st_read*", "write_*", "checkpoint", "force_checkpoint", "nextval", "setval",
        "sleep*", "pg_sleep*", "current_setting", "duckdb_settings", "duckdb_extensions",
    ),
    "sqlite": (
        "load_extension", "readfile", "writefile", "fts3_tokenizer", "edit", "fsdir",
        "zipfile*", "sqlar_*",
    ),
    "mysql": (
        "load_file", "sleep", "benchmark", "sys_exec", "sys_eval", "get_lock", "release_lock",
        "release_all_locks", "master_pos_wait", "source_pos_wait", "wait_for_executed_gtid_set",
    ),
}

# Table functions allowed in FROM: they generate rows and read nothing outside the query.
ALLOWED_TABLE_FUNCTIONS: frozenset[str] = frozenset({
    "unnest", "generate_series", "exploding_generate_series", "range", "generate_subscripts",
    "json_each", "json_tree", "jsonb_each", "jsonb_each_text", "json_each_text",
    "json_array_elements", "json_array_elements_text", "jsonb_array_elements",
    "jsonb_array_elements_text", "json_to_recordset", "jsonb_to_recordset",
    "regexp_split_to_table",
})

# Dialects whose planners keep a subquery with OFFSET 0 whole: the caller's predicates stay
# above a tenant filter instead of being evaluated (and erroring) on other tenants' rows.
PLANNER_FENCE_DIALECTS = frozenset({"postgres", "duckdb"})

# Columns every table has without declaring them.
PSEUDO_COLUMNS: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"rowid", "oid", "_rowid_"}),
    "duckdb": frozenset({"rowid"}),
    "postgres": frozenset({"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"}),
    "mysql": frozenset(),
}

# SQL keywords that read as bare names but are values (sqlglot parses some as columns).
KEYWORD_VALUES: dict[str, frozenset[str]] = {
    "postgres": frozenset({
        "current_role", "current_user", "session_user", "user", "current_catalog",
        "current_schema", "localtime", "localtimestamp",
    }),
    "duckdb": frozenset({
        "current_role", "current_user", "session_user", "user", "current_catalog",
        "current_schema", "localtime", "localtimestamp",
    }),
    "mysql": frozenset({
        "current_user", "localtime", "localtimestamp", "utc_date", "utc_time", "utc_timestamp",
    }),
    "sqlite": frozenset(),
}

# Dialects where an unresolvable "double-quoted" name is a string literal (SQLite's legacy rule).
DQ_STRING_FALLBACK = frozenset({"sqlite"})

# Which names the target compares case-sensitively, so they must be spelled as in the catalog.
CASE_SENSITIVE_NAMES: dict[str, frozenset[str]] = {
    "postgres": frozenset({"table", "column"}),
    "mysql": frozenset({"table"}),
}

# Words that must be quoted as identifiers, beyond what sqlglot's generators already quote.
_SQL_RESERVED = (
    "all analyse analyze and any array as asc asymmetric authorization between binary both case "
    "cast check collate collation column concurrently constraint create cross current_catalog "
    "current_date current_role current_schema current_time current_timestamp current_user "
    "default deferrable delete desc distinct do drop else end escape except exists false fetch "
    "for foreign freeze from full glob grant group having ilike in index initially inner insert "
    "intersect into is isnull join lateral leading left like limit localtime localtimestamp "
    "natural not notnull null offset on only or order outer overlaps placing primary "
    "references regexp returning right select session_user similar some symmetric system_user "
    "table tablesample then to trailing true union unique update user using values variadic "
    "verbose when where window with"
)
RESERVED_WORDS: frozenset[str] = frozenset(_SQL_RESERVED.split())


@cache
def _denied_pattern(dialects: tuple[str, ...]) -> re.Pattern[str]:
    pats = [p for d in dialects for p in DENIED_FUNCTIONS.get(d, ())]
    return re.compile("|".join(fnmatch.translate(p) for p in pats) or r"(?!)")


def is_denied_function(name: str, dialects: tuple[str, ...]) -> bool:
    """True if `name` matches the denylist of any of `dialects`.

    >>> is_denied_function("PG_SLEEP", ("postgres",)), is_denied_function("glob", ("sqlite",))
    (True, False)
    """
    return bool(_denied_pattern(tuple(sorted(set(dialects)))).match(name.lower()))
