"""[ui.keymap]: the binding ids the UI has and the key names Textual delivers.

Why in config and not in arbot.tui: a keymap naming no binding, or a key no terminal
sends, is silently ignored by Textual, so a trader who moved the kill switch would find
out when pressing it. It is refused at load time instead, like any unknown key, and config
must load without Textual (only arbot.tui imports it: the core runs headless, in the
backtester and in tests; pyproject.toml's import contracts check it).
tests/tui/test_keymap.py keeps these lists equal to the app's bindings and to Textual's
key names.
"""

from __future__ import annotations

import difflib
import string
import unicodedata

# Every `Binding(..., id=...)` in arbot.tui, in the order of the keys table.
BINDING_IDS = (
    "prices", "opportunities", "trades", "settings", "inventory", "history", "history-group",
    "export", "pause-trading", "kill-switch", "arm-live", "disarm-live", "acknowledge-drift",
    "sizes", "log", "help",
    "back", "quit",
    "settings-save", "settings-close", "export-run", "export-cancel", "confirm-yes", "confirm-no",
)
# Textual writes a key's modifiers sorted, before the key: "ctrl+shift+up".
MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
NAMED_KEYS = (
    "escape", "enter", "tab", "space", "backspace", "insert", "delete", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right", *(f"f{n}" for n in range(1, 25)),
)
# Textual's short names for characters whose Unicode names are long or odd.
_SHORTER = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
            "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}


def character_key(char: str) -> str:
    """Textual's name for the key that types `char` (as its `_character_to_key`):
    letters and digits are themselves, "?" is question_mark."""
    if char.isalnum():
        return char
    name = unicodedata.name(char, char).lower().replace("-", "_").replace(" ", "_")
    return _SHORTER.get(name, name)


PUNCTUATION_KEYS = tuple(character_key(c) for c in string.punctuation)
_HELP = ("write a character (q, Q, 1, ?), a named key (escape, enter, tab, space, backspace, "
         "insert, delete, home, end, pageup, pagedown, up, down, left, right, f1..f24, or a "
         "punctuation name such as question_mark), optionally after ctrl+, alt+, shift+, meta+, "
         "super+ or hyper+; several keys separated by commas")


def check_keymap(keymap: dict[str, str]) -> dict[str, str]:
    """The keymap with each key written as Textual matches it (modifiers sorted).

    Raises ValueError naming every unknown binding id and every impossible key.
    """
    problems = []
    out = {}
    for binding_id, keys in keymap.items():
        if binding_id not in BINDING_IDS:
            near = difflib.get_close_matches(binding_id, BINDING_IDS, n=1)
            hint = f" (did you mean {near[0]}?)" if near else ""
            problems.append(f'"{binding_id}" is not a binding id{hint}; ids: '
                            + ", ".join(BINDING_IDS))
            continue
        alternatives = [k.strip() for k in keys.split(",")]
        try:
            out[binding_id] = ",".join(_key(k) for k in alternatives)
        except _BadKey as exc:
            which = f': "{exc.key}"' if len(alternatives) > 1 else ""
            problems.append(f'{binding_id} = "{keys}"{which}: {exc.reason}')
    if problems:
        raise ValueError("; ".join(problems))
    return out


class _BadKey(ValueError):
    def __init__(self, key: str, reason: str):
        super().__init__(reason)
        self.key, self.reason = key, reason


def _key(key: str) -> str:
    """One key as Textual names it, or _BadKey saying why no terminal sends it."""
    if not key:
        raise _BadKey(key, "an empty key; write comma for the , key and space for the space "
                      f"bar; {_HELP}")
    if len(key) == 1:  # Textual turns a lone character into its key name itself
        if key.isprintable() and not key.isspace():
            return key
        raise _BadKey(key, f"not a key; {_HELP}")
    *modifiers, base = key.split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        raise _BadKey(key, f'"{unknown[0]}" is not a modifier ({", ".join(MODIFIERS)})')
    if len(set(modifiers)) < len(modifiers):
        raise _BadKey(key, "a modifier given twice")
    if not base:
        raise _BadKey(key, f"an empty key after the modifiers; {_HELP}")
    if len(base) == 1 and (base.isspace() or not base.isprintable()):
        raise _BadKey(key, f"not a key; {_HELP}")
    if len(base) == 1 and not base.isalnum():
        named = "+".join([*modifiers, character_key(base)])
        raise _BadKey(key, f'with a modifier, name the key: "{named}"')
    if len(base) == 1 and base.isupper():
        lower = "+".join([*sorted({*modifiers, "shift"}), base.lower()])
        raise _BadKey(key, f'with a modifier, write shift and the lower-case letter: "{lower}"')
    if len(base) > 1 and base not in NAMED_KEYS and base not in PUNCTUATION_KEYS:
        raise _BadKey(key, f"not a key; {_HELP}")
    if modifiers == ["shift"] and base not in NAMED_KEYS:
        shifted = base.upper() if len(base) == 1 else "the character"
        raise _BadKey(key, "shift with a character key arrives as the shifted character "
                      f"itself: write {shifted}")
    return "+".join([*sorted(modifiers), base])
