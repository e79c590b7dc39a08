"""Which alerts an ingested article raises for which team, and why. Pure: plain data in, plain data out.

An alert goes to a team only when the article matches one of the team's keywords and the team takes that kind.
Each alert carries a `payload` with everything a sink needs to render it later (the outbox is self-contained),
and a `dedupe_key` (channel, kind, cluster or article) that makes writing it twice a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.claims import ClaimDraft, format_number
from bot.core.keywords import KeywordSet
from bot.core.matching import Status
from bot.core.records import TeamRow, WatchRow
from bot.core.render import human_time


@dataclass(frozen=True)
class ArticleInfo:
    id: int
    title: str
    source: str
    url: str | None
    published: str | None
    summary: str
    body: str


@dataclass(frozen=True)
class TeamWatch:
    id: int
    name: str
    channel: str
    kinds: frozenset[str]
    keywords: KeywordSet


@dataclass(frozen=True)
class ClaimOutcome:
    """What storing one claim meant for its cluster.

    new: founded the cluster; corroborated: joined it from another article with the same value or statement;
    conflicting: the same measured thing with another value; repeat: the same article said it again."""

    claim: ClaimDraft
    cluster_id: int
    status: Status
    first_source: str | None = None
    first_title: str | None = None
    first_seen: str | None = None
    conflicting_value: float | None = None  # conflicting: the value reported first …
    conflicting_source: str | None = None  # … and by whom
    earlier: tuple[
        tuple[float, str], ...
    ] = ()  # conflicting: every value reported before and its first source


@dataclass(frozen=True)
class AlertDraft:
    team_id: int
    channel: str
    kind: str
    cluster_id: int | None
    dedupe_key: str
    payload: dict[str, Any]


def _article_payload(a: ArticleInfo) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "source": a.source, "url": a.url, "published": a.published}


def _claim_payload(c: ClaimDraft) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "text": c.text,
        "label": c.label,
        "speaker": c.speaker,
        "direct": c.direct,  # False: reported speech, never shown in quotation marks
        "subject": c.subject,
        "counted": c.counted,
        "value": c.value,
        "unit": c.unit,
        "context": c.context,
    }


def decide_alerts(
    article: ArticleInfo, outcomes: Sequence[ClaimOutcome], teams: Sequence[TeamWatch]
) -> list[AlertDraft]:
    drafts: list[AlertDraft] = []
    for team in teams:
        keyword = team.keywords.first_match(article.title, article.summary, article.body)
        if keyword is None:
            continue
        matched = f"matches your keyword “{keyword}”"

        def add(
            kind: str,
            cluster_id: int | None,
            why: str,
            claim: dict[str, Any] | None,
            team: TeamWatch = team,
            ref: str | None = None,
        ) -> None:
            ref = ref or (f"c{cluster_id}" if cluster_id is not None else f"a{article.id}")
            drafts.append(
                AlertDraft(
                    team_id=team.id,
                    channel=team.channel,
                    kind=kind,
                    cluster_id=cluster_id,
                    dedupe_key=f"{team.channel}|{kind}|{ref}",
                    payload={
                        "kind": kind,
                        "team": team.name,
                        "channel": team.channel,
                        "article": _article_payload(article),
                        "claim": claim,
                        "summary": article.summary if kind == "summary" else None,
                        "why": why,
                    },
                )
            )

        if "summary" in team.kinds:
            add("summary", None, f"new article that {matched}", None)
        for o in outcomes:
            c = o.claim
            if o.status == "new":
                kind = "new_figure" if c.kind == "figure" else "new_quote"
                first = "figure" if c.kind == "figure" else f"quote from {c.speaker}"
                why = f"article {matched}; first report of this {first}"
            elif o.status == "corroborated":
                kind = "corroboration"
                why = (
                    f"article {matched}; confirms what {o.first_source} reported first "
                    f"({human_time(o.first_seen)})"
                )
            elif o.status == "conflicting" and o.conflicting_value is not None and c.value is not None:
                if "conflicting_figure" in team.kinds:
                    way = "up" if c.value > o.conflicting_value else "down"
                    payload = _claim_payload(c) | {
                        "conflicts_with": {
                            "value": o.conflicting_value,
                            "source": o.conflicting_source,
                            "direction": way,
                        },
                        "earlier": [{"value": v, "source": s} for v, s in o.earlier],
                    }
                    what = c.data.get("measure") or c.counted or "figure"
                    why = (
                        f"article {matched}; {what} now {format_number(c.value)} in {article.source}, {way} from "
                        f"{format_number(o.conflicting_value)} reported by {o.conflicting_source}"
                    )
                    # one alert per cluster and value: a third outlet with a third value is news again
                    add("conflicting_figure", o.cluster_id, why, payload, ref=f"c{o.cluster_id}v{c.value:g}")
                continue
            else:
                continue
            if kind in team.kinds:
                add(kind, o.cluster_id, why, _claim_payload(c))
    return drafts


def team_routes(teams: Sequence[TeamRow], watches: Sequence[WatchRow]) -> list[TeamWatch]:
    """One route per team and channel: the keywords that alert there (a watch may name its own channel), with the
    team's exclusions applying to every channel of the team. `watches` in the order they were added."""
    routes: list[TeamWatch] = []
    for t in teams:
        mine = [w for w in watches if w.team_id == t.id]
        excluded = [w.keyword for w in mine if w.keyword.startswith("-")]
        by_channel: dict[str, list[str]] = {}
        for w in mine:
            if not w.keyword.startswith("-"):
                by_channel.setdefault(w.channel or t.channel, []).append(w.keyword)
        for channel, keywords in by_channel.items():
            routes.append(
                TeamWatch(
                    id=t.id,
                    name=t.name,
                    channel=channel,
                    kinds=frozenset(t.kinds),
                    keywords=KeywordSet.of([*keywords, *excluded]),
                )
            )
    return routes
