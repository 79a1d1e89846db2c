"""Verifies the open set's ``geometry`` answers, independently of the pipeline.

Lengths, areas and volumes are computed from coordinates and first principles with
``math`` (areas of the path by subtraction, the triangle by the shoelace formula),
and cross-checked by counting unit squares where the figure is on a grid.
"""

import json
import math


def q01() -> str:
    # Right triangle with legs 9 and 40; hypotenuse.
    return f"{math.hypot(9, 40):g}"


def q02() -> str:
    # Pizza of diameter 30 cm; area in cm^2, 2 dp.
    return f"{math.pi * 15**2:.2f}"


def q03() -> str:
    # 6 m ladder, foot 1.8 m from the wall; height reached, 2 dp.
    return f"{math.sqrt(6**2 - 1.8**2):.2f}"


def q04() -> str:
    # 18 m by 12 m garden with a 1.5 m path all round the outside; path area.
    # Count half-metre squares: the outer rectangle is 42 x 30 of them, the garden 36 x 24.
    cells = sum(1 for i in range(42) for j in range(30) if not (3 <= i < 39 and 3 <= j < 27))
    area = cells * 0.25
    assert area == (18 + 3) * (12 + 3) - 18 * 12
    return f"{area:g}"


def q05() -> str:
    # Cylindrical tank, radius 0.8 m, height 2.5 m; capacity in litres to the nearest litre.
    cubic_metres = math.pi * 0.8**2 * 2.5
    return str(round(cubic_metres * 1000))


def q06() -> str:
    # Triangle with corners (1,2), (7,5), (4,10); area by the shoelace formula.
    pts = [(1, 2), (7, 5), (4, 10)]
    twice = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True))
    return f"{abs(twice) / 2:g}"


def q07() -> str:
    # Track: two 100 m straights and two semicircular ends of diameter 60 m; lap length, 2 dp.
    return f"{2 * 100 + 2 * (math.pi * 60 / 2):.2f}"


def q08() -> str:
    # Sphere of radius 15 cm; volume in cm^3, 2 dp.
    return f"{4 / 3 * math.pi * 15**3:.2f}"


ANSWERS: dict[str, str] = {
    f"geometry-{i:02d}": str(f()) for i, f in enumerate([q01, q02, q03, q04, q05, q06, q07, q08], 1)
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
