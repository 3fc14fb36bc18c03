"""Build one source record (a ticket, a review, a call...) from a volume `Spec`.

Each builder returns a `Rec`: the record payload (everything but its id, which is assigned once
all records of a source are sorted by time) and its `Part`s: the addressable pieces of text with
who said them and, for customer parts, the composed `Message` with its labels and PII.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import vocab
from .accounts import DemoAccount, ts
from .incidents import Releases, Spec
from .people import Human, Population, name_variant
from .score_effects import default_effects, shifted
from .text import Composer, Context, Message, Style

SUBTHEME_WEIGHTS = {
    "sync-failure": 6, "crash": 5, "outage": 2, "data-loss": 2, "slow-load": 6, "slow-search": 3,
    "double-charge": 1.5, "invoice-error": 3, "refund-request": 2.5, "pricing": 5, "login-sso": 4,
    "password-reset": 3, "permissions": 3, "api": 3, "crm-integration": 2.5, "chat-integration": 2,
    "navigation": 4, "mobile-app": 4, "onboarding": 3, "reporting-export": 5, "automation": 4, "offline-mode": 2,
    "response-time": 2, "support-quality": 3, "praise": 8, "churn-intent": 2,
}
SOURCE_MULT = {
    "zendesk": {"praise": 0.15, "support-quality": 0.3, "reporting-export": 0.6, "automation": 0.5, "offline-mode": 0.5,
                "double-charge": 1.6, "invoice-error": 1.6, "refund-request": 1.6, "login-sso": 1.5,
                "password-reset": 1.5, "permissions": 1.5, "api": 1.4, "crm-integration": 1.4, "outage": 1.5,
                "data-loss": 1.5, "navigation": 0.6, "churn-intent": 0.6},
    "appstore": {"praise": 3.0, "mobile-app": 3.0, "crash": 2.0, "sync-failure": 1.2, "slow-load": 1.3,
                 "double-charge": 0.5, "invoice-error": 0.1, "refund-request": 0.5, "api": 0.05,
                 "crm-integration": 0.1, "permissions": 0.3, "onboarding": 0.5, "offline-mode": 1.5,
                 "churn-intent": 0.6, "password-reset": 0.6},
    "survey": {"praise": 3.0, "pricing": 1.5, "support-quality": 2.0, "response-time": 1.5, "onboarding": 1.2,
               "navigation": 1.2, "reporting-export": 1.2, "churn-intent": 1.5, "crash": 0.6, "outage": 0.5,
               "api": 0.4, "invoice-error": 0.4, "password-reset": 0.3},
    "calls": {"reporting-export": 1.5, "automation": 1.5, "pricing": 2.0, "churn-intent": 2.0,
              "crm-integration": 2.0, "api": 1.5, "onboarding": 1.5, "praise": 1.2, "password-reset": 0.2,
              "mobile-app": 0.6, "response-time": 1.2},
    "jsonl": {"api": 2.0, "automation": 2.0, "reporting-export": 2.0, "offline-mode": 1.5, "navigation": 1.3,
              "chat-integration": 1.5, "crm-integration": 1.3, "double-charge": 0.3, "invoice-error": 0.3,
              "refund-request": 0.3, "churn-intent": 0.4, "praise": 0.8, "password-reset": 0.5,
              "response-time": 0.3, "support-quality": 0.3},
    "csv": {"navigation": 1.5, "invoice-error": 1.2, "login-sso": 1.3, "password-reset": 1.5,
            "permissions": 1.2, "slow-load": 1.2, "praise": 0.8, "churn-intent": 0.5},
}
STYLES = {
    "zendesk": Style(details=(1, 3), greeting=0.55, signoff=0.45, casual=0.05, emoji=0.01, shout=0.02, hedge=0.2,
                     impact=0.25, pii=0.10, intent_bias={"bug": 1.5, "question": 1.2, "praise": 0.3}),
    "appstore": Style(details=(0, 2), casual=0.12, emoji=0.08, shout=0.04, hedge=0.2, impact=0.1, pii=0.035,
                      intent_bias={"praise": 1.5, "question": 0.3}),
    "survey": Style(details=(0, 1), casual=0.08, emoji=0.03, hedge=0.15, impact=0.05, pii=0.04,
                    intent_bias={"question": 0.3, "complaint": 1.5}),
    "calls": Style(details=(0, 1), casual=0.0, emoji=0.0, shout=0.0, hedge=0.1, impact=0.15, spoken=True, pii=0.05,
                   intent_bias={"feature_request": 1.5, "question": 0.5}),
    "jsonl": Style(details=(1, 2), greeting=0.3, signoff=0.3, casual=0.06, emoji=0.04, hedge=0.3, impact=0.1,
                   pii=0.07, intent_bias={"question": 2.5, "feature_request": 2.0}),
    "csv": Style(details=(0, 1), greeting=0.15, casual=0.12, emoji=0.05, shout=0.03, hedge=0.2, impact=0.15,
                 pii=0.07, intent_bias={"question": 2.0}),
}
FOLLOWUP_STYLE = Style(details=(0, 1), casual=0.06, emoji=0.02, hedge=0.15, impact=0.2, pii=0.05, context=0.0)
FOLLOWUP_OPENERS_BUG = ["Still happening.", "Tried that, no luck.", "That didn't help.", "Following up:",
                        "Update:", "Same problem today.", "Hi again,", "Sorry to chase,"]
FOLLOWUP_OPENERS_OTHER = ["Thanks for the reply.", "Follow-up question:", "One more thing:", "Ok, thanks.",
                          "Appreciate it."]
MULTI_TOPIC_RATE = 0.10
AGENT_ID0 = 17
BOT = {"id": 5, "name": "Answer Bot", "email": "answerbot@voxdemo.io", "role": "agent"}
LOCALES = ["en-US"] * 12 + ["en-GB"] * 3 + ["en-AU", "en-CA", "en-CA", "en-IN", "en-IE"]


@dataclass
class Part:
    key: str  # c<comment id> | t<turn index> | body
    role: str  # speaker_role of units.jsonl
    text: str
    msg: Message | None = None  # customer parts only
    cluster: str | None = None
    dup_group: str | None = None


@dataclass
class Rec:
    source: str
    created: datetime
    payload: dict
    parts: list[Part] = field(default_factory=list)
    rid: str = ""
    incident: str | None = None
    malformed: str | None = None
    dup_member: bool = False
    score_effect: dict | None = None  # survey responses: the planted score effect and what it changed


class RecordFactory:
    def __init__(self, rng: random.Random, composer: Composer, accounts: list[DemoAccount], pop: Population,
                 releases: Releases, end: datetime):
        self.rng = rng
        self.c = composer
        self.accounts = accounts
        self.pop = pop
        self.releases = releases
        self.end = end
        self.by_region: dict[str, list[DemoAccount]] = {}
        for a in accounts:
            if a.humans:
                self.by_region.setdefault(a.region, []).append(a)
        self.topic_weights = {src: ([t for t in SUBTHEME_WEIGHTS],
                                    [w * SOURCE_MULT[src].get(t, 1.0) for t, w in SUBTHEME_WEIGHTS.items()])
                              for src in SOURCE_MULT}
        self._nick_seq = 0
        self.score_effects = default_effects()

    # ------------------------------------------------------------ shared helpers

    def topics(self, source: str, first: str | None = None, multi_rate: float = MULTI_TOPIC_RATE) -> list[str]:
        rng = self.rng
        names, weights = self.topic_weights[source]
        first = first or rng.choices(names, weights=weights)[0]
        out = [first]
        if rng.random() < multi_rate:
            for _ in range(1 if rng.random() < 0.8 else 2):
                if rng.random() < 0.3 and "praise" not in out:
                    out.insert(0, "praise") if rng.random() < 0.6 else out.append("praise")
                    continue
                for _ in range(10):
                    t = rng.choices(names, weights=weights)[0]
                    if t not in out:
                        out.append(t)
                        break
        return out

    def account_for(self, spec: Spec, segment: str | None = None, share: float = 1.0) -> DemoAccount:
        rng = self.rng
        pool = self.by_region.get(spec.region or "NA") or [a for v in self.by_region.values() for a in v]
        if segment and rng.random() < share:
            pool = [a for a in pool if a.segment == segment] or \
                   [a for v in self.by_region.values() for a in v if a.segment == segment]
        return rng.choices(pool, weights=[len(a.humans) for a in pool])[0]

    def context(self, acc: DemoAccount | None, human: Human | None, email: str | None, when: datetime,
                version: str) -> Context:
        rng = self.rng
        colleague = None
        if acc is not None and len(acc.humans) > 1:
            other = rng.choice(acc.humans)
            if other is not human:
                colleague = other.emails[0]
        state = acc.state_at(when) if acc else {"plan": "free"}
        return Context(version=version, next_version=self.releases.next_after(version),
                       company=acc.name if acc else "my company", first=human.first if human else None,
                       full=human.full if human else None, email=email, colleague_email=colleague,
                       region=acc.region if acc else None, plan=state["plan"],
                       currency="€" if acc and acc.region == "EU" and acc.country != "GB" else
                       ("£" if acc and acc.country == "GB" else "$"))

    def version(self, spec: Spec) -> str:
        if spec.incident and "app_version" in spec.incident.filters:
            return spec.incident.filters["app_version"]
        return self.releases.version_for(self.rng, spec.created)

    def display_name(self, h: Human, p_variant: float = 0.1) -> str:
        name = h.full if self.rng.random() >= p_variant else name_variant(self.rng, h.first, h.last)
        return h.use_name(name)

    def pick_email(self, h: Human) -> str:
        r = self.rng.random()
        if len(h.emails) > 1 and r < 0.25:
            return self.rng.choice(h.emails[1:])
        return h.emails[0]

    def later(self, t: datetime, lo_h: float, hi_h: float) -> datetime:
        return t + timedelta(seconds=int(self.rng.uniform(lo_h, hi_h) * 3600))

    def account_spec(self, spec: Spec) -> tuple[DemoAccount, Human]:
        inc = spec.incident
        segment = inc.filters.get("segment") if inc else None
        acc = self.account_for(spec, segment, inc.segment_share if inc else 1.0)
        return acc, self.rng.choice(acc.humans)

    # ------------------------------------------------------------ zendesk tickets

    def ticket(self, spec: Spec) -> Rec:
        rng = self.rng
        acc, human = self.account_spec(spec)
        human_seen(human)
        when = spec.created
        version = self.version(spec)
        shared = human.shared_inbox if (human.shared_inbox and rng.random() < 0.25) else None
        email = shared.email if shared else self.pick_email(human)
        req_name = shared.name if shared else self.display_name(human)
        agent_full = rng.choice(vocab.SUPPORT_AGENTS)
        agent_first = agent_full.split()[0]
        ctx = self.context(acc, human, email, when, version)
        ctx.agent = agent_first
        topics = self.topics("zendesk", spec.incident.sub_theme if spec.incident else None)
        msg = self.c.message(topics, ctx, STYLES["zendesk"])
        req_id = self.pop.user_ids[email]
        agent_id = AGENT_ID0 + vocab.SUPPORT_AGENTS.index(agent_full)
        agent_user = {"id": agent_id, "name": f"{agent_first} (Support)", "email": f"{agent_first.lower()}@voxdemo.io",
                      "role": "agent"}
        users = [{"id": req_id, "name": req_name, "email": email, "role": "end-user"}]
        comments: list[dict] = []
        parts: list[Part] = []
        state = acc.state_at(when)
        topic_phrase = vocab.TOPIC_PHRASES[topics[0]]
        fmt = dict(first=human.first, topic=topic_phrase, agent=agent_first, ref=f"VX-{rng.randint(1000, 9999)}",
                   next_version=ctx.next_version, plan=state["plan"], renewal=state["renewal_date"],
                   version=version, csm=rng.choice(vocab.CALL_STAFF)[0].split()[0], health=state["health"],
                   topic_title=topic_phrase.replace("the ", "").replace("your ", ""))

        def add(author: int, body: str, public: bool, at: datetime, role: str, m: Message | None = None,
                system: bool = False) -> None:
            cid = len(comments) + 1
            c = {"id": cid, "author_id": author, "body": body, "public": public, "created_at": ts(at)}
            if system:
                c["via"] = "system"
            comments.append(c)
            parts.append(Part(f"c{cid}", role, body, m, human.cluster if role == "customer" else None))

        add(req_id, msg.text, True, when, "customer", msg)
        t = when
        if rng.random() < 0.25:
            t = t + timedelta(seconds=rng.randint(20, 180))
            add(BOT["id"], rng.choice(vocab.BOT_MESSAGES).format(**fmt), True, t, "bot")
            users.append(dict(BOT))
        if rng.random() < 0.2:
            t = t + timedelta(seconds=rng.randint(5, 600))
            add(-1, rng.choice(vocab.SYSTEM_EVENTS[:5]), False, t, "system", system=True)
        delay_h = {"enterprise": (0.3, 8), "mid-market": (1, 24)}.get(acc.segment, (2, 60))
        solved = False
        users.append(agent_user)
        t_reply = self.later(t, *delay_h)
        if t_reply <= self.end:
            t = t_reply
            if rng.random() < 0.3:
                add(agent_id, rng.choice(vocab.INTERNAL_NOTES).format(**fmt), False, t, "internal")
                t = t + timedelta(minutes=rng.randint(2, 90))
            add(agent_id, rng.choice(vocab.AGENT_REPLIES).format(**fmt), True, t, "agent")
            rounds = 0
            while rounds < 2 and rng.random() < (0.55 if rounds == 0 else 0.35):
                rounds += 1
                t_next = self.later(t, 1, 72)
                if t_next > self.end:
                    break
                t = t_next
                fmsg, thanks = self._followup(topics[0], msg, ctx, (t - when).total_seconds() / 3600)
                add(req_id, fmsg.text, True, t, "customer", fmsg)
                if thanks:
                    solved = True
                    if rng.random() < 0.6 and (t2 := self.later(t, 0.2, 12)) <= self.end:
                        t = t2
                        add(agent_id, rng.choice(vocab.AGENT_CLOSINGS[:3]).format(**fmt), True, t, "agent")
                    break
                if rng.random() < 0.75 and (t2 := self.later(t, *delay_h)) <= self.end:
                    t = t2
                    pool = vocab.AGENT_REPLIES if rng.random() < 0.7 else vocab.AGENT_CLOSINGS[1:]
                    body = rng.choice(pool).format(**fmt)
                    add(agent_id, body, True, t, "agent")
                    solved = pool is not vocab.AGENT_REPLIES
            if solved and rng.random() < 0.5 and (t2 := t + timedelta(minutes=rng.randint(1, 30))) <= self.end:
                t = t2
                add(-1, "Status changed to solved", False, t, "system", system=True)
        last_role = parts[-1].role
        status = ("solved" if solved else "pending" if last_role in ("agent", "internal") else
                  "new" if len([p for p in parts if p.role in ("agent", "internal")]) == 0 else "open")
        if status == "solved" and (self.end - t).days > 4:
            status = "closed"
        severity = max((s.severity for s in msg.segments), key=vocab.SEVERITY_ORDER.index)
        subject = rng.choice(vocab.SUBJECTS[topics[0]])
        if rng.random() < 0.1:
            subject = subject.lower()
        if severity in ("high", "critical") and rng.random() < 0.15:
            subject = "URGENT: " + subject
        platform = rng.choice(["ios", "android", "web", "desktop", "mac", "windows"])
        payload = {
            "subject": subject, "status": status,
            "priority": {"low": "low", "medium": "normal", "high": "high", "critical": "urgent"}[severity],
            "created_at": ts(when), "updated_at": comments[-1]["created_at"],
            "tags": sorted({topics[0].split("-")[0], platform, acc.segment.replace("-", "_")}),
            "via": rng.choices(["email", "web", "chat", "api"], weights=[5, 3, 1, 1])[0],
            "requester_id": req_id, "organization_id": acc.account_id,
            "custom_fields": {"app_version": version, "product_area": self.c.theme_of[topics[0]]},
            "users": users, "comments": comments,
        }
        return Rec("zendesk", when, payload, parts, incident=spec.incident.id if spec.incident else None)

    def _followup(self, topic: str, first: Message, ctx: Context, age_h: float) -> tuple[Message, bool]:
        """A customer's next comment in a thread: still broken, chasing, or thanks."""
        rng = self.rng
        roll = rng.random()
        if age_h > 24 and roll < 0.35:
            return self.c.message(["response-time"], ctx, FOLLOWUP_STYLE, ["complaint"], greet=False), False
        if roll < 0.45:
            m = self.c.message(["support-quality"], ctx, FOLLOWUP_STYLE, ["praise"], greet=False)
            return m, True
        intent = first.segments[0].intent
        topics = [topic] + (["response-time"] if rng.random() < 0.15 else [])
        m = self.c.message(topics, ctx, FOLLOWUP_STYLE, [intent if intent in ("bug", "complaint") else None, "complaint"],
                           greet=False)
        openers = FOLLOWUP_OPENERS_BUG if intent in ("bug", "complaint") else FOLLOWUP_OPENERS_OTHER
        m.segments[0].text = f"{rng.choice(openers)} {m.segments[0].text}"
        return m, False

    # ------------------------------------------------------------ app-store reviews

    def nickname(self) -> str:
        rng = self.rng
        self._nick_seq += 1
        r = rng.random()
        if r < 0.1:
            return "A Google user" if rng.random() < 0.5 else "Anonymous"
        if r < 0.5:
            return f"{rng.choice(vocab.NICK_WORDS)}{rng.choice(['_', '', '.'])}{rng.choice(vocab.NICK_WORDS)}{rng.randint(1, 999)}"
        first = rng.choice(vocab.FIRST_NAMES)
        return rng.choice([f"{first}{rng.randint(70, 2005)}", f"{first.lower()}_{rng.choice('abcdefghjklmnprstw')}",
                           f"{first}_{rng.choice('ABCDEFGHJKLMNPRSTW')}"])

    def rating_for(self, msg: Message) -> int:
        rng = self.rng
        table = {"negative": ([1, 2, 3, 4, 5], [55, 25, 12, 5, 3]), "neutral": ([1, 2, 3, 4, 5], [6, 14, 40, 30, 10]),
                 "positive": ([1, 2, 3, 4, 5], [3, 2, 6, 24, 65])}
        values, weights = table[msg.sentiment]
        return rng.choices(values, weights=weights)[0]

    def review(self, spec: Spec) -> Rec:
        rng = self.rng
        version = self.version(spec)
        ctx = Context(version=version, next_version=self.releases.next_after(version), company="my team",
                      region=spec.region)
        msg = self.c.message(self.topics("appstore", spec.incident.sub_theme if spec.incident else None), ctx,
                             STYLES["appstore"])
        rating = self.rating_for(msg)
        updated = spec.created
        if rng.random() < 0.1:
            updated = min(self.end, self.later(spec.created, 2, 24 * 10))
        title = rng.choice(vocab.REVIEW_TITLES[msg.sentiment]) if rng.random() < 0.85 else ""
        payload = {"store": rng.choice(["app_store", "google_play"]), "app_version": version,
                   "locale": rng.choice(LOCALES), "rating": rating, "title": title, "body": msg.text,
                   "reviewer_nickname": self.nickname(), "created_at": ts(spec.created), "updated_at": ts(updated)}
        return Rec("appstore", spec.created, payload, [Part("body", "customer", msg.text, msg, None)],
                   incident=spec.incident.id if spec.incident else None)

    # ------------------------------------------------------------ surveys

    def survey(self, spec: Spec) -> Rec:
        rng = self.rng
        acc, human = self.account_spec(spec)
        kind = "csat" if (spec.incident or rng.random() < 0.4) else "nps"
        email = human.emails[0] if rng.random() < 0.85 or len(human.emails) == 1 else human.emails[-1]
        blank = spec.incident is None and rng.random() < 0.25
        msg = None
        if blank:
            sentiment = rng.choices(["negative", "neutral", "positive"], weights=[2, 3, 5])[0]
        else:
            ctx = self.context(acc, human, email, spec.created, self.version(spec))
            msg = self.c.message(self.topics("survey", spec.incident.sub_theme if spec.incident else None), ctx,
                                 STYLES["survey"])
            sentiment = msg.sentiment
        if kind == "nps":
            values = {"negative": [0, 1, 2, 3, 4, 5, 6, 7], "neutral": [5, 6, 7, 8, 9], "positive": [7, 8, 9, 10, 10, 9]}
            score = rng.choice(values[sentiment])
        else:
            score = rng.choice({"negative": [1, 1, 2, 2, 3], "neutral": [2, 3, 3, 4], "positive": [4, 5, 5, 5]}[sentiment])
        segment = acc.state_at(spec.created).get("segment")
        subs = [seg.sub_theme for seg in msg.segments] if msg else []
        before = score
        score, effect = shifted(self.score_effects, kind, segment, subs, score)  # no draw: nothing else moves
        payload = {"survey": kind, "email": email, "score": score, "verbatim": msg.text if msg else "",
                   "submitted_at": ts(spec.created), "locale": rng.choice(LOCALES)}
        parts = [Part("body", "customer", msg.text, msg, human.cluster)] if msg else []
        human_seen(human)
        return Rec("survey", spec.created, payload, parts, incident=spec.incident.id if spec.incident else None,
                   score_effect={"survey": kind, "segment": segment, "sub_themes": subs, "score": score,
                                 "score_before": before, "effect": effect, "has_text": msg is not None})

    # ------------------------------------------------------------ call transcripts

    def call(self, spec: Spec) -> Rec:
        rng = self.rng
        pool = [a for v in self.by_region.values() for a in v if a.segment != "smb" or rng.random() < 0.15]
        acc = rng.choices(pool, weights=[len(a.humans) for a in pool])[0]
        customers = rng.sample(acc.humans, min(len(acc.humans), rng.choice([1, 1, 2, 2, 3])))
        staff = rng.sample(vocab.CALL_STAFF, rng.choice([1, 1, 2]))
        participants, speakers = [], []
        for i, h in enumerate(customers):
            participants.append({"speaker": f"S{i + 1}", "name": self.display_name(h, 0.05), "email": h.emails[0],
                                 "role": "customer"})
            speakers.append((f"S{i + 1}", h))
            human_seen(h)
        for j, (name, role) in enumerate(staff):
            sp = f"S{len(customers) + j + 1}"
            participants.append({"speaker": sp, "name": name,
                                 "email": name.lower().replace(" ", ".") + "@voxdemo.io", "role": role})
        staff_sp = [p for p in participants if p["role"] != "customer"]
        version = self.version(spec)
        topics = []
        for _ in range(rng.randint(3, 6)):
            topics.append(self.topics("calls", multi_rate=0.12))
        turns, parts = [], []
        t = round(rng.uniform(2, 15), 1)

        def say(sp: str, text: str, role: str, m: Message | None = None, cluster: str | None = None) -> None:
            nonlocal t
            turns.append({"speaker": sp, "t": t, "text": text})
            parts.append(Part(f"t{len(turns) - 1}", role, text, m, cluster))
            t = round(t + rng.uniform(6, 40) + len(text) / 15, 1)

        lead = staff_sp[0]
        say(lead["speaker"], vocab.CALL_STAFF_TURNS[0], _staff_role(lead["role"]))
        for topic in topics:
            sp, h = rng.choice(speakers)
            ctx = self.context(acc, h, h.emails[0], spec.created, version)
            m = self.c.message(topic, ctx, STYLES["calls"], greet=False)
            say(sp, m.text, "customer", m, h.cluster)
            if rng.random() < 0.75:
                s = rng.choice(staff_sp)
                say(s["speaker"], rng.choice(vocab.CALL_STAFF_TURNS[1:]), _staff_role(s["role"]))
        title = rng.choice(vocab.CALL_TITLES).format(company=acc.name.split(" ")[0])
        payload = {"started_at": ts(spec.created), "duration_s": int(t + rng.uniform(60, 900)),
                   "account_id": acc.account_id, "title": title, "participants": participants, "turns": turns}
        return Rec("calls", spec.created, payload, parts)

    # ------------------------------------------------------------ community posts

    def community(self, spec: Spec) -> Rec:
        rng = self.rng
        if rng.random() < 0.25:
            human, acc = rng.choice(self.pop.unaffiliated), None
        else:
            acc, human = self.account_spec(spec)
        human_seen(human)
        email = (human.personal_email or human.emails[0]) if rng.random() < 0.5 else human.emails[0]
        if rng.random() < 0.4:
            email = None
        version = self.version(spec)
        ctx = self.context(acc, human, email, spec.created, version)
        topics = self.topics("jsonl", spec.incident.sub_theme if spec.incident else None)
        msg = self.c.message(topics, ctx, STYLES["jsonl"])
        intent = msg.segments[0].intent
        bucket = intent if intent in ("question", "feature_request") else "other"
        topic_short = vocab.TOPIC_PHRASES[topics[0]].replace("the ", "").replace("your ", "")
        title = rng.choice(vocab.COMMUNITY_TITLES[bucket]).format(
            short=f"fix {topic_short}" if intent != "feature_request" else f"get {topic_short}",
            topic=topic_short[:1].upper() + topic_short[1:], version=version)
        author = self.display_name(human, 0.15) if rng.random() < 0.8 else \
            human.use_name(f"{human.first} {human.last[0]}.")
        updated = spec.created
        if rng.random() < 0.6:
            updated = min(self.end, self.later(spec.created, 0.5, 24 * 6))
        payload = {"author": author, "email": email, "title": title, "body": msg.text, "created_at": ts(spec.created),
                   "updated_at": ts(updated), "url": None, "locale": "en"}
        return Rec("jsonl", spec.created, payload, [Part("body", "customer", msg.text, msg, human.cluster)],
                   incident=spec.incident.id if spec.incident else None)

    # ------------------------------------------------------------ in-app chat widget

    def chat(self, spec: Spec) -> Rec:
        rng = self.rng
        if spec.incident is None and rng.random() < 0.08:
            human, acc = rng.choice(self.pop.unaffiliated), None
        else:
            acc, human = self.account_spec(spec)
        human_seen(human)
        email = self.pick_email(human)
        version = self.version(spec)
        ctx = self.context(acc, human, email, spec.created, version)
        topics = self.topics("csv", spec.incident.sub_theme if spec.incident else None)
        msg = self.c.message(topics, ctx, STYLES["csv"])
        theme = self.c.theme_of[topics[0]]
        page = vocab.PAGE_FOR.get(theme) if rng.random() < 0.6 else None
        payload = {"email": email, "name": self.display_name(human, 0.08), "message": msg.text,
                   "created_at": ts(spec.created), "page": page or rng.choice(vocab.PAGES), "app_version": version,
                   "locale": rng.choice(LOCALES)}
        return Rec("csv", spec.created, payload, [Part("body", "customer", msg.text, msg, human.cluster)],
                   incident=spec.incident.id if spec.incident else None)

    def build(self, spec: Spec) -> Rec:
        return {"zendesk": self.ticket, "appstore": self.review, "survey": self.survey, "calls": self.call,
                "jsonl": self.community, "csv": self.chat}[spec.source](spec)


def _staff_role(role: str) -> str:
    return "agent" if role == "support" else "sales"


def human_seen(h: Human) -> None:
    h.seen = True
