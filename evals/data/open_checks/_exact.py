"""How the sympy-route check scripts write an exact answer (imported by its siblings, which
run as files: their own directory is on the import path)."""

from sympy import Rational, nsimplify


def num(v) -> str:
    """An exact rational as a plain integer, a terminating decimal, or p/q."""
    v = nsimplify(v)
    assert v.is_Rational, v
    if v.q == 1:
        return str(v.p)
    q = v.q
    for p in (2, 5):
        while q % p == 0:
            q //= p
    if q == 1:
        return str(Rational(v).evalf(30)).rstrip("0").rstrip(".")
    return f"{v.p}/{v.q}"
