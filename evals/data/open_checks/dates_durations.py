"""Verifies the open set's ``dates_durations`` answers, independently of the pipeline.

Dates and times are handled with ``datetime`` (proleptic Gregorian calendar); counts
are made by walking day by day or year by year.
"""

import calendar
import json
from datetime import date, datetime, timedelta


def q01() -> str:
    # Weekday of 18 June 1974.
    return date(1974, 6, 18).strftime("%A")


def q02() -> int:
    # Days from 3 February 2024 to 19 September 2024.
    d, n = date(2024, 2, 3), 0
    while d != date(2024, 9, 19):
        d += timedelta(days=1)
        n += 1
    return n


def q03() -> str:
    # Bus leaves 22:40, the trip takes 11 h 35 min; arrival time (24-hour clock).
    arrive = datetime(2025, 1, 1, 22, 40) + timedelta(hours=11, minutes=35)
    return arrive.strftime("%H:%M")


def q04() -> int:
    # Leap years from 1890 to 2030 inclusive.
    return sum(1 for y in range(1890, 2031) if calendar.isleap(y))


def q05() -> str:
    # Born 29 August 2023; the date 1000 days later.
    return (date(2023, 8, 29) + timedelta(days=1000)).isoformat()


def q06() -> str:
    # A 90-day course, day 1 on Monday 6 January 2025; weekday of day 90.
    start = date(2025, 1, 6)
    assert start.strftime("%A") == "Monday"
    return (start + timedelta(days=89)).strftime("%A")


def q07() -> int:
    # Shift 21:15 to 06:50 the next day with a 45-minute unpaid break; paid minutes.
    start = datetime(2025, 3, 3, 21, 15)
    end = datetime(2025, 3, 4, 6, 50)
    return int((end - start).total_seconds() // 60) - 45


def q08() -> int:
    # Fridays that fall on the 13th in 2026.
    return sum(1 for m in range(1, 13) if date(2026, m, 13).weekday() == 4)


ANSWERS: dict[str, str] = {
    f"dates_durations-{i:02d}": str(f()) for i, f in enumerate([q01, q02, q03, q04, q05, q06, q07, q08], 1)
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
