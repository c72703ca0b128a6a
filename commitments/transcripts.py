"""Call transcripts pasted by a manager: WebVTT or plain text, matched
against a commitment's evidence keywords. Pure: no database, no Django."""

import dataclasses
import re

# ``00:01:02.500 --> 00:01:05.000`` (hours optional in WebVTT: ``01:02.500``).
_CUE_TIMING = re.compile(
    r"^\s*((?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3})\s*-->\s*((?:\d{1,2}:)?\d{2}:\d{2}[.,]\d{3})"
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*")
# Words too common to tell whether the behaviour happened on a call.
_STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "before", "by", "call", "calls", "day"),
        *("each", "every", "for", "from", "have", "in", "into", "is", "it", "its", "minutes"),
        *("of", "on", "one", "or", "per", "that", "the", "their", "them", "then", "this"),
        *("to", "up", "week", "with", "within"),
    }
)
MIN_KEYWORD_LENGTH = 4
MAX_TRANSCRIPT_CHARS = 200_000


@dataclasses.dataclass(frozen=True)
class Cue:
    """One line said on the call; ``start`` is ``HH:MM:SS`` or "" (plain text)."""

    start: str
    text: str


@dataclasses.dataclass(frozen=True)
class Match:
    start: str
    text: str
    keywords: tuple[str, ...]


def _timestamp(raw: str) -> str:
    """``01:02.500`` → ``00:01:02``: whole seconds, hours always shown."""
    clock = raw.replace(",", ".").split(".")[0]
    parts = clock.split(":")
    if len(parts) == 2:
        parts.insert(0, "0")
    return f"{int(parts[0]):02d}:{parts[1]}:{parts[2]}"


def cues_parse(text: str) -> list[Cue]:
    """WebVTT cues with their start times, or each non-empty line of plain
    text without a time. Cue identifiers, headers and NOTE blocks are
    dropped; a cue's lines are joined into one."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(_CUE_TIMING.match(line) for line in lines):
        return [Cue("", line.strip()) for line in lines if line.strip()]
    cues: list[Cue] = []
    start, said = None, []
    for line in [*lines, ""]:
        timing = _CUE_TIMING.match(line)
        if timing:
            start, said = _timestamp(timing.group(1)), []
        elif not line.strip():
            if start is not None and said:
                cues.append(Cue(start, " ".join(said)))
            start, said = None, []
        elif start is not None:
            said.append(line.strip())
    return cues


def keywords_from(*texts: str) -> tuple[str, ...]:
    """The telling words of a commitment's wording (behaviour, unit), in
    order, lower-cased, without duplicates or common words."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            word = word.strip("'’-")
            if len(word) >= MIN_KEYWORD_LENGTH and word not in _STOPWORDS:
                seen.setdefault(word, None)
    return tuple(seen)


def keywords_in(text: str, keywords: tuple[str, ...]) -> tuple[str, ...]:
    """The keywords said in ``text``: whole words, any case."""
    words = {w.strip("'’-") for w in _WORD.findall(text.lower())}
    return tuple(k for k in keywords if k in words)


def transcript_matches(text: str, keywords: tuple[str, ...]) -> list[Match]:
    """The cues of a transcript in which a keyword was said."""
    matches = []
    for cue in cues_parse(text[:MAX_TRANSCRIPT_CHARS]):
        if found := keywords_in(cue.text, keywords):
            matches.append(Match(cue.start, cue.text, found))
    return matches
