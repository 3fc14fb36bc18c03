"""Phrasing banks for the demo text: many ways customers say the same thing.

Each sub-theme has a bank of sentence templates written as `intent|sentiment|severity|text`
(intent: bug, fr=feature_request, cmp=complaint, q=question, pr=praise, churn=churn_risk;
sentiment: - 0 +; severity: l m h c). `{slot}` names are filled by `text.SlotFiller`.
Keyword overlap across themes is deliberate ("slow" support vs slow pages, "sync" in CRM
complaints, "crash" in performance rants) so that classifiers cannot rely on one keyword.
"""
from __future__ import annotations

from dataclasses import dataclass

INTENTS = {"bug": "bug", "fr": "feature_request", "cmp": "complaint", "q": "question", "pr": "praise",
           "churn": "churn_risk"}
SENTIMENTS = {"-": "negative", "0": "neutral", "+": "positive"}
SEVERITIES = {"l": "low", "m": "medium", "h": "high", "c": "critical"}
SEVERITY_ORDER = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Template:
    intent: str
    sentiment: str
    severity: str
    text: str


_RAW: dict[str, str] = {
    "sync-failure": """
bug|-|h|Since updating to {version} my changes never sync to the {platform}.
bug|-|h|Sync has been stuck at 99% for {duration} and nothing I do fixes it.
bug|-|m|Tasks I create on my phone don't show up on the {desktop} until I log out and back in.
bug|-|h|Our team keeps seeing different versions of the same board, things are just not syncing between devices.
bug|-|m|I keep getting a "sync error, retrying" banner every few minutes on the {platform}.
bug|-|h|Edits made in {feature} disappear for my colleagues, it's like sync silently fails.
cmp|-|h|Sync is {intens} unreliable lately, we can't trust what we see on screen anymore.
bug|-|m|Changes I make offline never get pushed once I'm back online, they just sit there as pending.
q|0|l|Is there a way to force a manual sync? The {platform} seems to be a few hours behind.
q|0|l|How long should syncing normally take for a workspace with {big_n} tasks?
bug|-|h|After {version} the {mobile} is permanently out of sync with the web app, comments I post on mobile never appear on desktop.
bug|-|c|Sync is broken for our entire company since this morning and people are overwriting each other's work. We need this fixed today.
cmp|-|m|Third time this month I've had to reinstall the {platform} because it stopped syncing.
bug|-|m|status changes don't sync to the calendar view, it still shows tasks as open that were closed {duration} ago
bug|-|h|Two of us edited the same task and the other person's changes never showed up on my screen, even after a refresh.
bug|-|m|The little sync icon just spins forever since {version}.
""",
    "crash": """
bug|-|h|The {mobile} crashes every time I open {feature}.
bug|-|h|App freezes for a few seconds and then closes itself whenever I upload a file bigger than {n} MB.
bug|-|m|Getting a blank white screen after login on the {platform} since {version}.
bug|-|h|It crashes on launch on {os}. Reinstalled twice, same thing.
bug|-|m|The {desktop} freezes when I drag a card between columns on the board.
cmp|-|h|Crashes {n} times a day. I've lost count of how many times I had to restart it.
bug|-|m|Whenever I try to print from {feature} the tab hangs and {browser} asks me to kill the page.
q|0|l|Is there a known crash with {version} on {os}? Just want to know whether to wait for a fix or reinstall.
bug|-|h|Force close as soon as I tap on a notification. Started right after the last update.
bug|-|m|Opening a large project makes the whole app freeze, fans spin up and CPU sits at 100%.
cmp|-|h|honestly the app is unusable on my phone, it just keeps crashing
bug|-|c|The {desktop} crashes on startup for every user in our org after {version}. Nobody can work.
bug|-|m|the app closes by itself when I switch to {feature}, every single time
cmp|-|m|It was fine until the update, now it freezes whenever I try to attach a photo.
""",
    "outage": """
bug|-|c|Your service has been down for {duration}, we're getting 503 errors on every page.
bug|-|c|Is Voxdemo down? Nobody in our office can reach the app.
bug|-|h|Getting "502 Bad Gateway" when opening any project.
cmp|-|h|Second outage this week. Your status page said everything was green while nothing loaded.
bug|-|c|Complete outage for us since {clock} UTC and we have a launch today.
q|0|m|Is there an incident going on? The app shows "service unavailable" for me.
cmp|-|h|We pay for an enterprise SLA and had {n} hours of downtime this month.
bug|-|h|The web app returns a 500 error right after login, the mobile app seems fine.
cmp|-|m|The random little outages every afternoon are getting old.
q|0|l|Will you publish a root cause analysis for yesterday's outage? Our leadership is asking.
bug|-|h|Can't reach the service at all, every page times out after a minute.
bug|-|c|Everything is down for us, API and web. Our whole support floor is idle.
""",
    "data-loss": """
bug|-|c|Half of my project notes disappeared overnight.
bug|-|c|An import overwrote all our existing records with blank values.
bug|-|h|Comments from last week are just gone from several tasks.
cmp|-|c|We lost {duration} of work because {feature} reverted to an old version.
bug|-|h|Attachments uploaded before {month} show as corrupted and won't open.
q|0|m|Is there any way to restore deleted tasks? Someone on my team deleted a whole project by accident.
bug|-|h|Subtasks randomly vanish when I move the parent task to another project.
cmp|-|c|This is the second time data has gone missing on us. It cannot happen again.
bug|-|h|Custom fields got wiped on about {big_n} tasks after the migration.
q|0|m|Do you keep backups? We're missing records from {weekday} and need to know if they can be recovered.
bug|-|h|My whole activity history is empty since {version}, everything before {month} is missing.
bug|-|h|Descriptions I wrote yesterday were overwritten with an older draft.
""",
    "slow-load": """
bug|-|m|Dashboards take {secs} seconds to load now.
cmp|-|m|Everything has gotten so laggy lately.
cmp|-|m|The {platform} is {intens} slow since the last update, every click takes a few seconds.
cmp|-|m|Opening a project with more than {big_n} tasks takes forever.
bug|-|m|The board view just sits there with a spinning wheel for ages before anything shows up.
cmp|-|h|It's so slow that our team has started keeping tasks in a spreadsheet again.
cmp|-|m|Loading {feature} is painfully slow in {browser}.
bug|-|m|Page load times went from about 2 seconds to {secs} seconds over the last few weeks.
cmp|-|l|It's a bit sluggish on my older laptop but otherwise works.
q|0|l|Is there anything we can do on our side to make {feature} load faster? It gets slower as our workspace grows.
cmp|-|m|the mobile app takes ages to open, I usually give up and use the browser
cmp|-|h|Performance has been terrible all week, switching between projects takes {secs}+ seconds.
cmp|-|m|Why is everything so slow now? It used to be snappy.
cmp|-|m|The app feels heavier with every release, {feature} now lags when I scroll.
""",
    "slow-search": """
cmp|-|m|Searching our workspace takes ages.
bug|-|m|Filters take a minute to apply in {feature}.
bug|-|m|Search times out whenever I include archived projects.
cmp|-|m|Global search is slow and the results are often not what I'm looking for.
cmp|-|m|Typing in the search box lags so much that I wait for every letter to show up.
q|0|l|Is there a faster way to search across all projects? The search bar takes {secs} seconds each time.
bug|-|m|Filtering by assignee on a board with {big_n} cards just spins and then shows "query timeout".
cmp|-|l|search could be faster tbh
cmp|-|m|Finding an old task is a nightmare, search takes forever and then shows nothing.
bug|-|h|Since {version} search returns nothing for about {secs} seconds, and our support team depends on it.
""",
    "double-charge": """
bug|-|h|I was charged twice this month.
bug|-|h|There are two identical charges of {amount} on our card for the same invoice.
cmp|-|h|We got billed twice for {month} and nobody has explained why.
bug|-|h|Our card was charged {amount} two times within a minute when I upgraded the plan.
q|0|m|I see a duplicate charge on our statement, is that a pending authorization or a real charge?
cmp|-|h|Double charged AGAIN. This is the second month in a row.
bug|-|m|The renewal went through twice, {amount} each. Please fix.
cmp|-|h|Our finance team spotted two charges for {seats} seats, we only have one subscription.
bug|-|h|you charged my credit card twice for the same subscription!!
q|0|m|Why do I have two payments for the same period on my billing page?
""",
    "invoice-error": """
bug|-|m|Our invoice shows the wrong VAT number.
cmp|-|m|We never received the {month} invoice.
bug|-|m|The invoice amount doesn't match our contract, it's {amount} higher than agreed.
q|0|l|Can you reissue the invoice with our company's legal name? Our accounting team won't accept it otherwise.
bug|-|m|VAT was added even though we entered a valid VAT ID.
q|0|l|Where do I download past invoices? I can only see the last three months.
bug|-|m|The billing address on the invoice is still the old one even after I updated it.
cmp|-|m|Invoices keep coming in USD although we're billed in EUR.
q|0|l|Could you add our PO number to the invoices? Procurement needs it.
bug|-|m|The receipt lists {seats} seats but we only pay for {n}.
""",
    "refund-request": """
cmp|-|m|Please refund the last payment, we cancelled before the renewal date.
cmp|-|m|I want my money back for the unused seats.
q|0|l|How do I request a refund for an annual plan we no longer need?
cmp|-|m|We were charged after cancelling. I'd like a full refund of {amount}.
cmp|-|h|If we don't get a refund by Friday we'll file a chargeback with our bank.
q|0|l|Can we get a prorated refund if we downgrade {seats} seats mid-term?
cmp|-|m|Requesting a refund, the feature we upgraded for never worked.
cmp|-|m|Please reimburse the {amount} charged by mistake on {weekday}.
q|0|l|Is it possible to cancel and get a refund within the first 30 days?
""",
    "pricing": """
cmp|-|m|The new per-seat price is too expensive for a team our size.
q|0|l|Why did the price go up {pct}?
cmp|-|m|{amount} a month for {seats} seats is steep when half of them are occasional users.
cmp|-|m|The starter plan limit of {n} projects is way too low.
cmp|-|m|Honestly the pricing is hard to justify compared to {competitor}.
q|0|l|Do you offer discounts for nonprofits or education?
fr|0|l|Please add a cheaper tier for small teams, we don't need all the enterprise features.
cmp|-|m|The price increase at renewal caught us completely off guard.
q|0|l|Is there a way to pay for viewer-only seats at a lower cost?
cmp|-|m|Way too costly for what it does now that {competitor} has the same features.
cmp|-|l|bit pricey but i guess you get what you pay for
q|0|l|How does pricing work if we add {n} contractors for three months?
""",
    "login-sso": """
bug|-|h|SSO login fails with an {idp} error.
bug|-|m|I keep getting logged out every few minutes.
bug|-|h|SAML login redirects me in a loop back to the sign-in page.
bug|-|h|Half of our team can't log in since {version}, they get "invalid session".
bug|-|m|2FA codes from my authenticator app are always rejected.
q|0|l|How do we enforce SSO for all users in our workspace?
cmp|-|m|The session expires way too quickly, I have to sign in again every morning AND after lunch.
bug|-|h|After the {idp} certificate rotation nobody can sign in.
bug|-|m|The {mobile} won't let me log in with Google, it just spins and returns to the login screen.
q|0|l|Can we set up SCIM provisioning with {idp}?
bug|-|c|None of our {big_n} users can log in via SSO right now, this is a blocker for the whole company.
""",
    "password-reset": """
bug|-|m|The password reset email never arrives.
bug|-|m|Reset link says expired even when I click it right away.
q|0|l|How do I reset my password if I no longer have access to my old email?
bug|-|m|The forgot password flow sends me back to the login page without any message.
cmp|-|m|I've requested a reset link {n} times today, nothing in my inbox or spam.
bug|-|l|The new password requirements aren't shown until after you submit, which is annoying.
q|0|l|Can an admin trigger a password reset for a user on our team?
bug|-|m|The reset email arrives but the link opens a 404 page.
""",
    "permissions": """
bug|-|h|Viewers can edit documents they should only see.
bug|-|m|Access denied on a folder I own.
q|0|l|How do I give a contractor access to one project without exposing the rest?
bug|-|m|Admins can't change roles for users who joined via SSO.
fr|0|l|We need a read-only role for clients, right now sharing is all or nothing.
bug|-|h|Guests can see private projects in search results.
cmp|-|m|The permission model is so confusing that we gave everyone admin rights just to get work done.
bug|-|m|Shared links still work after I removed the person from the project.
q|0|l|Is there an audit log showing who changed permissions on a project?
bug|-|m|I'm an admin but I get "you don't have permission" when I try to archive a project.
""",
    "api": """
bug|-|m|The API returns 429 even at low volume.
bug|-|h|The {endpoint} endpoint broke our script after the last release.
q|0|l|Is there a bulk endpoint for creating tasks? Doing {big_n} single calls is slow.
bug|-|m|Webhooks are delivered twice, sometimes {n} minutes late.
cmp|-|m|Breaking changes in the API without notice are not OK, our integration was down for {duration}.
q|0|l|What's the rate limit for the {endpoint} endpoint?
fr|0|l|Please publish an official Python SDK, the community one is outdated.
bug|-|m|The API token I generated yesterday already returns 401.
bug|-|m|Pagination on {endpoint} skips items when there are more than 100 results.
q|0|l|Does the API support OAuth for server-to-server apps, or only personal tokens?
cmp|-|m|The API docs are missing half of the fields that the endpoints actually return.
""",
    "crm-integration": """
bug|-|h|The Salesforce integration stopped pushing updates.
bug|-|m|{crm} fields are not mapped correctly, the deal owner ends up empty.
q|0|l|Is there a way to map custom {crm} fields to our task fields?
bug|-|m|The {crm} connector keeps disconnecting every few days and we have to re-authorize.
fr|0|l|Please add a Pipedrive integration, we'd use it daily.
cmp|-|m|The {crm} integration is too basic, it only syncs contacts, not deals.
bug|-|m|Since {version} new {crm} opportunities aren't creating projects anymore.
q|0|l|Does the {crm} integration work with sandbox orgs?
pr|+|l|The {crm} integration saves our sales team a ton of time, really well done.
bug|-|m|Duplicate contacts get created in {crm} every time a task is updated.
""",
    "chat-integration": """
bug|-|m|Slack notifications stopped arriving.
bug|-|l|The Teams app does not show link previews.
fr|0|l|Can you add an option to create tasks straight from a {chat} message?
bug|-|m|Notifications in {chat} go to the wrong channel after we renamed it.
cmp|-|l|The {chat} notifications are way too noisy and there's no way to filter them.
q|0|l|How do I connect a second {chat} workspace?
pr|+|l|Love the {chat} integration, the daily digest is great.
bug|-|m|The {chat} app shows "Something went wrong" when I try to link my account.
fr|0|l|We moved to Microsoft Teams, please make the Teams app as good as the Slack one.
""",
    "navigation": """
cmp|-|l|I can never find the export button.
cmp|-|m|The new menu is confusing.
cmp|-|m|Too many clicks to do simple things like changing a due date.
q|0|l|Where did the archive option go after the redesign?
cmp|-|m|The sidebar is so cluttered that new team members get lost.
cmp|-|l|Settings are spread across three different places, it's really unintuitive.
fr|0|l|Please let us pin favorite projects to the top of the sidebar.
cmp|-|l|The new layout hides {feature} behind a "more" menu, why?
q|0|l|How do I get back to the old list view?
pr|+|l|The new navigation is much cleaner, took a day to get used to but I like it.
""",
    "mobile-app": """
cmp|-|m|The Android app is missing half the features.
cmp|-|l|Buttons are too small on iPhone.
fr|0|l|Please add dark mode to the {mobile}.
cmp|-|m|The {mobile} doesn't support {feature} at all, I have to open a laptop for that.
bug|-|m|On my tablet the layout is broken in landscape mode.
cmp|-|l|Text gets cut off on small screens.
q|0|l|Is a proper iPad version on the roadmap?
pr|+|l|The mobile app has come a long way, great for checking tasks on the go.
cmp|-|m|Push notifications on the {mobile} arrive hours late or not at all.
bug|-|l|The keyboard covers the comment box on Android so I can't see what I type.
""",
    "onboarding": """
cmp|-|m|Setup took us two weeks.
cmp|-|l|The docs don't explain how to invite my team.
q|0|l|Is there a getting-started guide for admins?
cmp|-|m|The learning curve is steep, our team gave up on half the features.
fr|0|l|A few video tutorials for new users would help a lot.
pr|+|l|Onboarding was smooth, our team was up and running in a day.
cmp|-|m|The documentation is outdated, the screenshots don't match the current UI.
q|0|l|We're migrating from {competitor}, is there an import tool or guide?
cmp|-|l|The setup wizard asks too many questions before you can even try anything.
""",
    "reporting-export": """
fr|0|l|Please add CSV export for reports.
fr|0|m|We need custom dashboards.
q|0|l|Is there a way to export a project to {fmt}?
fr|0|l|It would be great to schedule a weekly report by email.
cmp|-|l|The reporting is too basic for our management team, we end up exporting to Excel anyway.
fr|0|l|Please let us filter the dashboard by custom fields.
fr|0|m|Without a proper time-tracking report we can't bill our clients. Please add one.
q|0|l|Can I export all comments along with the tasks?
bug|-|m|The {fmt} export cuts off after {big_n} rows.
pr|+|l|The new dashboard widgets are fantastic, exactly what our PMO wanted.
""",
    "automation": """
fr|0|l|It would be great to automate recurring tasks.
fr|0|l|Please add bulk edit.
fr|0|l|We need rules like "when status changes to done, move to archive".
q|0|l|Can I schedule a task to be created every first Monday of the month?
cmp|-|l|The automation builder is too limited, only {n} rules per project.
fr|0|m|Bulk actions on more than 50 tasks at once would save us hours every week.
bug|-|m|Recurring tasks stopped being created after {version}.
pr|+|l|Automations have saved our team hours every week, love them.
fr|0|l|Let us trigger a webhook from a workflow rule.
""",
    "offline-mode": """
fr|0|l|Offline mode would be a lifesaver on flights.
fr|0|l|Let us work without internet.
cmp|-|m|The app is useless the moment I lose connection, I can't even read my tasks.
q|0|l|Is offline mode on the roadmap?
fr|0|m|Our field technicians have no internet on site, we really need offline access to checklists.
cmp|-|l|I commute by train and can't do anything in the tunnel, please cache my tasks.
fr|0|l|Even read-only offline access on mobile would be enough for us.
q|0|l|Does the desktop app work offline at all?
""",
    "response-time": """
cmp|-|m|I've been waiting [{ndays} days|{duration}|almost a week|since {weekday}] for a [reply|response|real answer][.|!|...]
cmp|-|m|[Nobody|No one] [answers|responds to|replies to] my tickets[.|!| anymore.|, what is going on?]
cmp|-|h|Support is [painfully|incredibly|ridiculously] slow, {duration} without a [response|reply] on a [critical|blocking|P1] issue.
cmp|-|m|Still waiting for [someone|anyone|a human] to get back to me[.|!|...| on this.]
cmp|-|m|Your support used to reply within [hours|a day|minutes], now it takes [days|a week|forever].
q|0|l|What's the [expected|usual|typical] response time for customers on the {plan} plan?
cmp|-|h|We're [an enterprise customer|paying for premium support|a {seats}-seat customer] and it took {duration} just to get a first reply.
cmp|-|m|[Any update|Any news|Anything|Hello]? It's been {ndays} days[.| already.| since I wrote.]
cmp|-|l|[response times are slow lately|replies from support are slow lately|support has gotten slow to answer][| tbh| imo]
cmp|-|m|I opened a ticket on {weekday} and [heard nothing back|got no answer|still have no reply][.| at all.]
cmp|-|m|[Three|Two|Four] follow-ups and [still nothing|no answer yet|not a single reply] from [your team|support|anyone].
""",
    "support-quality": """
pr|+|l|{agent} from support was [incredibly|super|really|so] helpful[.|!| today.| with this.]
cmp|-|m|The agent [did not read|clearly didn't read|ignored half of] my question[.|!|, again.]
pr|+|l|Thanks {agent}, that [fixed it|did the trick|solved it|worked][!|.| :)]
pr|+|l|[Great|Excellent|Fantastic|Really good] support, [resolved quickly|fixed in no time|sorted within the hour][.|!|, thanks.]
cmp|-|m|Support just keeps sending me links to help articles that [don't apply|have nothing to do with my issue|I already read].
cmp|-|m|The answer I got was [copy-pasted|a canned response|generic] and didn't address my problem at all.
pr|+|l|Shout out to {agent} who walked us through the whole [setup|migration|configuration] on a call.
cmp|-|m|I was transferred between [three|four|several] agents and had to explain everything again each time.
pr|+|l|Your support team is [honestly|genuinely|by far] the best part of the product.
cmp|-|h|The agent was [rude|dismissive|condescending] and closed my ticket without solving anything.
pr|+|l|[Quick|Fast|Speedy] and [friendly|helpful|clear] answer, thank you[!|.| so much!]
pr|+|l|[Confirmed|Yep|Just checked], it's working again. Thanks {agent}!
pr|+|l|That [workaround|fix|update] did it, [appreciate the quick help|thanks for sorting it out|much appreciated].
""",
    "praise": """
pr|+|l|[Love|Really love|Loving] this product, [our team uses it daily|we use it every day|my whole team lives in it].
pr|+|l|Best [tool|app|purchase] we've [adopted|made|rolled out] this year[.|!|, no question.]
pr|+|l|[Great|Solid|Brilliant|Nice] app, does exactly what [we need|I need|it says].
pr|+|l|Really happy with Voxdemo, it replaced [three|four|two|a bunch of] other tools for us.
pr|+|l|Our projects are finally organized. [Highly recommend.|Would recommend.|10/10.]
pr|+|l|[Excellent|Great|Solid] product, the team keeps shipping [useful stuff|great features|real improvements].
pr|+|l|{intens_cap} intuitive, my whole team picked it up in [a day|an afternoon|no time].
pr|+|l|five stars, works [great|perfectly|like a charm]
pr|+|l|Simple, fast and reliable. Everything I want from a [project tool|planner|task app].
pr|+|l|We've used it for {n} years and it just keeps getting better.
pr|+|l|[Awesome|Amazing|Great] app[!!|!|]
pr|+|l|Love {feature}, it's a game changer for our [weekly planning|standups|client work].
pr|+|l|Clean design, good mobile app and {chat} integration. No complaints.
pr|+|l|Does what it says. [The timeline view alone|The board view alone|The search alone] is worth it.
pr|+|l|Switched from {competitor} and [never looked back|haven't regretted it once|it's been great].
""",
    "churn-intent": """
churn|-|h|We are evaluating competitors before our renewal.
churn|-|h|We will not renew next year.
churn|-|h|We're moving to {competitor} at the end of the quarter.
churn|-|h|Honestly considering cancelling, the last few months have been rough.
churn|-|c|If this isn't fixed by our renewal in {month}, we're leaving.
churn|-|h|Our leadership asked me to look at alternatives and {competitor} came in cheaper.
churn|-|m|Cancelling my subscription, I don't use it enough anymore.
churn|-|h|Several teams have already switched to {competitor} and the rest will follow.
churn|-|h|We're not renewing unless the pricing changes.
churn|0|m|How do I cancel our subscription and export all our data?
""",
}


def _parse(raw: str) -> list[Template]:
    out = []
    for line in raw.strip().splitlines():
        intent, sent, sev, text = line.split("|", 3)
        out.append(Template(INTENTS[intent], SENTIMENTS[sent], SEVERITIES[sev], text))
    return out


BANKS: dict[str, list[Template]] = {name: _parse(raw) for name, raw in _RAW.items()}

# ---------------------------------------------------------------- slot values

SLOTS: dict[str, list[str]] = {
    "feature": ["the board view", "the timeline", "the Gantt chart", "docs", "the calendar", "reports",
                "the inbox", "time tracking", "the kanban board", "task templates", "the workload view",
                "the dashboard", "comments", "file previews", "the roadmap view", "forms"],
    "platform": ["iOS app", "Android app", "desktop app", "Mac app", "Windows app", "web app", "iPad app"],
    "mobile": ["iOS app", "Android app", "iPhone app", "iPad app", "mobile app"],
    "desktop": ["desktop app", "Mac app", "Windows app", "web app"],
    "os": ["iOS 18", "iOS 17.6", "Android 15", "Android 14", "macOS Sequoia", "Windows 11", "a Pixel 8",
           "a Galaxy S23", "ChromeOS"],
    "browser": ["Chrome", "Firefox", "Safari", "Edge"],
    "duration": ["two days", "an hour", "all morning", "since Monday", "3 days", "a whole week", "45 minutes",
                 "most of the afternoon", "since yesterday", "over 24 hours"],
    "ndays": ["3", "4", "five", "6", "two", "ten"],
    "n": ["2", "3", "4", "5", "10", "12", "20"],
    "big_n": ["500", "2,000", "10k", "300", "1,200", "5000"],
    "secs": ["10", "15", "20", "30", "45", "60"],
    "pct": ["20%", "15%", "30%", "25%", "40%"],
    "month": ["August", "September", "October", "November", "July"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "clock": ["8am", "09:30", "10:15", "2pm", "13:00", "7:45"],
    "crm": ["Salesforce", "HubSpot", "Zoho CRM", "Pipedrive", "Dynamics"],
    "chat": ["Slack", "Teams", "Microsoft Teams", "Google Chat"],
    "competitor": ["Asana", "Monday.com", "ClickUp", "Notion", "Trello", "Jira", "Wrike", "Smartsheet", "Basecamp"],
    "seats": ["25", "40", "12", "120", "60", "300"],
    "intens": ["really", "super", "incredibly", "extremely", "so", "very", "pretty", "ridiculously"],
    "intens_cap": ["Really", "Super", "Incredibly", "Very", "So"],
    "idp": ["Okta", "Azure AD", "Google Workspace", "OneLogin", "JumpCloud", "Entra ID"],
    "endpoint": ["/v2/tasks", "/v2/projects", "/v2/search", "/v1/webhooks", "/v2/members", "/v2/comments"],
    "fmt": ["CSV", "PDF", "Excel", "xlsx"],
    "errcode": ["E-4012", "SYNC_TIMEOUT", "409", "ERR_CONFLICT", "0x1F", "E-1107"],
}

# ---------------------------------------------------------------- message decoration

# Prefixes that soften or frame a negative point; ending in "," or "but" means the template is
# lowercased after them.
HEDGES_NEG = ["Love the app overall, but", "Not a huge deal, but", "Okay so", "Real talk:", "Heads up,",
              "This keeps happening:", "Sorry, but", "Bit of a rant:", "As of today,", "For what it's worth,", "Not sure if it's just me, but", "Maybe I'm missing something, but",
              "Quick heads up:", "Ugh.", "Honestly,", "So,", "FYI", "Not to complain, but", "Hey,",
              "Been a happy user for years, but", "Same issue as before:", "ok so", "Hmm,"]
HEDGES_Q = ["Probably a dumb question, but", "Before I dig further,", "Wondering:", "Hoping someone knows:",
            "Can anyone help?", "Quick question:", "Hi, quick one:", "Sorry if this was asked before, but", "Question:",
            "I couldn't find this in the docs.", "Just wondering,", "hey,"]
HEDGES_FR = ["Would be amazing:", "Wishlist item:", "Top request from my team:", "+1 for this:",
             "Not sure if it's planned, but", "Feature request:", "Suggestion:", "Would love this:", "One wish:", "Idea:", "Small request,"]
HEDGES_POS = ["Have to say,", "Big fan.", "Update after a month:", "Quick note of thanks:", "Just wanted to say,", "Honestly,", "Five stars.", "Wow.", "Credit where it's due:"]

DETAILS_BUG = [
    "Using the {platform} on {os}.", "Version {version}.", "Tried clearing the cache and reinstalling, no luck.",
    "Happens every single time.", "It started right after the last update.", "It happens maybe every other day.",
    "Restarting helps for a while, then it comes back.", "A colleague on {browser} sees the same thing.",
    "I attached a screenshot.", "We're on {version} on all machines.", "Logging out and back in didn't help.",
    "It only happens on our bigger projects.", "Error code {errcode} if that helps.",
]
DETAILS_CMP = ["It's really frustrating.", "This has been going on for a while.", "Please look into it.",
               "I expected better to be honest.", "Not the first time either.", "Very annoying.",
               "Our team is losing patience.", "I hope this gets better soon."]
DETAILS_FR = ["That would save us a lot of time.", "Is this on the roadmap?", "Other tools have had this for years.",
              "Happy to give more details if useful.", "Thanks for considering it!", "Would pay extra for it."]
DETAILS_Q = ["Couldn't find it in the help center.", "Any pointers appreciated.", "Searched the forum first.",
             "We're on the {plan} plan if that matters."]
DETAILS_POS = ["Keep up the good work!", "Thanks for building this.", "Recommended it to two other teams already.",
               "Worth every penny.", "Great job, team."]

# Impact add-ons set a severity floor (or, for the last group, a ceiling of low).
IMPACT_HIGH = ["This is blocking our whole team.", "We have a client demo tomorrow so this is urgent.",
               "Please fix this ASAP, people can't do their jobs.", "This is costing us real money."]
IMPACT_CRITICAL = ["Production work has completely stopped.", "Our entire company is blocked right now.",
                   "This is a P1 for us, nobody can work."]
IMPACT_LOW = ["Not urgent, just wanted to flag it.", "Minor thing, no rush.", "Low priority, just FYI."]

TAILS = {"negative": [" smh", " :(", " ugh", " (again)", " fwiw", " 😕", " seriously.", " Not great.", " Sigh."],
         "neutral": [" thx", " cheers", " :)", " fwiw", " Thanks.", " Cheers!", " Any ideas?"],
         "positive": [" :)", " <3", " 👍", " thanks!", " cheers", " Keep it up.", " Kudos to the team."]}
GREETINGS = ["Hi,", "Hello,", "Hi team,", "Hey there,", "Hello support,", "Good morning,", "Hi all,",
             "Dear Voxdemo team,", "hi", "Hey,"]
SIGNOFFS = ["Thanks", "Thanks!", "Thank you.", "Cheers", "Regards", "Thx", "Best regards", "thanks in advance"]
SPOKEN = ["Yeah, so", "Honestly,", "Right, and", "One thing I wanted to raise:", "From our side,",
          "Um, so", "Yeah.", "The other thing is,", "To be fair,", "I mean,", "Okay so", "And, uh,"]

EMOJI = {"positive": ["🙂", "😍", "🎉", "👍", "🙌", "❤️"], "negative": ["😡", "😤", "🙄", "😞", "👎", "😩"],
         "neutral": ["🤔", "🙏"]}

COMMON_TYPOS = {"definitely": "definately", "receive": "recieve", "separate": "seperate", "doesn't": "doesnt",
                "don't": "dont", "can't": "cant", "won't": "wont", "it's": "its", "really": "realy",
                "because": "becuase", "the": "teh", "until": "untill", "which": "wich", "their": "there",
                "you're": "your", "anymore": "any more", "every": "evry", "already": "allready"}

# ---------------------------------------------------------------- people and companies

FIRST_NAMES = [
    "Maria", "John", "Dana", "Wei", "Priya", "Ahmed", "Sofia", "Lukas", "Emma", "Noah", "Olivia", "Liam",
    "Ava", "Mateo", "Chloe", "Hiroshi", "Yuki", "Fatima", "Omar", "Grace", "Daniel", "Sarah", "Michael",
    "Jessica", "David", "Laura", "James", "Anna", "Robert", "Katherine", "William", "Elizabeth", "Thomas",
    "Julia", "Carlos", "Isabella", "Lucas", "Camila", "Jonas", "Lea", "Pierre", "Camille", "Giulia",
    "Marco", "Ingrid", "Erik", "Aisha", "Kwame", "Chen", "Mei", "Arjun", "Ananya", "Raj", "Sven", "Nina",
    "Tomasz", "Zofia", "Diego", "Valentina", "Jack", "Amelia", "Oliver", "Charlotte", "Ethan", "Mia",
    "Benjamin", "Harper", "Samuel", "Leah", "Nathan", "Hannah", "Alexander", "Zoe", "Patrick", "Claire",
    "Steven", "Rachel", "Kevin", "Megan", "Brian", "Nicole", "Jun", "Sana", "Tariq", "Elena", "Ivan",
]
LAST_NAMES = [
    "Gonzalez", "Carter", "Smith", "Zhang", "Patel", "Hassan", "Rossi", "Müller", "Johnson", "Williams",
    "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson",
    "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Schmidt",
    "Schneider", "Fischer", "Weber", "Dubois", "Moreau", "Bianchi", "Romano", "Kowalski", "Nowak",
    "Johansson", "Larsen", "Tanaka", "Suzuki", "Kim", "Park", "Singh", "Sharma", "Okafor", "Mensah",
    "Silva", "Santos", "Oliveira", "Costa", "O'Brien", "Murphy", "Kelly", "Fernandes", "Novak", "Ivanova",
]
NICKNAMES = {"Robert": "Bob", "William": "Bill", "Elizabeth": "Liz", "Katherine": "Kate", "Michael": "Mike",
             "Daniel": "Dan", "Alexander": "Alex", "Benjamin": "Ben", "Thomas": "Tom", "Jessica": "Jess",
             "Samuel": "Sam", "Nathan": "Nate", "Patrick": "Pat", "Steven": "Steve", "Valentina": "Vale"}
SPELLING_VARIANTS = {"Gonzalez": "Gonzales", "Sarah": "Sara", "Katherine": "Catherine", "Steven": "Stephen",
                     "John": "Jon", "Müller": "Mueller", "Hannah": "Hanna", "Isabella": "Isabela",
                     "Camille": "Camile", "Mohammed": "Mohamed", "Schmidt": "Schmitt", "Carter": "Cartr",
                     "Zhang": "Chang", "Rossi": "Rosi", "Johansson": "Johanson", "O'Brien": "OBrien"}
TITLES = ["Product Manager", "Engineering Manager", "Operations Lead", "IT Administrator", "Head of Marketing",
          "Project Coordinator", "CTO", "VP Operations", "Designer", "Software Engineer", "Finance Manager",
          "Customer Success Lead", "Office Manager", "Team Lead", "Data Analyst", "COO", "Account Executive"]

COMPANY_PREFIXES = [
    "Northwind", "Bluepeak", "Ironbridge", "Cedarline", "Brightwater", "Silverleaf", "Redwood", "Granite",
    "Harborview", "Lumen", "Stonefield", "Quill", "Aster", "Kestrel", "Meridian", "Oakridge", "Pinnacle",
    "Riverbend", "Summit", "Tidewater", "Vantage", "Willow", "Zephyr", "Copperhill", "Driftwood", "Evergreen",
    "Foxglove", "Halcyon", "Juniper", "Larkspur", "Maple", "Nimbus", "Orchard", "Polaris", "Quartz",
    "Sable", "Trellis", "Umbra", "Verdant", "Wavecrest", "Yarrow", "Acme", "Beacon", "Cobalt", "Dune",
    "Ember", "Fjord", "Glacier", "Helix", "Indigo",
]
COMPANY_SUFFIXES = ["Traders", "Logistics", "Health", "Labs", "Partners", "Systems", "Studio", "Foods",
                    "Capital", "Energy", "Media", "Robotics", "Analytics", "Group", "Consulting", "Software",
                    "Retail", "Architects", "Bank", "Insurance"]

REGION_COUNTRIES = {"NA": ["US", "US", "US", "CA"], "EU": ["DE", "FR", "GB", "NL", "ES", "IT", "SE", "PL"],
                    "APAC": ["AU", "JP", "SG", "IN", "NZ"], "LATAM": ["BR", "MX", "AR", "CL", "CO"]}
COUNTRY_TLD = {"DE": "de", "FR": "fr", "GB": "co.uk", "NL": "nl", "ES": "es", "IT": "it", "SE": "se", "PL": "pl",
               "AU": "com.au", "JP": "jp", "SG": "sg", "IN": "in", "NZ": "co.nz", "BR": "com.br", "MX": "mx",
               "AR": "com.ar", "CL": "cl", "CO": "co", "US": "com", "CA": "ca"}
SUBSIDIARY_SUFFIX = {"DE": "GmbH", "FR": "SAS", "GB": "UK Ltd", "NL": "B.V.", "ES": "S.L.", "IT": "S.r.l.",
                     "SE": "AB", "PL": "Sp. z o.o.", "AU": "Pty Ltd", "JP": "K.K.", "SG": "Pte Ltd",
                     "IN": "India Pvt Ltd", "NZ": "NZ Ltd", "BR": "Brasil Ltda", "MX": "México",
                     "AR": "Argentina", "CL": "Chile", "CO": "Colombia", "US": "Inc.", "CA": "Canada"}
PERSONAL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "hotmail.com", "gmx.de"]
SHARED_INBOXES = ["support", "billing", "info", "it", "ops", "admin"]

NICK_WORDS = ["happy", "busy", "project", "taskmaster", "pm", "dev", "mike", "sarah", "coffee", "night",
              "plannerpro", "kanban", "nomad", "teamlead", "ux", "cat", "dog", "sunny", "blue", "mr", "ms"]

# ---------------------------------------------------------------- Voxdemo staff

SUPPORT_AGENTS = ["Alex Morgan", "Priya Nair", "Sam Okoro", "Jordan Blake", "Lena Vogel", "Marcus Chen",
                  "Ines Duarte", "Tom Becker", "Aiko Mori", "Rosa Lindqvist", "Kofi Asante", "Nadia Haddad"]
CALL_STAFF = [("Pat Lee", "sales"), ("Morgan Reyes", "sales"), ("Chris Novak", "csm"), ("Riley Adams", "csm"),
              ("Jamie Fox", "csm"), ("Taylor Brooks", "se"), ("Casey Wu", "se"), ("Devon Hart", "support"),
              ("Quinn Harper", "sales"), ("Avery Stone", "csm")]

AGENT_REPLIES = [
    "Hi {first},\n\nThanks for reaching out about {topic}. I've passed the details to our engineering team and will update you as soon as I hear back.\n\nBest,\n{agent}",
    "Hello {first},\n\nSorry for the trouble with {topic}! Could you send us a screenshot and the exact time it happened? That will help us reproduce it.\n\nThanks,\n{agent}",
    "Hi {first}, thanks for the report. We're aware of {topic} and a fix is being worked on. I'll keep this ticket open until it ships.\n\n{agent}",
    "Hi {first},\n\nI looked into {topic} on your workspace. Could you try signing out, clearing the cache and signing in again? Let me know if it persists.\n\nKind regards,\n{agent} | Voxdemo Support",
    "Hey {first}, appreciate the detailed write-up on {topic}. I've logged it as a bug (internal ref {ref}) and linked your account so you get notified.\n\nCheers,\n{agent}",
    "Hi {first},\n\nThanks for your patience. Regarding {topic}: this is expected behaviour on your current plan, but I've shared your feedback with the product team.\n\nBest,\n{agent}",
    "Hello {first}, I'm sorry about {topic}. I've escalated this to our Tier 2 team as high priority.\n\n{agent}",
    "Hi {first},\n\nGood news: the fix for {topic} is rolling out in {next_version}. Please update and let us know how it goes.\n\nBest,\n{agent}",
]
AGENT_CLOSINGS = [
    "Glad to hear it, {first}! I'll close this ticket now, just reply if anything comes up.\n\n{agent}",
    "Hi {first}, we haven't heard back in a while so I'm marking this as solved. Reply to reopen.\n\n{agent}",
    "Great, thanks for confirming {first}. Have a good day!\n\n{agent}",
    "Hi {first}, following up on {topic}: our engineers deployed a fix this morning. Marking as solved.\n\n{agent}",
]
INTERNAL_NOTES = [
    "internal: customer is on the {plan} plan, renewal {renewal}. Linked to {ref}.",
    "internal: reproduced on staging with {version}. Assigning to the platform team.",
    "internal: likely related to the {version} rollout, see incident channel.",
    "internal: CSM {csm} looped in, account is {health}.",
    "internal: billing confirmed the charge in Stripe, refund pending approval.",
    "internal: asked eng for ETA, no answer yet. Follow up tomorrow.",
    "internal: duplicate of {ref}, keeping open for the customer.",
]
BOT_MESSAGES = [
    "Hi! While you wait for an agent, these articles might help: \"Troubleshooting {topic_title}\" and \"Contacting support\".",
    "Thanks for contacting Voxdemo Support. Your request has been received and a member of our team will reply shortly. Reference: {ref}.",
    "Did this article answer your question? Reply YES to close the ticket or NO to talk to a human.",
]
SYSTEM_EVENTS = [
    "Ticket merged by automation", "Status changed from new to open", "Priority raised by trigger \"Enterprise SLA\"",
    "Assigned to group Tier 2 by trigger \"Escalation routing\"", "SLA breach warning: first reply overdue",
    "Status changed to solved", "Satisfaction survey sent",
]
CALL_STAFF_TURNS = [
    "Thanks everyone for joining. How has the rollout been going on your side?",
    "Got it. Can you tell me a bit more about that?",
    "Understood, I'll take that back to the product team.",
    "That makes sense. Anything else on your wishlist?",
    "I'll loop in our solutions engineer on that one.",
    "Okay, let me check with engineering and follow up by email.",
    "Before we wrap up, how are you feeling about the renewal?",
    "Great to hear. Which teams are using it most right now?",
    "I hear you. We've had a few reports like that this month.",
    "Let me share my screen and walk through the new release.",
    "Is that affecting everyone or just a few users?",
    "Thanks, that's really useful feedback.",
]
CALL_TITLES = ["QBR {company}", "Renewal call {company}", "Onboarding check-in {company}",
               "Escalation review {company}", "Expansion discovery {company}", "{company} x Voxdemo weekly sync",
               "Exec sponsor call {company}"]

# ---------------------------------------------------------------- per-topic short forms

TOPIC_PHRASES = {
    "sync-failure": "the sync issue", "crash": "the crashes", "outage": "the outage", "data-loss": "the missing data",
    "slow-load": "the slow loading", "slow-search": "search performance", "double-charge": "the duplicate charge",
    "invoice-error": "your invoice", "refund-request": "your refund request", "pricing": "pricing",
    "login-sso": "the login problem", "password-reset": "the password reset", "permissions": "permissions",
    "api": "the API errors", "crm-integration": "the CRM integration", "chat-integration": "the chat integration",
    "navigation": "finding your way around the new UI", "mobile-app": "the mobile app",
    "onboarding": "getting your team set up", "reporting-export": "reporting and exports",
    "automation": "automations", "offline-mode": "offline access", "response-time": "our response times",
    "support-quality": "your support experience", "praise": "your feedback", "churn-intent": "your account",
}
SUBJECTS = {
    "sync-failure": ["Sync stuck since update", "Changes not syncing", "sync error", "Data out of sync between devices"],
    "crash": ["App keeps crashing", "Crash on launch", "App freezes", "blank screen after login"],
    "outage": ["Service down?", "503 errors", "Can't reach Voxdemo", "URGENT: app down"],
    "data-loss": ["Data disappeared", "Lost comments", "Import overwrote our data", "Missing tasks"],
    "slow-load": ["Very slow", "Dashboards slow to load", "Performance issues", "laggy app"],
    "slow-search": ["Search is slow", "Search timeout", "Filters slow"],
    "double-charge": ["Charged twice", "Duplicate charge", "Billed twice this month"],
    "invoice-error": ["Invoice wrong", "Missing invoice", "VAT on invoice"],
    "refund-request": ["Refund request", "Refund please", "Money back"],
    "pricing": ["Pricing question", "Price increase", "Seat pricing"],
    "login-sso": ["SSO not working", "Can't log in", "Logged out constantly"],
    "password-reset": ["Password reset", "No reset email"],
    "permissions": ["Permissions issue", "Access denied", "Guest access question"],
    "api": ["API 429 errors", "API question", "Webhook problem"],
    "crm-integration": ["Salesforce integration", "HubSpot mapping", "CRM integration broken"],
    "chat-integration": ["Slack notifications", "Teams app", "Slack integration"],
    "navigation": ["Can't find feature", "New UI confusing"],
    "mobile-app": ["Mobile app feedback", "Android app"],
    "onboarding": ["Getting started", "Setup help"],
    "reporting-export": ["Feature request: export", "Reporting"],
    "automation": ["Automation request", "Recurring tasks"],
    "offline-mode": ["Offline mode?", "Offline access"],
    "response-time": ["No response", "Still waiting"],
    "support-quality": ["Support feedback", "Thank you"],
    "praise": ["Thank you!", "Feedback"],
    "churn-intent": ["Cancellation", "Renewal", "Cancel subscription"],
}
REVIEW_TITLES = {
    "negative": ["Used to be great", "Frustrating", "Please fix", "Disappointed", "Unusable since update",
                 "1 star until fixed", "Going downhill", "Not worth it", "So buggy", "Meh"],
    "neutral": ["Okay", "Decent", "Could be better", "Question", "Good but", "Fine I guess"],
    "positive": ["Love it", "Great app", "Best planner", "Must have", "Excellent", "Does the job", "Fantastic"],
}
COMMUNITY_TITLES = {
    "question": ["How do I {short}?", "Question about {topic}", "Anyone else? {topic}", "{topic} - help"],
    "feature_request": ["[Feature request] {topic}", "Idea: {topic}", "Please add: {topic}", "Vote: {topic}"],
    "other": ["{topic}", "Problem with {topic}", "{topic} since {version}?", "Feedback on {topic}"],
}
PAGES = ["/projects", "/board", "/timeline", "/reports", "/settings/billing", "/settings/members", "/inbox",
         "/calendar", "/search", "/integrations", "/docs", "/dashboard"]
PAGE_FOR = {"billing": "/settings/billing", "access": "/settings/members", "integrations": "/integrations",
            "feature-request": "/reports"}

# ---------------------------------------------------------------- paraphrase layer

# (phrase, alternatives): applied at random after a template is filled, so one template yields
# many surface forms and independent customers rarely produce the very same sentence.
PARAPHRASES: list[tuple[str, list[str]]] = [
    ("It would be great to", ["It'd be great to", "Would be really nice to", "I'd love to be able to",
                              "It would help a lot to be able to"]),
    ("Please add", ["Could you add", "Any chance you could add", "Please consider adding", "pls add",
                    "Can you please add"]),
    ("Is there a way to", ["Is it possible to", "Any way to", "Can I", "How can I"]),
    ("How do I", ["How can I", "What's the way to", "How would I"]),
    ("Can you", ["Could you", "Would you be able to"]),
    ("takes forever", ["takes ages", "takes way too long", "takes an eternity"]),
    ("takes ages", ["takes forever", "takes way too long", "is a slog"]),
    ("our team", ["my team", "the team", "our whole team"]),
    ("Our team", ["My team", "The team", "Our whole team"]),
    ("every time", ["every single time", "each time", "whenever"]),
    ("I keep getting", ["I constantly get", "I'm getting", "I'm still getting"]),
    ("since the last update", ["since the latest update", "after the last update", "ever since the update",
                               "since updating"]),
    ("after the last release", ["after your last release", "with the latest release", "after the recent release"]),
    ("Since updating to", ["Ever since I updated to", "After updating to", "Since the update to"]),
    ("frustrating", ["annoying", "infuriating", "maddening"]),
    ("a lot", ["a ton", "loads", "so much"]),
    ("Love this", ["Really love this", "Loving this", "I love this"]),
    ("Love the", ["Really love the", "Loving the", "I love the"]),
    ("Great app", ["Brilliant app", "Solid app", "Nice app", "Fantastic app"]),
    ("Best tool", ["Best app", "The best tool", "Hands down the best tool"]),
    ("Highly recommend.", ["Would recommend.", "Recommended!", "10/10 would recommend.", "Can't recommend it enough."]),
    ("We need", ["We really need", "We'd need", "Our team needs"]),
    ("Please fix", ["Pls fix", "Please sort this out", "Fix this please", "Please fix this"]),
    ("I can't", ["I cannot", "I'm unable to"]),
    ("can't", ["cannot", "can not"]),
    ("stopped", ["quit", "suddenly stopped"]),
    ("the app", ["the application", "Voxdemo", "your app"]),
    ("The app", ["Voxdemo", "Your app", "The application"]),
    ("a few", ["a couple of", "several"]),
    ("way too", ["far too", "much too", "waaay too"]),
    ("so slow", ["super slow", "sooo slow", "incredibly slow"]),
    ("lately", ["recently", "these days", "the past couple of weeks"]),
    ("right now", ["at the moment", "currently", "as we speak"]),
    ("every few minutes", ["every 5 minutes or so", "constantly", "every couple of minutes"]),
    ("Any update?", ["Any news?", "Any updates?", "Anything?", "Any progress?"]),
    ("issue", ["problem"]),
    ("problem", ["issue"]),
    ("broken", ["busted", "not working"]),
    ("disappeared", ["vanished", "went missing"]),
    ("charged twice", ["charged two times", "double charged", "billed twice"]),
    ("two identical charges", ["two matching charges", "duplicate charges"]),
    ("expensive", ["pricey", "costly", "steep"]),
    ("confusing", ["unintuitive", "hard to follow"]),
    ("our card", ["our company card", "the card"]),
    ("workspace", ["account", "org", "instance"]),
    ("colleagues", ["teammates", "coworkers"]),
    ("honestly", ["tbh", "frankly"]),
    ("Honestly", ["Frankly", "To be honest", "Tbh"]),
    ("Nobody", ["No one", "Not a single person"]),
    ("great", ["awesome", "excellent", "brilliant"]),
    ("helpful", ["useful", "supportive"]),
    ("annoying", ["irritating", "a pain"]),
    ("the whole", ["the entire"]),
    ("I'd like", ["I would like", "I want"]),
    ("We're", ["We are"]),
    ("doesn't", ["does not"]),
    ("don't", ["do not"]),
    ("won't", ["will not"]),
    ("isn't", ["is not"]),
    ("Please", ["Kindly", "Could you please"]),
    ("ASAP", ["asap", "as soon as possible"]),
    ("Is there", ["Is there maybe", "Is there by any chance"]),
    ("a bit", ["a little", "slightly", "kinda"]),
    ("definitely", ["absolutely", "certainly"]),
]

# Situational context, said before the point itself; never changes the labels.
CONTEXT = ["We're a team of {seats}.", "We've been on Voxdemo for about {n} years.", "I'm the admin for our workspace.",
           "Context: we use it mostly on the {platform}.", "Long-time user here.", "We switched from {competitor} last year.",
           "I'm on the {plan} plan.", "We use it for sprint planning.", "Our agency runs all client work through it.",
           "I use it every day for work.", "We onboarded {n} new people this month.", "I run marketing ops here.",
           "We rolled it out to the whole company in {month}.", "Using it with {chat} and {crm}.",
           "I mostly use the {mobile}."]
