"""LaTeX answers compared by value: a documented normaliser, then SymPy.

MATH-style gold answers are LaTeX (``\\frac{\\pi}{2}``, ``3\\sqrt{13}``, ``\\left( 3,
\\frac{\\pi}{2} \\right)``, ``90^\\circ``, ``\\text{Evelyn}``); predictions are LaTeX or
plain text (``0.5``, ``1/2``, ``sqrt(2)/2``). :func:`latex_equal` decides whether two
answers are the same value. The steps, in order:

1. **Clean** (:func:`clean`): drop ``$``, unwrap ``\\boxed{}``; drop ``\\left``/``\\right``,
   spacing commands (``\\, \\; \\! \\quad``), degree marks (``^\\circ``), ``\\%`` and ``\\$``;
   ``\\dfrac``/``\\tfrac`` become ``\\frac``; ``\\text{...}``-style groups are units and are
   dropped when anything else remains, else their content is the answer; a leading
   ``x =`` is dropped; thousands separators (``13,535``) are removed; a ``pmatrix``
   becomes a tuple of its entries.
2. **Split** top-level commas: ``(a, b)`` and ``[a, b]`` compare in order (points,
   vectors), a bare ``a, b`` or ``\\{a, b\\}`` as a multiset (lists of solutions);
   ``a \\pm b`` is the multiset ``{a + b, a - b}``.
3. **Translate** each element to a SymPy expression string (:func:`to_python`):
   ``\\frac{a}{b}`` (also ``\\frac12``), ``\\sqrt{x}``, ``\\sqrt[n]{x}``, ``\\pi``,
   ``\\infty``, ``\\cdot``/``\\times``/``\\div``, ``^``, braces, a lone ``i`` as the
   imaginary unit, ``\\ln``/``\\log``/``\\sin``... Anything else left with a backslash
   is not translated.
4. **Check** before parsing, because ``parse_expr`` evaluates Python: only digits,
   letters, ``+-*/().`` and spaces; every name is a single letter or one of
   :data:`ALLOWED_NAMES`; no ``_``; a ``.`` only inside a decimal; at most
   :data:`MAX_CHARS` characters. It is then parsed with ``evaluate=False``, an empty
   ``__builtins__`` and only SymPy constructors in scope, and refused if any exponent
   exceeds :data:`MAX_EXPONENT` or any integer has more than :data:`MAX_DIGITS` digits.
5. **Compare**: numbers by value (relative tolerance :data:`REL_TOL`), expressions
   with free symbols by ``simplify(a - b) == 0``.

When either side cannot be translated, the cleaned strings are compared (case and
spaces ignored), so ``52_8`` still equals ``52_8``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

REL_TOL = 1e-8
MAX_CHARS = 300
MAX_EXPONENT = 1000
MAX_DIGITS = 60
ALLOWED_NAMES = frozenset(
    {"sqrt", "pi", "oo", "I", "E", "log", "exp", "sin", "cos", "tan", "cot", "sec", "csc",
     "asin", "acos", "atan", "Abs"}
)

_MATRIX = re.compile(r"\\begin\{[pb]?matrix\}(.*?)\\end\{[pb]?matrix\}", re.DOTALL)
_SPACING = re.compile(r"\\[,;:! ]|\\q?quad\b|~")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree")
_TEXT_GROUP = re.compile(r"\\(?:text|textbf|textit|mbox|mathrm|mathbf|operatorname)\s*\{")
_LEADING_VAR = re.compile(r"^[A-Za-z]\s*(?:\(\s*[A-Za-z]\s*\))?\s*=\s*(?!=)")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_FUNCS = {r"\ln": "log", r"\log": "log", r"\exp": "exp", r"\sin": "sin", r"\cos": "cos",
          r"\tan": "tan", r"\cot": "cot", r"\sec": "sec", r"\csc": "csc", r"\arcsin": "asin",
          r"\arccos": "acos", r"\arctan": "atan"}
_SYMBOLS = {r"\pi": " pi ", r"\infty": " oo ", r"\cdot": "*", r"\times": "*", r"\div": "/"}
_SAFE_CHARS = re.compile(r"^[0-9A-Za-z+\-*/(). ]*$")
_NAME = re.compile(r"[A-Za-z]+")


def _group_end(s: str, start: int) -> int:
    """Index just past the brace group opening at ``s[start] == '{'``; -1 if unbalanced."""
    depth = 0
    for i in range(start, len(s)):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _unwrap_command(s: str, command: str) -> str:
    """``\\boxed{x}`` -> ``x`` (the last one, as graders do)."""
    at = s.rfind(command)
    if at < 0:
        return s
    brace = s.find("{", at)
    end = _group_end(s, brace) if brace >= 0 else -1
    return s[brace + 1 : end - 1] if end > 0 else s


def _strip_text_groups(s: str) -> str:
    """Drop ``\\text{...}`` units when anything else remains; else keep their content."""
    kept, contents, pos = [], [], 0
    for m in _TEXT_GROUP.finditer(s):
        if m.start() < pos:
            continue
        end = _group_end(s, m.end() - 1)
        if end < 0:
            break
        kept.append(s[pos : m.start()])
        contents.append(s[m.end() : end - 1])
        pos = end
    kept.append(s[pos:])
    rest = "".join(kept).strip()
    if rest and re.search(r"[0-9A-Za-z\\]", rest):
        return rest
    return " ".join(c.strip() for c in contents).strip() or rest


def clean(answer: str) -> str:
    """Step 1: the answer without markup that does not change its value."""
    s = answer.strip()
    s = _unwrap_command(s, r"\boxed")
    s = s.replace(r"\$", "").replace("$", "")
    s = _MATRIX.sub(lambda m: "(" + re.sub(r"\\\\|&", ",", m.group(1)) + ")", s)
    s = s.replace(r"\left", "").replace(r"\right", "")
    s = s.replace(r"\dfrac", r"\frac").replace(r"\tfrac", r"\frac")
    s = _DEGREES.sub("", s)
    s = s.replace(r"\%", "").replace("%", "")
    s = _strip_text_groups(s)
    s = _SPACING.sub(" ", s)
    s = s.strip().rstrip(".").strip()
    if s.count("=") == 1:
        s = _LEADING_VAR.sub("", s)
    if _THOUSANDS.match(s.replace(" ", "")):
        s = s.replace(",", "").replace(" ", "")
    return s.strip()


def _split_top_level(s: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def _wrapped(s: str, open_: str, close: str) -> bool:
    """True when ``s`` is one group ``open_ ... close`` (not ``(a)+(b)``)."""
    if not (s.startswith(open_) and s.endswith(close)):
        return False
    depth = 0
    for i, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and i < len(s) - 1:
                return False
    return True


def structure(cleaned: str) -> tuple[str, list[str]]:
    """Step 2: ``("tuple", parts)``, ``("set", parts)`` or ``("atom", [s])``."""
    s = cleaned
    if s.startswith(r"\{") and s.endswith(r"\}"):
        return "set", _split_top_level(s[2:-2])
    for open_, close in (("(", ")"), ("[", "]")):
        if _wrapped(s, open_, close):
            inner = _split_top_level(s[1:-1])
            if len(inner) > 1:
                return "tuple", inner
    parts = _split_top_level(s)
    if len(parts) == 1 and s.count(r"\pm") == 1:
        # a \pm b is the two answers a + b and a - b.
        parts = [s.replace(r"\pm", "+"), s.replace(r"\pm", "-")]
    if len(parts) > 1:
        return "set", parts
    return "atom", [s]


def _replace_frac(s: str) -> str | None:
    r"""``\frac{a}{b}`` and ``\frac12`` -> ``((a)/(b))``, innermost work done recursively."""
    out, pos = [], 0
    while True:
        at = s.find(r"\frac", pos)
        if at < 0:
            out.append(s[pos:])
            return "".join(out)
        out.append(s[pos:at])
        i = at + len(r"\frac")
        args = []
        for _ in range(2):
            while i < len(s) and s[i] == " ":
                i += 1
            if i >= len(s):
                return None
            if s[i] == "{":
                end = _group_end(s, i)
                if end < 0:
                    return None
                inner = _replace_frac(s[i + 1 : end - 1])
                if inner is None:
                    return None
                args.append(inner)
                i = end
            else:  # \frac12: single-character arguments
                args.append(s[i])
                i += 1
        out.append(f"(({args[0]})/({args[1]}))")
        pos = i


def _replace_sqrt(s: str) -> str | None:
    r"""``\sqrt{x}`` -> ``sqrt(x)``, ``\sqrt[n]{x}`` -> ``((x)**(1/(n)))``, ``\sqrt2`` -> ``sqrt(2)``."""
    out, pos = [], 0
    while True:
        at = s.find(r"\sqrt", pos)
        if at < 0:
            out.append(s[pos:])
            return "".join(out)
        out.append(s[pos:at])
        i = at + len(r"\sqrt")
        while i < len(s) and s[i] == " ":
            i += 1
        index = None
        if i < len(s) and s[i] == "[":
            close = s.find("]", i)
            if close < 0:
                return None
            index, i = s[i + 1 : close], close + 1
        if i < len(s) and s[i] == "{":
            end = _group_end(s, i)
            if end < 0:
                return None
            radicand = _replace_sqrt(s[i + 1 : end - 1])
            if radicand is None:
                return None
            i = end
        elif i < len(s):
            radicand, i = s[i], i + 1
        else:
            return None
        out.append(f"(({radicand})**(1/({index})))" if index else f"sqrt({radicand})")
        pos = i


def to_python(element: str) -> str | None:
    """Step 3: one cleaned element as a SymPy-parsable string, or None."""
    s = _replace_frac(element)
    s = _replace_sqrt(s) if s is not None else None
    if s is None:
        return None
    for latex, name in _FUNCS.items():
        s = re.sub(re.escape(latex) + r"(?![A-Za-z])", f" {name} ", s)
    for latex, text in _SYMBOLS.items():
        s = re.sub(re.escape(latex) + r"(?![A-Za-z])", text, s)
    if "\\" in s:
        return None
    s = re.sub(r"(?<![\d.])\.(?=\d)", "0.", s)  # .5 -> 0.5
    s = s.replace("{", "(").replace("}", ")").replace("^", "**")
    # A lone i is the imaginary unit in MATH answers (6 - 5i).
    s = re.sub(r"(?<![A-Za-z])i(?![A-Za-z])", "I", s)
    return s.strip() or None


def is_safe(code: str) -> bool:
    """Step 4's check: the only strings ever handed to ``parse_expr``."""
    if len(code) > MAX_CHARS or not _SAFE_CHARS.match(code):
        return False
    if re.search(r"(?<!\d)\.|\.(?!\d)", code):
        return False
    return all(len(n) == 1 or n in ALLOWED_NAMES for n in _NAME.findall(code))


@cache
def _sympy() -> dict[str, Any]:
    import sympy
    from sympy.parsing import sympy_parser as sp

    transformations = (
        sp.auto_symbol, sp.auto_number, sp.implicit_multiplication_application,
    )
    constructors = ("Integer", "Float", "Rational", "Symbol", "Add", "Mul", "Pow")
    global_dict: dict[str, Any] = {name: getattr(sympy, name) for name in constructors}
    global_dict["__builtins__"] = {}
    local_dict = {name: getattr(sympy, name) for name in ALLOWED_NAMES}
    return {"sympy": sympy, "parse": sp.parse_expr, "t": transformations,
            "g": global_dict, "l": local_dict}


def parse(code: str) -> Any | None:
    """A checked string as an unevaluated SymPy expression, or None."""
    if not is_safe(code):
        return None
    s = _sympy()
    try:
        expr = s["parse"](code, local_dict=dict(s["l"]), global_dict=dict(s["g"]),
                          transformations=s["t"], evaluate=False)
    except Exception:  # malformed input raises many types (SyntaxError, TokenError, TypeError)
        return None
    if not isinstance(expr, s["sympy"].Basic):
        return None
    # Leaves first, so each exponent is only evaluated once its own powers passed.
    for node in s["sympy"].postorder_traversal(expr):
        if node.is_Integer and len(str(abs(int(node)))) > MAX_DIGITS:
            return None
        if node.is_Pow and not node.exp.free_symbols:
            try:
                if abs(complex(node.exp.evalf(15))) > MAX_EXPONENT:
                    return None
            except (TypeError, ValueError):
                return None
    return expr


def to_sympy(answer: str) -> Any | None:
    """One cleaned atom as a SymPy expression (for tests and callers), or None."""
    code = to_python(answer)
    return parse(code) if code is not None else None


def _values_equal(a: Any, b: Any) -> bool:
    sympy = _sympy()["sympy"]
    try:
        a, b = a.doit(), b.doit()
        if not a.free_symbols and not b.free_symbols:
            va, vb = complex(sympy.N(a, 30)), complex(sympy.N(b, 30))
            return abs(va - vb) <= REL_TOL * max(1.0, abs(vb))
        return bool(sympy.simplify(a - b) == 0)
    except Exception:  # e.g. comparing oo with a number, or a symbolic error
        return False


def _plain(s: str) -> str:
    return re.sub(r"\s+", "", s).lower().strip("()")


def _atoms_equal(pred: str, gold: str) -> bool:
    if _plain(pred) == _plain(gold):
        return True
    a, b = to_sympy(pred), to_sympy(gold)
    if a is None or b is None:
        return False
    return _values_equal(a, b)


def latex_equal(prediction: str | None, gold: str) -> bool:
    """True when ``prediction`` and ``gold`` denote the same answer (steps 1-5)."""
    if prediction is None or not prediction.strip():
        return False
    p, g = clean(prediction), clean(gold)
    if _plain(p) == _plain(g):
        return True
    pk, pp = structure(p)
    gk, gp = structure(g)
    if pk == "atom" and gk == "atom":
        return _atoms_equal(pp[0], gp[0])
    if len(pp) != len(gp):
        return False
    if gk == "tuple" or pk == "tuple":
        return pk == gk and all(_atoms_equal(x, y) for x, y in zip(pp, gp, strict=True))
    # Unordered: a multiset match, pairing each gold element with an equal prediction.
    remaining = list(pp)
    for y in gp:
        match = next((i for i, x in enumerate(remaining) if _atoms_equal(x, y)), None)
        if match is None:
            return False
        remaining.pop(match)
    return not remaining
