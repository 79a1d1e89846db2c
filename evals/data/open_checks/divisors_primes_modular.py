"""Verifies the open set's ``divisors_primes_modular`` answers, independently of the pipeline.

Each answer is found by brute force over small ranges (trial division, scanning
candidates) rather than by formulas.
"""

import json


def is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, int(n**0.5) + 1))


def q01() -> int:
    # Number of positive divisors of 720.
    return sum(1 for d in range(1, 721) if 720 % d == 0)


def q02() -> int:
    # Most identical bracelets using all 84 red and 126 blue beads.
    return max(k for k in range(1, 85) if 84 % k == 0 and 126 % k == 0)


def q03() -> int:
    # First time after 0 s that lamps flashing every 12, 18 and 30 s flash together.
    t = 1
    while not (t % 12 == 0 and t % 18 == 0 and t % 30 == 0):
        t += 1
    return t


def q04() -> int:
    # Smallest prime factor of 3599.
    return next(p for p in range(2, 3600) if 3599 % p == 0 and is_prime(p))


def q05() -> int:
    # Last two digits of 3**2025, by repeated multiplication modulo 100.
    r = 1
    for _ in range(2025):
        r = r * 3 % 100
    return r


def q06() -> int:
    # x in 0..100 with 17x = 1 (mod 101).
    return next(x for x in range(101) if 17 * x % 101 == 1)


def q07() -> int:
    # Fewer than 200 stickers: 3 left in piles of 5, 2 in piles of 7, 4 in piles of 9.
    found = [n for n in range(1, 200) if n % 5 == 3 and n % 7 == 2 and n % 9 == 4]
    assert len(found) == 1, found
    return found[0]


def q08() -> int:
    # Sum of the primes between 100 and 150.
    return sum(n for n in range(101, 150) if is_prime(n))


ANSWERS: dict[str, str] = {
    f"divisors_primes_modular-{i:02d}": str(f()) for i, f in enumerate([q01, q02, q03, q04, q05, q06, q07, q08], 1)
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
