"""Strict JSON (docs/formats/evidence-log.md §2) and RFC 8785 JCS, written from the documents.

Numbers: a parsed number is a Python int when it is an integral double of magnitude
<= 2^53 (so 1.0, 1e0 and 1 are the same value, as in JavaScript), else a float.
Booleans are Python bools (never treated as integers by the shape checks).
"""
import math
import re
import sys
from decimal import Decimal

sys.setrecursionlimit(20000)

MAX_SAFE = 2 ** 53 - 1


class JsonError(Exception):
    def __init__(self, code, msg):
        super().__init__(f"{code}: {msg}")
        self.code = code


_NUM = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WS = " \t\n\r"


def parse(data: bytes):
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("bytes expected")
    try:
        text = bytes(data).decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise JsonError("INVALID_JSON", f"not UTF-8 at byte {e.start}")
    p = _Parser(text)
    p.ws()
    v = p.value(0)
    p.ws()
    if p.i != len(text):
        raise JsonError("INVALID_JSON", f"trailing content at {p.i}")
    return v


class _Parser:
    def __init__(self, t):
        self.t = t
        self.i = 0

    def ws(self):
        t, n = self.t, len(self.t)
        while self.i < n and t[self.i] in _WS:
            self.i += 1

    def err(self, m):
        raise JsonError("INVALID_JSON", f"{m} at offset {self.i}")

    def value(self, depth):
        t = self.t
        if self.i >= len(t):
            self.err("unexpected end")
        c = t[self.i]
        if c == "{":
            if depth + 1 > 512:
                self.err("nesting deeper than 512")
            return self.obj(depth + 1)
        if c == "[":
            if depth + 1 > 512:
                self.err("nesting deeper than 512")
            return self.arr(depth + 1)
        if c == '"':
            return self.string()
        if t.startswith("true", self.i):
            self.i += 4
            return True
        if t.startswith("false", self.i):
            self.i += 5
            return False
        if t.startswith("null", self.i):
            self.i += 4
            return None
        if c == "-" or c.isdigit() and c in "0123456789":
            return self.number()
        self.err(f"unexpected character {c!r}")

    def obj(self, depth):
        self.i += 1
        out = {}
        self.ws()
        if self.i < len(self.t) and self.t[self.i] == "}":
            self.i += 1
            return out
        while True:
            self.ws()
            if self.i >= len(self.t) or self.t[self.i] != '"':
                self.err("expected a key")
            k = self.string()
            if k in out:
                raise JsonError("DUPLICATE_KEY", f"duplicate key {k!r}")
            self.ws()
            if self.i >= len(self.t) or self.t[self.i] != ":":
                self.err("expected ':'")
            self.i += 1
            self.ws()
            out[k] = self.value(depth)
            self.ws()
            if self.i >= len(self.t):
                self.err("unterminated object")
            c = self.t[self.i]
            self.i += 1
            if c == "}":
                return out
            if c != ",":
                self.err("expected ',' or '}'")

    def arr(self, depth):
        self.i += 1
        out = []
        self.ws()
        if self.i < len(self.t) and self.t[self.i] == "]":
            self.i += 1
            return out
        while True:
            self.ws()
            out.append(self.value(depth))
            self.ws()
            if self.i >= len(self.t):
                self.err("unterminated array")
            c = self.t[self.i]
            self.i += 1
            if c == "]":
                return out
            if c != ",":
                self.err("expected ',' or ']'")

    def string(self):
        t = self.t
        self.i += 1
        buf = []
        n = len(t)
        while True:
            if self.i >= n:
                self.err("unterminated string")
            c = t[self.i]
            if c == '"':
                self.i += 1
                return "".join(buf)
            if c == "\\":
                if self.i + 1 >= n:
                    self.err("unterminated escape")
                e = t[self.i + 1]
                if e in '"\\/':
                    buf.append(e)
                    self.i += 2
                elif e in "bfnrt":
                    buf.append({"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}[e])
                    self.i += 2
                elif e == "u":
                    cp = self._hex4(self.i + 2)
                    self.i += 6
                    if 0xD800 <= cp <= 0xDBFF:
                        if t.startswith("\\u", self.i):
                            lo = self._hex4(self.i + 2)
                            if 0xDC00 <= lo <= 0xDFFF:
                                self.i += 6
                                buf.append(chr(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)))
                                continue
                        self.err("lone surrogate")
                    if 0xDC00 <= cp <= 0xDFFF:
                        self.err("lone surrogate")
                    buf.append(chr(cp))
                else:
                    self.err("invalid escape")
            else:
                if ord(c) < 0x20:
                    self.err("unescaped control character")
                if 0xD800 <= ord(c) <= 0xDFFF:
                    self.err("lone surrogate")
                buf.append(c)
                self.i += 1

    def _hex4(self, j):
        h = self.t[j:j + 4]
        if len(h) != 4 or not all(ch in "0123456789abcdefABCDEF" for ch in h):
            self.err("invalid \\u escape")
        return int(h, 16)

    def number(self):
        m = _NUM.match(self.t, self.i)
        if not m:
            self.err("invalid number")
        lit = m.group(0)
        self.i = m.end()
        if len(lit) > 4095:
            raise JsonError("NUMBER_NOT_REPRESENTABLE", "number literal longer than 4095 characters")
        has_exp = "e" in lit or "E" in lit
        mant = re.split("[eE]", lit)[0]
        digits_nonzero = any(ch in "123456789" for ch in mant)
        if not has_exp:
            d = Decimal(lit)
            if abs(d) > MAX_SAFE:
                raise JsonError("NUMBER_NOT_REPRESENTABLE", f"{lit} exceeds 2^53-1")
        try:
            f = float(lit)
        except OverflowError:
            f = math.inf
        if math.isinf(f):
            raise JsonError("NUMBER_NOT_REPRESENTABLE", f"{lit} overflows a double")
        if f == 0.0 and digits_nonzero:
            raise JsonError("NUMBER_NOT_REPRESENTABLE", f"{lit} underflows to zero")
        if f.is_integer() and abs(f) <= 2 ** 53:
            return int(f)
        return f


# ---------------------------------------------------------------- JCS (RFC 8785)

def _es_number(x):
    if isinstance(x, bool):
        raise TypeError
    if isinstance(x, int):
        if abs(x) <= 2 ** 53:
            return str(x)
        x = float(x)
    if math.isnan(x) or math.isinf(x):
        raise ValueError("not a finite number")
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    sign = "-" if x < 0 else ""
    d = Decimal(repr(abs(x))).normalize()
    _, digs, exp = d.as_tuple()
    s = "".join(map(str, digs))
    k = len(s)
    n = k + exp
    if k <= n <= 21:
        r = s + "0" * (n - k)
    elif 0 < n <= 21:
        r = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        r = "0." + "0" * (-n) + s
    else:
        e = n - 1
        es = ("+" if e >= 0 else "-") + str(abs(e))
        r = (s if k == 1 else s[0] + "." + s[1:]) + "e" + es
    return sign + r


def _es_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _ser(v, out):
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, (int, float)):
        out.append(_es_number(v))
    elif isinstance(v, str):
        out.append(_es_string(v))
    elif isinstance(v, list):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _ser(x, out)
        out.append("]")
    elif isinstance(v, dict):
        out.append("{")
        for i, k in enumerate(sorted(v.keys(), key=lambda k: k.encode("utf-16-be"))):
            if i:
                out.append(",")
            out.append(_es_string(k))
            out.append(":")
            _ser(v[k], out)
        out.append("}")
    else:
        raise TypeError(f"cannot serialise {type(v)}")


def jcs(v) -> bytes:
    out = []
    _ser(v, out)
    return "".join(out).encode("utf-8")
