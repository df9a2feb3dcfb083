"""Wrong admin PINs: a growing delay after 3, a 5-minute lockout after 10, a line for staff."""

from __future__ import annotations

import itertools

from index.ops import adminpin
from index.ops.adminpin import LOCK_AFTER, LOCK_S, PinGuard
from index.sync.status import _admin_pin, read_pin_state, summary_text, write_pin_state


class Clock:
    def __init__(self) -> None:
        self.t = 5000.0

    def __call__(self) -> float:
        return self.t


def test_delay_grows_after_three_wrong_pins_then_locks_for_five_minutes():
    clock = Clock()
    guard = PinGuard(clock, wall=clock)
    for _ in range(adminpin.FREE_TRIES - 1):
        guard.failed()
        assert guard.wait_s() == 0, "the first wrong PINs cost nothing"
    waits = []
    for _ in range(adminpin.FREE_TRIES - 1, LOCK_AFTER - 1):
        guard.failed()
        waits.append(guard.wait_s())
        assert not guard.locked()
        clock.t += guard.wait_s()
        assert guard.wait_s() == 0
    assert waits[0] == adminpin.FIRST_DELAY_S
    assert all(b >= a for a, b in itertools.pairwise(waits)) and waits[-1] > waits[0], waits
    assert max(waits) <= adminpin.MAX_DELAY_S
    guard.failed()  # the 10th
    assert guard.locked() and guard.wait_s() == LOCK_S
    clock.t += LOCK_S - 1
    assert guard.locked()
    clock.t += 1
    assert not guard.locked() and guard.wait_s() == 0
    guard.failed()
    assert guard.locked(), "one more wrong PIN after a lockout locks again"
    clock.t += LOCK_S
    guard.succeeded()
    assert guard.failures == 0 and guard.wait_s() == 0


def test_the_record_reaches_the_status_summary(tmp_path):
    clock = Clock()
    records = []
    guard = PinGuard(clock, wall=clock, on_change=records.append)
    for _ in range(LOCK_AFTER):
        guard.failed()
    assert len(records) == LOCK_AFTER and records[-1]["locked_until"] == clock.t + LOCK_S
    write_pin_state(tmp_path, records[-1])
    assert read_pin_state(tmp_path) == records[-1]
    pin = _admin_pin(tmp_path, clock.t)
    assert pin is not None and pin["failures_in_row"] == LOCK_AFTER and pin["locked_until"]
    status = {"terminal_id": "t1", "location": "大厅", "written_at": "2026-01-01T08:00:00Z", "last_sync_at": None,
              "public_documents": 3, "pending_count": 0, "rejected_count": 0, "pending": [], "rejected": [],
              "admin_pin": pin}
    text = summary_text(status)
    assert f"管理密码已连续输错 {LOCK_AFTER} 次" in text and "锁定至" in text
    # Five minutes later the lock is over; the count of wrong PINs is still reported.
    later = _admin_pin(tmp_path, clock.t + LOCK_S + 1)
    assert later is not None and later["locked_until"] is None
    assert "连续输错" in summary_text({**status, "admin_pin": later})
    guard.succeeded()
    write_pin_state(tmp_path, records[-1])
    assert _admin_pin(tmp_path, clock.t) is None, "a right PIN clears the record"
