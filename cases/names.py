"""Name normalisation and a phonetic key for forgiving search (Smyth finds Smith)."""

import unicodedata

_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def normalise(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in letters).split())


def phonetic(word: str) -> str:
    """American Soundex of one word (letter + three digits); '' for a word with no letters."""
    letters = [ch for ch in normalise(word) if "a" <= ch <= "z"]
    if not letters:
        return ""
    first, key, previous = letters[0], "", _CODES.get(letters[0], "")
    for ch in letters[1:]:
        code = _CODES.get(ch, "")
        if code and code != previous:
            key += code
        if ch not in "hw":
            previous = code
    return (first + key + "000")[:4]
