"""Debounced per-project regeneration and the notify_change hook."""

from __future__ import annotations

import threading

import mirror_fixture as fx
import pytest

from atocore.mirror import scheduler as sched
from atocore.mirror.scheduler import MirrorScheduler, notify_change


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def calls():
    return []


@pytest.fixture
def make(calls):
    clock = FakeClock()

    def build(**kw):
        kw.setdefault("render", lambda project, trigger: calls.append((project, trigger)))
        kw.setdefault("projects", lambda: ["p-a", "p-b"])
        s = MirrorScheduler(30.0, clock=clock, **kw)
        s.clock = clock
        return s

    return build


def test_requests_inside_the_window_coalesce(make, calls, registry):
    registry(fx.REGISTRY)
    s = make()
    s.request("p05")
    s.clock.t += 10
    s.request("interferometer")  # alias: same project, same pending slot
    s.request("p05-interferometer")
    assert s.flush() == []  # not due yet (window counts from the first request)
    s.clock.t += 20
    assert s.flush() == [fx.PROJECT]
    assert calls == [(fx.PROJECT, "scheduled")]
    assert s.flush() == []  # one render per burst
    s.request("p05")
    s.clock.t += 30
    s.flush()
    assert len(calls) == 2


def test_projects_are_debounced_independently(make, calls):
    s = make()
    s.request("p-a")
    s.clock.t += 20
    s.request("p-b")
    s.clock.t += 10
    assert s.flush() == ["p-a"]
    assert set(s.pending()) == {"p-b"}
    s.clock.t += 20
    assert s.flush() == ["p-b"]


def test_failure_is_logged_and_does_not_stop_other_projects(make, calls, caplog):
    def render(project, trigger):
        if project == "p-a":
            raise RuntimeError("boom")
        calls.append(project)

    s = make(render=render)
    s.request("p-a")
    s.request("p-b")
    s.clock.t += 30
    with caplog.at_level("WARNING"):
        assert s.flush() == ["p-b"]
    assert s.failures == 1
    assert "boom" in caplog.text


def test_periodic_refresh_renders_every_project(make, calls):
    s = make(refresh_s=86400.0)
    assert s.flush() == []
    s.clock.t += 86400
    assert sorted(s.flush()) == ["p-a", "p-b"]
    assert s.flush() == []


def test_notify_change_is_a_noop_without_a_scheduler():
    assert sched.current() is None
    notify_change("p05")  # nothing to queue, nothing raised


def test_background_thread_renders_and_stop_unregisters(calls):
    done = threading.Event()

    def render(project, trigger):
        calls.append(project)
        done.set()

    s = MirrorScheduler(0.0, render=render, projects=lambda: [])
    s.start()
    try:
        assert sched.current() is s
        notify_change("p-x")
        assert done.wait(10), "the background thread never rendered"
    finally:
        s.stop()
    assert calls == ["p-x"]
    assert sched.current() is None


def test_stop_flushes_pending_requests(calls):
    s = MirrorScheduler(3600.0, render=lambda p, t: calls.append(p), projects=lambda: [])
    s.start()
    notify_change("p-late")
    s.stop()
    assert calls == ["p-late"]


def test_default_render_writes_pages(mirror_project, data_dir):
    s = MirrorScheduler(0.0, projects=lambda: [])
    s.request("p05")
    assert s.flush() == [fx.PROJECT]
    assert (data_dir / "mirror" / fx.PROJECT / "overview.md").exists()


def test_negative_debounce_is_refused():
    with pytest.raises(ValueError):
        MirrorScheduler(-1)
