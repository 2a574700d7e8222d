"""A GBNF grammar of read-only SQL whose table and column names are only those of the
given tables, for servers that constrain decoding (llama.cpp `grammar`; vLLM structured
outputs take the same text). The model then cannot write an unknown identifier.

The grammar covers what analytical questions need: SELECT [DISTINCT] with expressions and
aggregates, joins with ON, WHERE/GROUP BY/HAVING/ORDER BY/LIMIT, IN/EXISTS subqueries,
LIKE, BETWEEN, IS NULL, CASE, set operations. Keywords are upper case; aliases are short.
"""

from __future__ import annotations

from collections.abc import Sequence

from nl2sql.catalog.model import Table

__all__ = ["GRAMMAR_FIELDS", "build_grammar", "grammar_request"]

# How each server kind takes a grammar in the request body.
GRAMMAR_FIELDS = {
    "llama.cpp": lambda g: {"grammar": g},
    "vllm": lambda g: {"structured_outputs": {"grammar": g}},
}

_FUNCTIONS = ("COUNT", "SUM", "AVG", "MIN", "MAX", "ABS", "ROUND", "LENGTH", "LOWER", "UPPER",
              "COALESCE", "SUBSTR")

_RULES = r"""
root ::= query ";"?
query ::= select (ws setop ws select)* (ws orderby)? (ws limit)?
setop ::= "UNION ALL" | "UNION" | "INTERSECT" | "EXCEPT"
select ::= "SELECT" ws ("DISTINCT" ws)? items ws "FROM" ws source (ws where)? (ws groupby)? (ws having)?
items ::= item (ows "," ows item)*
item ::= "*" | expr (ws "AS" ws alias)?
source ::= tableref (ws join)*
tableref ::= (table | "(" ows query ows ")") (ws ("AS" ws)? talias)?
join ::= ("JOIN" | "INNER JOIN" | "LEFT JOIN") ws tableref ws "ON" ws expr
where ::= "WHERE" ws expr
groupby ::= "GROUP BY" ws expr (ows "," ows expr)*
having ::= "HAVING" ws expr
orderby ::= "ORDER BY" ws orderitem (ows "," ows orderitem)*
orderitem ::= expr (ws ("ASC" | "DESC"))?
limit ::= "LIMIT" ws [0-9]{1,6}
expr ::= conj (ws "OR" ws conj)*
conj ::= pred (ws "AND" ws pred)*
pred ::= ("NOT" ws)? (sum (ows cmp ows sum | ws ("NOT" ws)? "BETWEEN" ws sum ws "AND" ws sum | ws ("NOT" ws)? "IN" ows "(" ows (query | list) ows ")" | ws ("NOT" ws)? "LIKE" ws string | ws "IS" ws ("NOT" ws)? "NULL")? | "EXISTS" ows "(" ows query ows ")")
cmp ::= "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
list ::= atom (ows "," ows atom)*
sum ::= term (ows ("+" | "-") ows term)*
term ::= atom (ows ("*" | "/") ows atom)*
atom ::= column | number | string | "NULL" | call | case | "(" ows (query | expr) ows ")"
call ::= "COUNT(*)" | func "(" ows ("DISTINCT" ws)? expr (ows "," ows expr)* ows ")" | "CAST(" ows expr ws "AS" ws ("INTEGER" | "REAL" | "TEXT") ows ")"
case ::= "CASE" (ws "WHEN" ws expr ws "THEN" ws expr)+ (ws "ELSE" ws expr)? ws "END"
column ::= ((table | talias) ".")? colname
number ::= "-"? [0-9]{1,12} ("." [0-9]{1,8})?
string ::= "'" ([^'\n] | "''"){0,60} "'"
alias ::= [a-z_] [a-z0-9_]{0,20}
talias ::= "T" [1-9]
ws ::= [ \n] [ ]{0,8}
ows ::= ws?
"""


def build_grammar(tables: Sequence[Table]) -> str:
    """GBNF over `tables`' names: table names for FROM/JOIN, the union of their columns.

    >>> from nl2sql.catalog.model import Column, Table
    >>> g = build_grammar([Table("singer", (Column("name", "text"), Column("Song Name", "text")))])
    >>> [line for line in g.splitlines() if line.startswith(("table ::=", "colname ::="))]
    ['table ::= "singer"', 'colname ::= "\\\\"Song Name\\\\"" | "name"']
    """
    names = sorted({t.name for t in tables})
    columns = sorted({c.name for t in tables for c in t.columns})
    funcs = " | ".join(_literal(f) for f in _FUNCTIONS)
    return "\n".join([
        _RULES.strip(),
        f"func ::= {funcs}",
        "table ::= " + " | ".join(_literal(_identifier(n)) for n in names),
        "colname ::= " + " | ".join(_literal(_identifier(n)) for n in columns),
    ])


def grammar_request(kind: str, grammar: str) -> dict[str, object]:
    """The request fields that carry `grammar` to a server of this kind ("off": none)."""
    field = GRAMMAR_FIELDS.get(kind)
    return field(grammar) if field else {}


def _identifier(name: str) -> str:
    """Names a bare word cannot spell are double-quoted, as sqlglot reads them."""
    plain = name.replace("_", "a").isalnum() and name.isascii() and not name[0].isdigit()
    return name if plain else '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
