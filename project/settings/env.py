"""Typed readers for environment variables; every error names the variable and what to set."""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import overload
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class EnvError(ImproperlyConfigured):
    """An environment variable is missing or malformed."""

    def __init__(self, name: str, problem: str, hint: str) -> None:
        super().__init__(f"{name} {problem}: {hint}")
        self.name = name


class Env:
    """Reads variables from one mapping (``os.environ`` by default) with typed parsers.

    The readers are named for the type they return (``env.str``, ``env.int``, …), so inside the
    class those names are the methods: annotations spell the builtins ``builtins.str`` etc.
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def str(
        self, name: builtins.str, default: builtins.str | None = None, *, hint: builtins.str = ""
    ) -> builtins.str:
        value = self.environ.get(name, "").strip()
        if value:
            return value
        if default is None:
            raise EnvError(name, "is not set", hint or f"set {name} in the environment")
        return default

    def optional(self, name: builtins.str) -> builtins.str | None:
        return self.environ.get(name, "").strip() or None

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise EnvError(name, f"is {raw!r}, not a boolean", "use 1/0, true/false, yes/no or on/off")

    def int(
        self, name: builtins.str, default: builtins.int, *, minimum: builtins.int = 0
    ) -> builtins.int:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise EnvError(
                name, f"is {raw!r}, not a whole number", f"set a number >= {minimum}"
            ) from None
        if value < minimum:
            raise EnvError(name, f"is {value}, below the minimum", f"set a number >= {minimum}")
        return value

    @overload
    def float(
        self, name: builtins.str, default: builtins.float, *, minimum: builtins.float = 0.0
    ) -> builtins.float: ...
    @overload
    def float(
        self, name: builtins.str, default: None, *, minimum: builtins.float = 0.0
    ) -> builtins.float | None: ...
    def float(
        self, name: builtins.str, default: builtins.float | None, *, minimum: builtins.float = 0.0
    ) -> builtins.float | None:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise EnvError(name, f"is {raw!r}, not a number", f"set a number > {minimum}") from None
        if not value > minimum:
            raise EnvError(name, f"is {value}, too small", f"set a number > {minimum}")
        return value

    def duration(self, name: builtins.str, default: timedelta) -> timedelta:
        """A positive duration: seconds (``3600``) or units (``24h``, ``90m``, ``1d12h``)."""
        raw = self.environ.get(name, "").strip().lower()
        if not raw:
            return default
        if re.fullmatch(r"\d+(\.\d+)?", raw):
            seconds = float(raw)
        elif re.fullmatch(r"(\s*\d+(\.\d+)?\s*[dhms])+\s*", raw):
            seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(raw))
        else:
            raise EnvError(
                name, f"is {raw!r}, not a duration", "use seconds or units, e.g. 24h, 90m, 1d"
            )
        if seconds <= 0:
            raise EnvError(name, f"is {raw!r}, not positive", "set a duration above zero")
        return timedelta(seconds=seconds)

    def list(
        self, name: builtins.str, default: tuple[builtins.str, ...] = ()
    ) -> builtins.list[builtins.str]:
        raw = self.environ.get(name, "")
        items = [item.strip() for item in raw.split(",") if item.strip()]
        return items or list(default)

    @overload
    def url(
        self, name: builtins.str, default: builtins.str, *, schemes: tuple[builtins.str, ...]
    ) -> builtins.str: ...
    @overload
    def url(
        self, name: builtins.str, default: builtins.str | None, *, schemes: tuple[builtins.str, ...]
    ) -> builtins.str | None: ...
    def url(
        self, name: builtins.str, default: builtins.str | None, *, schemes: tuple[builtins.str, ...]
    ) -> builtins.str | None:
        raw = self.environ.get(name, "").strip() or default
        if raw is None:
            return None
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            allowed = ", ".join(f"{s}://" for s in schemes)
            raise EnvError(
                name, f"is {raw!r}, not a valid URL", f"use a URL starting with {allowed}"
            )
        return raw
