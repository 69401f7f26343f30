import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from numerics.backend import module_named
from numerics.lanes import lanes, pieces_of, side_by_side


def blas_threads():
    return [library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"]


@pytest.mark.parametrize("count", [1, 2, 3, 4])
@pytest.mark.parametrize("N", [0, 1, 2, 3, 7, 8])
def test_pieces_cover_the_batch_in_order_in_nearly_equal_runs(N, count):
    batch = np.arange(N * 2).reshape(N, 2)
    pieces = pieces_of(batch, count)
    assert len(pieces) == min(N, count)
    assert all(len(piece) > 0 for piece in pieces)
    if pieces:
        assert max(map(len, pieces)) - min(map(len, pieces)) <= 1
        np.testing.assert_array_equal(np.concatenate(pieces), batch)


def test_lanes_follow_the_blas_threads_on_the_host_and_are_one_on_a_device():
    with threadpool_limits(1, user_api="blas"):
        assert lanes(np) == 1
    with threadpool_limits(2, user_api="blas"):
        assert lanes(np) == max(blas_threads()) == 2
        assert lanes(module_named("strict")) == 1


def test_pieces_run_at_the_same_time_each_with_one_blas_thread():
    all_running = threading.Barrier(3, timeout=10)  # passed only by three pieces running at once
    seen = []

    def work(piece):
        seen.append(blas_threads())
        all_running.wait()
        return piece * 10

    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        results = side_by_side(work, [np.arange(2), np.arange(2, 5), np.arange(5, 6)])
        assert blas_threads() == before  # given back afterwards
    assert [r.tolist() for r in results] == [[0, 10], [20, 30, 40], [50]]
    assert len(seen) == 3 and all(threads == [1] * len(threads) for threads in seen)


@pytest.mark.parametrize("failing", [0, 1])
def test_an_error_in_any_piece_is_raised_after_all_finish_with_the_threads_given_back(failing):
    finished = []

    def work(piece):
        if piece == failing:
            raise ArithmeticError(f"piece {piece}")
        threading.Event().wait(0.05)  # still running when the other piece fails
        finished.append(piece)
        return piece

    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        with pytest.raises(ArithmeticError, match=f"piece {failing}"):
            side_by_side(work, [0, 1])
        assert finished == [1 - failing]
        assert blas_threads() == before


def test_a_thread_that_may_not_set_the_blas_threads_runs_the_pieces_one_after_another():
    # threadpoolctl lets the first thread to set them keep them until it is done: here the main one.
    seen = []

    def work(piece):
        seen.append((threading.get_ident(), blas_threads()))
        return piece + 1

    results = []
    caller = threading.Thread(target=lambda: results.extend(side_by_side(work, [0, 1, 2])))
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        caller.start()
        caller.join()
        assert blas_threads() == before
    assert results == [1, 2, 3]
    assert {ident for ident, _ in seen} == {caller.ident}
    assert all(threads == before for _, threads in seen)


def test_callers_in_several_threads_take_turns_and_leave_the_threads_as_they_were():
    def work(piece):
        threading.Event().wait(0.01)
        return blas_threads()

    before = blas_threads()
    seen = []
    callers = [threading.Thread(target=lambda: seen.extend(side_by_side(work, [0, 1]))) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert blas_threads() == before
    assert len(seen) == 8
    # Each caller ran its pieces side by side on one BLAS thread, or (if some other thread of
    # this test process holds the setting) one after another on the threads as they were.
    assert all(threads in ([1] * len(threads), before) for threads in seen), seen
