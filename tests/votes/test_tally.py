"""Property tests of the pure tallies in votes/tally.py (no database)."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from votes import tally

GRADES = tally.MJ_GRADE_COUNT


# --- An independent, deliberately naive majority judgment -------------------


def naive_majority_value(profile: list[int]) -> list[int]:
    """Expand the grades, then remove the lower median one at a time (Balinski–Laraki)."""
    grades = sorted(g for g, count in enumerate(profile) for _ in range(count))
    sequence = []
    while grades:
        median = grades[(len(grades) - 1) // 2]
        sequence.append(median)
        grades.remove(median)
    return sequence


def naive_ranking(profiles: dict) -> dict:
    """Rank = 1 + number of options whose majority value is lexicographically greater."""
    values = {option: naive_majority_value(list(p)) for option, p in profiles.items()}
    return {
        option: 1 + sum(1 for other in values.values() if other > value)
        for option, value in values.items()
    }


@st.composite
def profiles(draw, min_options=1, max_options=6, max_voters=25):
    voters = draw(st.integers(min_value=0, max_value=max_voters))
    n_options = draw(st.integers(min_value=min_options, max_value=max_options))
    result = {}
    for i in range(n_options):
        # Random split of `voters` into 7 grades; sometimes copy another profile to force ties.
        if result and draw(st.booleans()) and draw(st.booleans()):
            result[f"opt{i}"] = list(draw(st.sampled_from(list(result.values()))))
            continue
        cuts = sorted(
            draw(st.lists(st.integers(0, voters), min_size=GRADES - 1, max_size=GRADES - 1))
        )
        bounds = [0, *cuts, voters]
        result[f"opt{i}"] = [bounds[g + 1] - bounds[g] for g in range(GRADES)]
    return result


@given(profiles())
# No deadline: the examples run on a shared machine, and speed is not what this checks.
@settings(max_examples=400, deadline=None)
def test_majority_judgment_matches_naive_median_removal(data):
    results = tally.majority_judgment(data)
    expected = naive_ranking(data)
    assert {r.option: r.rank for r in results} == expected
    for r in results:
        assert r.majority_grade == (naive_majority_value(data[r.option]) or [0])[0]
    # Best first.
    assert [r.rank for r in results] == sorted(r.rank for r in results)


@given(profiles(min_options=2), st.randoms(use_true_random=False))
def test_majority_judgment_is_invariant_under_option_order(data, rnd):
    items = list(data.items())
    rnd.shuffle(items)
    shuffled = dict(items)
    ranks = {r.option: (r.rank, r.majority_grade) for r in tally.majority_judgment(data)}
    ranks_shuffled = {
        r.option: (r.rank, r.majority_grade) for r in tally.majority_judgment(shuffled)
    }
    assert ranks == ranks_shuffled


@given(profiles(min_options=2))
def test_majority_judgment_ties_only_for_identical_profiles(data):
    results = tally.majority_judgment(data)
    for a in results:
        for b in results:
            if a.option != b.option:
                assert (a.rank == b.rank) == (list(data[a.option]) == list(data[b.option]))


@given(profiles())
def test_majority_judgment_conserves_totals(data):
    results = tally.majority_judgment(data)
    assert len(results) == len(data)
    for r in results:
        assert list(r.profile) == list(data[r.option])
        assert r.total == sum(data[r.option])


def test_majority_grade_is_the_lower_median():
    # 2 votes "Bien" (4), 2 votes "Très bien" (5): the lower median is "Bien".
    assert tally.majority_grade([0, 0, 0, 0, 2, 2, 0]) == 4
    assert tally.majority_grade([1, 0, 0, 0, 0, 0, 0]) == 0
    assert tally.majority_grade([0] * 7) == 0


def test_majority_judgment_known_example():
    results = tally.majority_judgment(
        {"B": [1, 0, 0, 1, 2, 1, 0], "A": [0, 0, 0, 2, 2, 1, 0], "C": [2, 1, 0, 1, 1, 0, 0]}
    )
    assert [(r.option, r.rank) for r in results] == [("A", 1), ("B", 2), ("C", 3)]
    # A: 3,3,4,4,5 and B: 0,3,4,4,5 share the median 4 (« Bien »); A's 4th removed median is higher.
    assert results[0].majority_grade == results[1].majority_grade == 4


def test_majority_judgment_rejects_unequal_totals():
    with pytest.raises(ValueError):
        tally.majority_judgment({"a": [1, 0], "b": [1, 1]})


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=3),
        st.lists(st.integers(0, 5), min_size=1, max_size=7),
        min_size=1,
        max_size=5,
    ),
    st.integers(0, 10),
)
def test_pad_ungraded_makes_every_total_equal_to_the_voters(data, extra):
    voters = max(sum(c) for c in data.values()) + extra
    padded = tally.pad_ungraded(data, voters)
    assert all(sum(row) == voters and len(row) == GRADES for row in padded.values())
    for option, row in padded.items():
        assert row[1:] == (list(data[option]) + [0] * GRADES)[1:GRADES]


# --- Counts -----------------------------------------------------------------

counts_strategy = st.dictionaries(
    st.text(min_size=1, max_size=4), st.integers(min_value=0, max_value=50), max_size=8
)


@given(counts_strategy)
def test_rank_counts_conserves_totals_and_orders(data):
    results = tally.rank_counts(data)
    assert sum(r.count for r in results) == sum(data.values())
    assert {r.option: r.count for r in results} == data
    assert all(a.count >= b.count for a, b in zip(results, results[1:], strict=False))
    total = sum(data.values())
    if total:
        assert sum(r.share for r in results) == pytest.approx(1.0)


@given(counts_strategy, st.randoms(use_true_random=False))
def test_rank_counts_invariant_under_option_order_and_ties_only_for_equal_counts(data, rnd):
    items = list(data.items())
    rnd.shuffle(items)
    a = {r.option: r.rank for r in tally.rank_counts(data)}
    b = {r.option: r.rank for r in tally.rank_counts(dict(items))}
    assert a == b
    for x in data:
        for y in data:
            assert (a[x] == a[y]) == (data[x] == data[y])


# --- Colleges ---------------------------------------------------------------

colleges = st.sampled_from(["citizens", "enterprises", "elected", "civil_society"])


@given(st.dictionaries(colleges, st.integers(0, 12)))
def test_small_colleges_are_merged_so_no_group_is_under_three(voters):
    mapping = tally.merge_small_groups(voters)
    groups = tally.group_voters(voters, mapping)
    # Totals conserved; every shown group has at least 3 voters, unless "others" is all there is.
    assert sum(groups.values()) == sum(voters.values())
    for group, n in groups.items():
        if group != tally.OTHERS or len(groups) > 1:
            assert n >= tally.MIN_COLLEGE_VOTERS
    # A college with enough voters is only merged when that is needed to hide a small one.
    for college, n in voters.items():
        if n >= tally.MIN_COLLEGE_VOTERS and mapping.get(college) == tally.OTHERS:
            assert any(0 < voters[c] < tally.MIN_COLLEGE_VOTERS for c in voters)


@given(st.dictionaries(colleges, st.dictionaries(st.sampled_from("abc"), st.integers(0, 9))))
def test_merge_by_group_conserves_counts(rows):
    voters = {college: random.randint(0, 6) for college in rows}
    mapping = tally.merge_small_groups(voters)
    merged = tally.merge_by_group(rows, mapping)
    for option in "abc":
        shown = sum(rows[c].get(option, 0) for c in rows if c in mapping)
        assert sum(g.get(option, 0) for g in merged.values()) == shown


def test_two_small_colleges_and_a_big_one():
    mapping = tally.merge_small_groups({"citizens": 10, "elected": 1, "enterprises": 2})
    assert mapping == {"citizens": "citizens", "elected": "others", "enterprises": "others"}
    # One voter alone in "others" could be read as total minus citizens: enterprises joins.
    mapping = tally.merge_small_groups({"citizens": 10, "elected": 1, "enterprises": 4})
    assert mapping["elected"] == mapping["enterprises"] == "others"
    assert mapping["citizens"] == "citizens"


# --- Word cloud -------------------------------------------------------------


def test_normalise_words_case_folds_keeps_accents_drops_stop_words():
    assert tally.normalise_words("L'Industrie et l’ÉNERGIE, de l'énergie !") == [
        "industrie",
        "énergie",
    ]
    assert tally.normalise_words("Écoles ecoles") == ["écoles", "ecoles"]
    assert tally.normalise_words("le la les 42") == []
    assert tally.normalise_words("vélo-école") == ["vélo-école"]


@given(st.text(max_size=80))
def test_normalise_words_is_idempotent_and_free_of_stop_words(text):
    words = tally.normalise_words(text)
    assert len(words) == len(set(words))
    for word in words:
        assert word not in tally.FRENCH_STOP_WORDS
        assert word == word.casefold()
        assert tally.normalise_words(word) == [word]


@given(st.dictionaries(st.text(min_size=1, max_size=6), st.integers(0, 100)))
def test_word_cloud_weights_and_order(counts):
    cloud = tally.word_cloud(counts)
    assume(cloud)
    assert all(1 <= w.weight <= 5 for w in cloud)
    assert all(a.count >= b.count for a, b in zip(cloud, cloud[1:], strict=False))
    assert cloud[0].count == max(counts.values())
