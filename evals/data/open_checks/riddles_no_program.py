"""Answers of the ``riddles_no_program`` items of the open set, verified by hand.

These riddles and trick questions need common sense, not computation, so nothing is
computed here: each answer was written and checked by hand, with its reason beside it.
Choice answers are the option texts of the items.
"""

from __future__ import annotations

import json

ANSWERS: dict[str, str] = {
    # A piano has (black and white) keys, but none of them opens a lock.
    "riddles_no_program-01": "a piano",
    # Roosters are male chickens: they don't lay eggs, so there is no egg to roll.
    "riddles_no_program-02": "Neither: roosters don't lay eggs",
    # Every one of the 12 months has at least 28 days (February has exactly 28 or 29).
    "riddles_no_program-03": "12",
    # "All but 9 ran away" means 9 did not run away: 9 sheep are left.
    "riddles_no_program-04": "9",
    # Passing the runner in second place puts you in their place, second; the leader is still ahead.
    "riddles_no_program-05": "second",
    # The father of Mary has five daughters: four are named, and Mary herself is the fifth.
    "riddles_no_program-06": "Mary",
    # Noah, not Moses, built the ark in the story, so Moses took no animals on it.
    "riddles_no_program-07": "None: it was Noah, not Moses, who built the ark",
    # Pill 1 at minute 0, pill 2 at 30, pill 3 at 60: all three are taken within 60 minutes.
    "riddles_no_program-08": "60",
}

if __name__ == "__main__":
    print(json.dumps(ANSWERS, indent=1))
