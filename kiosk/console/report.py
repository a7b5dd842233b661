"""The supervisor's daily report: sessions per outcome and per reason code per day, the review
backlog and the time to review. Plain numbers here; ``ui/console/report.py`` plots them."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from storage.records import OUTCOMES
from storage.review_queries import SessionQuery
from storage.store import Storage


@dataclass(frozen=True)
class ReportData:
    """Counts per day (UTC) over ``days``, the backlog now and review times in the window."""

    days: tuple[dt.date, ...]
    per_outcome: dict[str, tuple[int, ...]]  # outcome -> count per day
    per_reason: dict[str, tuple[int, ...]]  # reason code -> count per day (most frequent first)
    backlog: int  # sessions waiting for review now
    oldest_waiting: dt.datetime | None
    review_hours: tuple[float, ...]  # decision to first verdict, hours, for reviews in the window
    reviews_per_day: tuple[int, ...]

    @property
    def median_review_hours(self) -> float | None:
        """Median time to review in the window (None without reviews)."""
        if not self.review_hours:
            return None
        s = sorted(self.review_hours)
        mid = len(s) // 2
        return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def daily_report(st: Storage, last_day: dt.date, days: int = 14) -> ReportData:
    """The report for the ``days`` UTC days ending with ``last_day``."""
    first = last_day - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), dt.timezone.utc)
    until = dt.datetime.combine(last_day, dt.time(), dt.timezone.utc) + dt.timedelta(days=1)
    day_list = tuple(first + dt.timedelta(days=i) for i in range(days))
    index = {d: i for i, d in enumerate(day_list)}
    outcome = {o: [0] * days for o in OUTCOMES}
    reason: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    totals: Counter[str] = Counter()
    for at, out, reasons, _state in st.queries.decisions_between(since, until):
        i = index[at.date()]
        outcome.setdefault(out, [0] * days)[i] += 1
        for code in reasons:
            reason[code][i] += 1
            totals[code] += 1
    hours, per_day = [], [0] * days
    seen: set[str] = set()
    for r in sorted(st.queries.reviews(since=since, limit=100000), key=lambda r: r.reviewed_at):
        if r.reviewed_at >= until or r.verdict == "reopen" or r.session_id in seen:
            continue
        seen.add(r.session_id)  # time to the first verdict
        hours.append((r.reviewed_at - r.decided_at).total_seconds() / 3600)
        per_day[index[r.reviewed_at.date()]] += 1
    pending = SessionQuery(review_state="pending")
    oldest = st.queries.page(pending, limit=1, oldest_first=True)
    return ReportData(day_list, {k: tuple(v) for k, v in outcome.items()},
                      {k: tuple(reason[k]) for k, _ in totals.most_common()},
                      st.queries.count(pending), oldest[0].decided_at if oldest else None,
                      tuple(hours), tuple(per_day))
