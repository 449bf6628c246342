"""The analysis on arrays: groups, who is in, stability, statistics, consensus, colleges."""

from __future__ import annotations

import numpy as np
import pytest

from opinions import analysis as A
from opinions.selectors import merge_colleges


def two_camps(n_per_camp=30, n_statements=20, seed=1, missing=0.2):
    """Two camps that vote opposite ways on the first half, agree on the second half."""
    rng = np.random.default_rng(seed)
    votes = []
    for p in range(2 * n_per_camp):
        camp = 1 if p < n_per_camp else -1
        for s in range(n_statements):
            if rng.random() < missing:
                continue
            lean = camp if s < n_statements // 2 else 1
            value = lean if rng.random() < 0.9 else -lean
            votes.append((p, s, value))
    truth = [0 if p < n_per_camp else 1 for p in range(2 * n_per_camp)]
    return votes, truth


def groups_of(result):
    return {p: g["id"] for g in result["groups"] for p in g["members"]}


def test_two_camps_are_found_and_their_common_ground_is_consensus():
    votes, truth = two_camps()
    result, state = A.analyse(A.VoteMatrix.from_votes(votes))
    assert result["k"] == 2
    ours = groups_of(result)
    # 10 % of votes go against the camp: one or two people may sit on the fence.
    assert A.adjusted_rand_index(truth, [ours[p] for p in range(60)]) >= 0.9
    # The second half is agreed by both camps; the first half divides them.
    assert set(result["consensus"]["agree"]) >= set(range(12, 20))
    assert not set(result["consensus"]["agree"]) & set(range(10))
    # Representative statements come from the dividing half (Pol.is puts the group's
    # most agreed statement first, whatever its repness: it may be common ground).
    for reps in result["representative"].values():
        assert reps and all(r["statement"] < 10 for r in reps if not r.get("best_agree"))


def test_stable_between_updates():
    votes, truth = two_camps()
    first, state = A.analyse(A.VoteMatrix.from_votes(votes))
    again, _ = A.analyse(A.VoteMatrix.from_votes(votes), state=state)
    assert groups_of(again) == groups_of(first)
    # More votes, and a third camp of newcomers that sides with camp 0 (made the
    # larger group): each camp keeps its group id.
    more, _ = two_camps(seed=2)
    seen = {(a, b) for a, b, _ in votes}
    extra = [(p, s, v) for p, s, v in more if (p, s) not in seen]
    newcomers = [(100 + p, s, v) for p, s, v in more if p < 30]
    second, state2 = A.analyse(A.VoteMatrix.from_votes(votes + extra + newcomers), state=state)
    before, after = groups_of(first), groups_of(second)
    for camp in (range(0, 30), range(30, 60)):
        ids_before = [before[p] for p in camp]
        ids_after = [after[p] for p in camp]
        assert max(set(ids_after), key=ids_after.count) == max(
            set(ids_before), key=ids_before.count
        )
    assert state2["k_smoother"]["smoothed_k"] == 2


def test_k_changes_only_after_winning_four_updates_running():
    smoother = None
    for _ in range(3):
        smoother = A._smooth_k({2: 0.1, 3: 0.5}, smoother or {"last_k": 2, "smoothed_k": 2})
        assert smoother["smoothed_k"] == 2 or smoother["last_k_count"] >= A.K_BUFFER
    smoother = A._smooth_k({2: 0.1, 3: 0.5}, smoother)
    assert smoother["smoothed_k"] == 3


def test_participants_need_seven_votes_or_all_statements_when_fewer():
    # 20 people; 16 voted on 7 statements, 4 on 2: the 4 stay out (15 are enough).
    votes = [(p, s, 1 if (p + s) % 2 else -1) for p in range(16) for s in range(7)]
    votes += [(p, s, 1) for p in range(16, 20) for s in range(2)]
    result, state = A.analyse(A.VoteMatrix.from_votes(votes))
    assert result["n_in_conversation"] == 16
    assert {pt["participant"] for pt in result["points"]} == set(range(16))
    # A conversation of 3 statements: voting on all 3 is enough.
    small = [(p, s, 1 if p % 2 else -1) for p in range(16) for s in range(3)]
    result, _ = A.analyse(A.VoteMatrix.from_votes(small))
    assert result["n_in_conversation"] == 16
    # Once in, always in (even if the rule would now leave them out).
    assert set(state["in_conv"]) == set(range(16))


def test_projection_pushes_sparse_voters_out():
    values = np.array([[1.0, np.nan, np.nan, np.nan], [1.0, 1.0, 1.0, 1.0]])
    center = np.zeros(4)
    comps = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]])
    projected = A.sparsity_aware_projection(values, center, comps)
    assert projected[0, 0] == pytest.approx(2.0)  # sqrt(4 / 1)
    assert projected[1, 0] == pytest.approx(1.0)


def test_statistics_are_polis_z_tests():
    assert A.prop_test(9, 10) == pytest.approx(2 * np.sqrt(11) * (10 / 11 - 0.5))
    z = A.two_prop_test(8, 2, 10, 10)
    p1, p2, pooled = 9 / 11, 3 / 11, 12 / 22
    assert z == pytest.approx((p1 - p2) / np.sqrt(pooled * (1 - pooled) * (2 / 11)))


def test_group_informed_consensus_is_the_product_over_groups():
    votes, _ = two_camps()
    result, _ = A.analyse(A.VoteMatrix.from_votes(votes))
    row = result["statements"][15]
    expected = 1.0
    for cell in row["groups"].values():
        expected *= (cell["agree"] + 1) / (cell["voters"] + 2)
    assert row["consensus_agree"] == pytest.approx(expected, abs=1e-4)


def test_by_college_merges_small_colleges_never_alone_and_finds_what_unites():
    votes, _ = two_camps()
    # Colleges: 40 citizens, 16 firms, 2 elected, 2 experts -> elected and experts
    # merged into "others" (4 voters); no college of fewer than 3 is shown.
    colleges = {}
    for p in range(60):
        colleges[p] = "citizens" if p % 3 else "enterprises"
    colleges[0], colleges[30] = "elected", "elected"
    colleges[1], colleges[31] = "civil_society", "civil_society"
    result, _ = A.analyse(
        A.VoteMatrix.from_votes(votes), colleges=colleges, merge_colleges=merge_colleges
    )
    shown = {c["id"]: c["voters"] for c in result["by_college"]["colleges"]}
    assert "elected" not in shown and "civil_society" not in shown
    assert shown["others"] == 4
    assert all(n >= 3 for n in shown.values())
    # A single small college is never shown alone: it takes the smallest shown one along.
    colleges_one_small = {
        p: ("elected" if p == 0 else "citizens" if p % 2 else "enterprises") for p in range(60)
    }
    result_one, _ = A.analyse(
        A.VoteMatrix.from_votes(votes), colleges=colleges_one_small, merge_colleges=merge_colleges
    )
    shown_one = {c["id"]: c["voters"] for c in result_one["by_college"]["colleges"]}
    assert "elected" not in shown_one and all(n >= 3 for n in shown_one.values())
    # What unites: agreed by every opinion group and every shown college.
    assert result["unites"]
    for sid in result["unites"]:
        assert sid in result["consensus"]["agree"]
        for cell in result["by_college"]["statements"][sid].values():
            assert 2 * cell["agree"] > cell["voters"]


def test_hidden_statements_weigh_nothing_and_are_never_shown():
    votes, _ = two_camps()
    matrix = A.VoteMatrix.from_votes(votes, hidden={15})
    result, _ = A.analyse(matrix)
    assert 15 not in result["statements"]
    assert 15 not in result["consensus"]["agree"]
    assert all(r["statement"] != 15 for reps in result["representative"].values() for r in reps)


def test_empty_and_tiny_conversations_do_not_fail():
    result, _ = A.analyse(A.VoteMatrix.from_votes([]))
    assert result["groups"] == [] and result["consensus"] == {"agree": [], "disagree": []}
    result, _ = A.analyse(A.VoteMatrix.from_votes([(1, 1, 1), (2, 1, 1)]))
    assert result["groups"] == []
