"""English and Chinese: every text a user reads is declared once, with its translation beside it.

Two forms, both plain data next to the English:

- ``tr("expected shape {want}", "形状应为 {want}", want=s)``: a message built where it is said.
- ``T("every dim a distinct size", zh="每个维度大小都不同")``: text declared ahead of time (a
  drill's title, hints, case names; a category's name). ``T`` is a ``str`` holding the English,
  so code that doesn't care about language reads it as before; ``say(t)`` gives it in the
  language in use.

A missing translation falls back to English; ``missing()`` and tests/test_i18n.py list every
one. Why not gettext/Babel: their catalogs live in .po files far from the text, need a compile
step and a tool chain, and buy plural rules and dozens of languages that two languages without
plural inflection (Chinese has none) don't need. A table beside the English is easier to keep
right, and its gaps are found by a test, not at run time.

The language: ``set_language`` (the CLI's ``--lang``), else ``HANDWRITE_LANG``, else the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh_CN.UTF-8`` -> zh), else English.
"""

from __future__ import annotations

import os

LANGUAGES = ("en", "zh")
_chosen: str | None = None


class T(str):
    """English text that carries its Chinese translation (``zh``; None: not translated yet)."""

    zh: str | None

    def __new__(cls, en: str, zh: str | None = None) -> "T":
        text = super().__new__(cls, en)
        text.zh = zh
        return text

    def __reduce__(self):  # pickles (to the sandbox) with its translation
        return (T, (str(self), self.zh))


def set_language(lang: str | None) -> None:
    """Use ``lang`` ("en" or "zh") from now on; None goes back to the environment's choice."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    global _chosen
    _chosen = lang


def language() -> str:
    """The language in use: chosen, else HANDWRITE_LANG, else the locale, else English."""
    if _chosen:
        return _chosen
    wanted = os.environ.get("HANDWRITE_LANG", "").strip().lower()
    if wanted in LANGUAGES:
        return wanted
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):  # the order in which POSIX consults them
        value = os.environ.get(var, "")
        if value:  # the first one set decides, as for every other program
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def say(text: str) -> str:
    """``text`` in the language in use: its translation when it is a ``T`` that has one."""
    if language() == "zh" and getattr(text, "zh", None):
        return text.zh
    return str(text)


def tr(en: str, zh: str | None = None, /, **params) -> str:
    """A message in the language in use, with ``{name}`` fields filled from ``params``."""
    return say(T(en, zh)).format(**params)


def both(en: str, zh: str | None = None, /, **params) -> T:
    """Like ``tr``, but keeps both languages (for text stored now and said later)."""
    return T(en.format(**params), zh.format(**params) if zh else None)
