"""The zh/en cue lexicon (synth_queries/lexicon.toml), matched against question tokens."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property

from nl2sql.assets import asset_path
from nl2sql.text import Token, has_cjk, normalize, tokenize

__all__ = ["Cue", "Lexicon", "find_cues", "load_lexicon"]


@dataclass(frozen=True)
class Cue:
    intent: str   # e.g. "count", "avg", "gt", "superlative"
    start: int    # token index, inclusive
    end: int      # token index, exclusive
    extra: tuple[str, ...] = ()  # for superlatives: (column word, direction)


@dataclass(frozen=True)
class Lexicon:
    # intent -> phrases as token-key tuples, per language
    phrases: dict[str, dict[str, tuple[tuple[str, ...], ...]]]
    superlatives: dict[str, dict[tuple[str, ...], tuple[str, str]]]
    comparatives: dict[str, dict[tuple[str, ...], tuple[str, str]]]
    synonyms: tuple[tuple[str, ...], ...] = ()

    @cached_property
    def starts(self) -> dict[str, list[tuple[tuple[str, ...], int, str, tuple[str, ...]]]]:
        """Every phrase as (phrase, rank in the lexicon's order, intent, extra), by its first
        key: a question then compares only the phrases starting with one of its tokens."""
        entries: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = []
        for lang, intents in self.phrases.items():
            entries += [(p, intent, ()) for intent, plist in intents.items() for p in plist]
            entries += [(p, "superlative", (col, d))
                        for p, (col, d) in self.superlatives.get(lang, {}).items()]
            entries += [(p, op, (col,))
                        for p, (col, op) in self.comparatives.get(lang, {}).items()]
        starts: dict[str, list[tuple[tuple[str, ...], int, str, tuple[str, ...]]]] = {}
        for rank, (phrase, intent, extra) in enumerate(entries):
            if phrase:
                starts.setdefault(phrase[0], []).append((phrase, rank, intent, extra))
        return starts

    def variants(self, text: str) -> list[str]:
        """The text again with each synonym in place of a word it contains.

        >>> load_lexicon().variants("股票简称")[:2]
        ['证券简称', '个股简称']
        """
        low = text.lower()
        out = []
        for group in self.synonyms:
            for word in group:
                if _contains(low, word):
                    out += [_replace(low, word, other) for other in group if other != word]
        return out


def _keys(phrase: str) -> tuple[str, ...]:
    return tuple(t.key for t in tokenize(normalize(phrase)))


@cache
def load_lexicon() -> Lexicon:
    """Parse the lexicon file once per process."""
    with open(asset_path("synth_queries", "lexicon.toml"), "rb") as f:
        raw = tomllib.load(f)
    phrases: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}
    supers: dict[str, dict[tuple[str, ...], tuple[str, str]]] = {}
    comps: dict[str, dict[tuple[str, ...], tuple[str, str]]] = {}
    groups = tuple(tuple(g) for g in raw.pop("synonyms", {}).get("groups", ()))
    for lang, section in raw.items():
        sup = section.pop("superlatives", {})
        supers[lang] = {_keys(w): (col, d) for w, (col, d) in sup.items()}
        comp = section.pop("comparatives", {})
        comps[lang] = {_keys(w): (col, op) for w, (col, op) in comp.items()}
        phrases[lang] = {
            intent: tuple(sorted({_keys(p) for p in words}, key=len, reverse=True))
            for intent, words in section.items()
        }
    return Lexicon(phrases, supers, comps, groups)


def _contains(text: str, word: str) -> bool:
    if has_cjk(word):
        return word in text
    return re.search(rf"\b{re.escape(word)}", text) is not None


def _replace(text: str, word: str, other: str) -> str:
    if has_cjk(word):
        return text.replace(word, other)
    return re.sub(rf"\b{re.escape(word)}", other, text)


def find_cues(tokens: list[Token], lexicon: Lexicon | None = None) -> list[Cue]:
    """Every lexicon phrase (of any language: questions mix them) occurring in the tokens;
    longer phrases hide shorter ones of the same intent inside them."""
    starts = (lexicon or load_lexicon()).starts
    keys = tuple(t.key for t in tokens)
    hits: list[tuple[int, int, int, Cue]] = []
    for i, key in enumerate(keys):
        for phrase, rank, intent, extra in starts.get(key, ()):
            n = len(phrase)
            if keys[i:i + n] == phrase:
                hits.append((i, -n, rank, Cue(intent, i, i + n, extra)))
    # Position, longest first, then the lexicon's own order of phrases.
    hits.sort(key=lambda h: h[:3])
    found = [h[3] for h in hits]
    # A cue inside a longer cue of the same intent family is the same mention.
    return [c for c in found if not any(
        o is not c and o.intent == c.intent and o.start <= c.start and c.end <= o.end
        and (o.end - o.start) > (c.end - c.start) for o in found)]
