"""Run ids and the default names of runs."""

from __future__ import annotations

import re
from collections import Counter

from heron.sdk import names


def test_run_ids_are_eight_lowercase_letters_or_digits_and_spread_over_all_of_them() -> None:
    ids = [names.new_run_id() for _ in range(3000)]
    assert all(re.fullmatch(r"[a-z0-9]{8}", run_id) for run_id in ids)
    assert len(set(ids)) == len(ids)
    # Every one of the 36 characters shows up at every position, about equally often
    # (3,000 ids: ~83 each, give or take 9; a stuck or biased digit would fall far outside).
    for position in range(8):
        counts = Counter(run_id[position] for run_id in ids)
        assert set(counts) == set(names._ID_ALPHABET), position
        assert min(counts.values()) > 40 and max(counts.values()) < 150, (position, counts)


def test_run_names_read_as_adjective_bird_number() -> None:
    seen = {names.run_name(7) for _ in range(500)}
    for name in seen:
        adjective, noun, number = name.split("-")
        assert adjective in names._ADJECTIVES and noun in names._NOUNS and number == "7"
    assert len(seen) > 100  # drawn at random, not one fixed name
