"""Retention policy: daily 7, Sunday weekly 4, 1st-of-month monthly 6; cleanup CLI."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from atocore.config import get_settings
from atocore.ops.retention import cleanup_snapshots, parse_stamp, plan_retention


def stamp(day: date, hour: int = 3) -> str:
    return datetime(day.year, day.month, day.day, hour).strftime("%Y%m%dT%H%M%SZ")


def days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


def test_parse_stamp():
    assert parse_stamp("20260409T060000Z").isoformat() == "2026-04-09T06:00:00+00:00"
    for bad in ("20260409T060000", "2026-04-09", "20261301T000000Z", "x" * 16, "notes"):
        assert parse_stamp(bad) is None


def test_daily_keeps_newest_per_day_for_seven_days():
    # Mon 2026-03-09 .. Sat 2026-03-14 plus Mon 2026-03-16 .. Tue 03-17: no Sunday, no 1st.
    span = [d for d in days(date(2026, 3, 9), 9) if d.weekday() != 6]
    names = [stamp(d, h) for d in span for h in (3, 15)]
    plan = plan_retention(names)
    newest_days = span[-7:]
    assert sorted(plan.keep) == [stamp(d, 15) for d in newest_days]
    assert all(reasons == ["daily"] for reasons in plan.keep.values())
    assert sorted(plan.delete) == sorted(set(names) - set(plan.keep))
    assert stamp(span[-1], 3) in plan.delete  # older snapshot of a kept day


def test_daily_counts_days_with_snapshots_not_calendar_age():
    """A machine that stopped backing up a while ago keeps its last 7 days."""
    names = [stamp(d) for d in days(date(2025, 6, 10), 9)]  # 2025-06-10..18, no 1st
    plan = plan_retention(names)
    daily = [s for s, reasons in plan.keep.items() if "daily" in reasons]
    assert sorted(daily) == names[-7:]


def test_sunday_weekly_keeps_four_most_recent_sundays():
    sundays = [date(2026, 1, 4) + timedelta(weeks=i) for i in range(8)]  # Jan 4 .. Feb 22
    recent = days(date(2026, 3, 2), 7)  # Mon Mar 2 .. Sun Mar 8: fills the daily slots
    names = [stamp(d) for d in sundays] + [stamp(d) for d in recent]
    plan = plan_retention(names)
    weekly = sorted(s for s, reasons in plan.keep.items() if "weekly" in reasons)
    # Mar 8 is the newest Sunday, then Feb 22, Feb 15, Feb 8.
    assert weekly == sorted([stamp(date(2026, 3, 8))] + [stamp(d) for d in sundays[-3:]])
    assert plan.keep[stamp(date(2026, 3, 8))] == ["daily", "weekly"]
    # Feb 1 is a Sunday *and* a 1st: kept as monthly, not weekly.
    assert plan.keep[stamp(date(2026, 2, 1))] == ["monthly"]
    deleted = {stamp(d) for d in sundays[:4]} - {stamp(date(2026, 2, 1))}
    assert deleted <= set(plan.delete)


def test_newest_snapshot_of_a_sunday_is_the_weekly_one():
    sunday = date(2026, 3, 8)
    names = [stamp(sunday, 1), stamp(sunday, 23)] + [stamp(d) for d in days(date(2026, 3, 9), 7)]
    plan = plan_retention(names)
    assert stamp(sunday, 23) in plan.keep and plan.keep[stamp(sunday, 23)] == ["weekly"]
    assert stamp(sunday, 1) in plan.delete


def test_first_of_month_keeps_six_months():
    firsts = [date(2025, m, 1) for m in range(3, 13)]  # Mar .. Dec 2025 (10 months)
    filler = days(date(2026, 1, 12), 7)  # Mon..Sun: daily slots, one Sunday
    names = [stamp(d, 6) for d in firsts] + [stamp(d) for d in filler]
    plan = plan_retention(names)
    monthly = sorted(s for s, reasons in plan.keep.items() if "monthly" in reasons)
    assert monthly == [stamp(d, 6) for d in firsts[-6:]]
    # Mar, Apr, May go; Sunday 2025-06-01 survives as one of the 4 newest Sundays.
    assert {stamp(d, 6) for d in firsts[:3]} <= set(plan.delete)
    assert plan.keep[stamp(date(2025, 6, 1), 6)] == ["weekly"]


def test_unparseable_names_are_listed_and_kept():
    names = ["notes", "20260101T000000Z.partial", "manual-2026", stamp(date(2026, 3, 3))]
    plan = plan_retention(names)
    assert sorted(plan.unparseable) == ["20260101T000000Z.partial", "manual-2026", "notes"]
    assert plan.delete == []


def _make(root, names):
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "marker").write_text(name)


def test_cleanup_is_dry_run_unless_confirmed(tmp_path):
    root = tmp_path / "snaps"
    names = [stamp(d) for d in days(date(2025, 6, 10), 9)] + ["hand-made"]
    _make(root, names)
    (root / "loose-file.txt").write_text("x")
    dry = cleanup_snapshots(root)
    assert dry["dry_run"] is True and dry["deleted"] == []
    assert sorted(dry["delete"]) == names[:2]
    assert sorted(p.name for p in root.iterdir()) == sorted([*names, "loose-file.txt"])

    done = cleanup_snapshots(root, confirm=True)
    assert sorted(done["deleted"]) == names[:2]
    left = sorted(p.name for p in root.iterdir())
    assert left == sorted([*names[2:], "loose-file.txt"])
    assert done["unparseable"] == ["hand-made"]
    assert cleanup_snapshots(root, confirm=True)["deleted"] == []


def test_cleanup_of_missing_root_is_empty(tmp_path):
    result = cleanup_snapshots(tmp_path / "nope", confirm=True)
    assert result["keep"] == [] and result["delete"] == [] and result["errors"] == []


def test_cli_cleanup(cli, data_dir):
    root = get_settings().backups_dir
    names = [stamp(d) for d in days(date(2025, 6, 10), 9)] + ["keep-me"]
    _make(root, names)
    dry = cli.json("backup", "cleanup")
    assert dry["dry_run"] is True and len(dry["delete"]) == 2
    assert dry["unparseable"] == ["keep-me"]
    assert {k["stamp"] for k in dry["keep"]} == set(names[2:9])
    human = cli("backup", "cleanup")
    assert human.exit_code == 0 and "would delete 2" in human.output and "keep-me" in human.output
    done = cli.json("backup", "cleanup", "--confirm")
    assert sorted(done["deleted"]) == names[:2]
    assert not (root / names[0]).exists() and (root / "keep-me").is_dir()
