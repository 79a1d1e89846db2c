"""Verifies the open set's ``units_rates_mixtures`` answers, independently of the pipeline.

Quantities are worked with ``fractions.Fraction`` (exact), by simulation where the
question is about time passing, and rounded only at the end.
"""

import json
from fractions import Fraction as F


def q01() -> str:
    # A marathon (42.195 km) in miles, 1 mile = 1.609344 km; 2 dp.
    return f"{float(F('42.195') / F('1.609344')):.2f}"


def q02() -> str:
    # 150 km at 60 km/h then 150 km at 100 km/h; average speed.
    hours = F(150, 60) + F(150, 100)
    return str(F(300) / hours)


def q03() -> str:
    # Pipe A fills in 6 h, pipe B in 9 h, the drain empties in 12 h; all open, hours to fill; 2 dp.
    rate = F(1, 6) + F(1, 9) - F(1, 12)
    return f"{float(1 / rate):.2f}"


def q04() -> str:
    # Litres of 40% solution added to 12 L of 10% solution to reach 20%; search in steps of 1/100 L.
    for hundredths in range(0, 100_000):
        x = F(hundredths, 100)
        if (F(12) * F(10, 100) + x * F(40, 100)) / (12 + x) == F(20, 100):
            return str(float(x))
    raise AssertionError("no amount found")


def q05() -> str:
    # 250 EUR to JPY at 1 EUR = 1.08 USD and 1 USD = 151.5 JPY.
    return str(float(250 * F("1.08") * F("151.5")))


def q06() -> str:
    # Cities 345 km apart; A leaves at 9:00 at 90 km/h, B leaves at 9:30 at 110 km/h towards A.
    # Simulate minute by minute (exact fractions); distance from A's city at the meeting.
    a_pos, b_pos = F(0), F(345)
    minute = 0
    while True:
        minute += 1
        a_pos += F(90, 60)
        if minute > 30:
            b_pos -= F(110, 60)
        if a_pos >= b_pos:
            assert a_pos == b_pos  # they meet exactly on a whole minute
            return str(float(a_pos))


def q07() -> str:
    # 6.5 L per 100 km, 420 km trip, fuel at 1.80 per litre; cost.
    return str(float(F(420, 100) * F("6.5") * F("1.80")))


def q08() -> str:
    # 3 painters paint 4 rooms in 6 hours; hours for 5 painters to paint 10 rooms.
    per_painter_hour = F(4) / (3 * 6)
    return str(F(10) / (5 * per_painter_hour))


ANSWERS: dict[str, str] = {
    f"units_rates_mixtures-{i:02d}": str(f()) for i, f in enumerate([q01, q02, q03, q04, q05, q06, q07, q08], 1)
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
