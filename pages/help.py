"""How the numbers are worked out: every rule behind a status, forecast or reward, in plain
words with a small worked example each. The reward examples are computed with the same
functions the dashboard uses, and the tolerance is this database's setting."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import polars as pl
import streamlit as st

from dashboard import store
from dashboard.formatting import DIRECTION, REWARD_STATUS, STATUS, money
from dashboard.metrics import reward
from dashboard.metrics.due import OVERDUE_AFTER_DAYS, value_due_date_expr
from dashboard.ui import loaders


def status(rag: str | None, table: dict = STATUS) -> str:
    icon, word, _ = table[rag]
    return f"{icon} **{word}**"


def pct(fraction: Fraction | float) -> str:
    return f"{float(fraction) * 100:.1f}%".replace(".0%", "%")


tolerance = store.rag_tolerance(loaders.engine())

st.title("How the numbers are worked out")
st.markdown(
    "Every status, forecast and reward on the dashboard follows the rules below. Each one comes "
    "with a small example you can check by hand. The same rules produce the figures in every "
    "download and return."
)
st.markdown(
    " · ".join(
        f"[{label}](#{anchor})"
        for label, anchor in (
            ("Trajectory", "trajectory"),
            ("Status", "status"),
            ("Direction of travel", "direction"),
            ("Forecast", "forecast"),
            ("Reward", "reward"),
            ("Cliff edge", "cliff-edge"),
            ("Block self-assessment", "block-assessment"),
            ("Due and overdue", "due"),
            ("Provisional, final, revised", "value-status"),
            ("Reporting burden", "burden"),
            ("Region and national views", "region"),
            ("Comparing areas", "compare"),
            ("Capacity assessment", "capacity"),
            ("Negotiating the agreement", "negotiation"),
            ("Board packs", "board-packs"),
        )
    )
)

# ---- trajectory
BASE, TARGET = 30.0, 36.0
START, END, NOW = date(2006, 3, 31), date(2009, 3, 31), date(2007, 3, 31)
EXPECTED = BASE + (TARGET - BASE) * (NOW - START).days / (END - START).days
st.subheader("The trajectory: the expected value", anchor="trajectory")
st.markdown(
    "A target runs from its **baseline** to its **target** value. The trajectory is a straight "
    "line between them, drawn by calendar days; where the agreement sets milestones for the "
    "years in between, the line runs from milestone to milestone. The **expected value** for a "
    "period is where the line stands at that period's end. Before the baseline it is the "
    "baseline; after the target period it is the target."
)
st.markdown(
    f"*Example.* Baseline {BASE:.1f}% in 2005/06 (31 March 2006), target {TARGET:.1f}% in "
    f"2008/09 (31 March 2009). One year in, at 31 March 2007, "
    f"{(NOW - START).days} of the {(END - START).days} days have passed, so the expected "
    f"value is {BASE:.1f} + {TARGET - BASE:.1f} × {(NOW - START).days}/{(END - START).days} "
    f"= **{EXPECTED:.1f}%**."
)

# ---- RAG
SPAN = abs(TARGET - BASE)
AMBER_ACTUAL = EXPECTED - tolerance * SPAN / 2
RED_ACTUAL = EXPECTED - tolerance * SPAN * 1.5
st.subheader("Status: on track, behind, off track", anchor="status")
st.markdown(
    "The status compares the latest figure with the expected value for its period. How far "
    "it is behind, in the bad direction, is measured as a share of the whole distance from "
    "baseline to target (the **gap**; negative when ahead).\n\n"
    f"- {status('green')}: level with the trajectory or ahead of it (gap 0 or less).\n"
    f"- {status('amber')}: behind by no more than the tolerance, **{tolerance:.0%}** of the "
    "distance in this dashboard; or further behind, but the forecast for the target period "
    "still meets the target.\n"
    f"- {status('red')}: further behind than that.\n"
    f"- {status(None)}: no figure yet.\n\n"
    "**After the target period.** Once the target period has a figure, that figure decides for "
    f"good: {STATUS['green'][1].lower()} if it meets the target, "
    f"{STATUS['amber'][1].lower()} if it falls short by no more than the tolerance, "
    f"{STATUS['red'][1].lower()} otherwise. Later figures and the forecast no longer change it."
)
st.markdown(
    f"*Example* (higher is better, the trajectory above). The distance is {SPAN:.1f} points, so "
    f"the tolerance is {tolerance * SPAN:.2f} points. Expected at 31 March 2007: "
    f"{EXPECTED:.1f}%. A figure of {EXPECTED + 0.5:.1f}% is {status('green')}; "
    f"{AMBER_ACTUAL:.2f}% is {status('amber')} (behind by "
    f"{EXPECTED - AMBER_ACTUAL:.2f} points, {(EXPECTED - AMBER_ACTUAL) / SPAN:.0%} of the "
    f"distance); {RED_ACTUAL:.2f}% is {status('red')} (behind by "
    f"{(EXPECTED - RED_ACTUAL) / SPAN:.0%}), unless its forecast meets the target."
)

# ---- direction
STEP = 0.02 * SPAN
st.subheader("Direction of travel", anchor="direction")
st.markdown(
    "The latest figure against the one before. "
    f"{DIRECTION['improving']}: it moved the good way by more than 2% of the distance from "
    f"baseline to target; {DIRECTION['worsening']}: the bad way by more than that; "
    f"{DIRECTION['steady']}: anything smaller. With fewer than two figures there is no "
    "direction. The arrow shows the figure's own movement read against what is good: for a "
    "lower-is-better indicator, such as crime rates, a fall is improving."
)
st.markdown(
    f"*Example.* The distance is {SPAN:.1f} points, so the step is {STEP:.2f} points. From "
    f"31.7% to 31.9% is {DIRECTION['improving']}; from 31.7% to 31.8% is "
    f"{DIRECTION['steady']}; from 31.7% to 31.5% is {DIRECTION['worsening']}."
)

# ---- forecast
st.subheader("The forecast and its 80% range", anchor="forecast")
st.markdown(
    "The forecast fits a straight line through the last 8 figures of a target (at least 3 are "
    "needed; provisional figures count) and reads it at the target period. The **80% range** "
    "around it is where the outcome falls 8 times in 10 if the trend holds; few or scattered "
    "figures give a wide range. With fewer than 3 figures there is no forecast. For a target "
    "counted as a running total (for example quitters over three years) the forecast is of the "
    "running total.\n\n"
    "**Outturn.** Once an agreement has ended, its figures are no longer a forecast: the "
    "dashboard shows the outturn, what was actually achieved."
)
st.markdown(
    "*Example.* Figures of 30.4%, 31.0%, 31.5% and 32.1% in four successive years rise by "
    "about 0.56 points a year; two more years to the target period give a forecast near 33.2%, "
    "with a range either side."
)

# ---- reward
NET_BUDGET, RATE, REWARD_TARGETS = 200_000_000, Fraction(1, 40), 12
MAXIMUM = reward.maximum_prg(NET_BUDGET, RATE)
SHARE = MAXIMUM / REWARD_TARGETS
EXAMPLES = (  # name, without (W), stretched (S), actual (A)
    ("Household waste recycled (%, higher is better)", "30.0", "36.0", "34.4"),
    ("Vehicle crime per 1,000 (lower is better)", "13.0", "11.5", "12.2"),
    ("The same, actual 12.1", "13.0", "11.5", "12.1"),
    ("Smoking quitters, three-year total", "4200", "5000", "5300"),
)
rows = [
    "| target | without W | stretched S | actual A | achieved | paid | reward |",
    "|---" * 7 + "|",
]
for name, w, s, a in EXAMPLES:
    achieved = reward.achieved_fraction(a, w, s)
    paid = reward.paid_fraction(achieved)
    assert achieved is not None and paid is not None
    amount = reward.reward_amount(SHARE, paid)
    rows.append(f"| {name} | {w} | {s} | {a} | {pct(achieved)} | {pct(paid)} | £{amount:,.2f} |")
PPG_POPULATION = 176_912
st.subheader("The reward", anchor="reward")
st.markdown(
    "Reward targets carry two figures for the end of the agreement: the **without-reward** "
    "figure W (what would happen without extra effort) and the **stretched** target S. For the "
    "actual figure A of the target period:\n\n"
    "> **achieved = (A − W) / (S − W)**\n\n"
    "The same formula works whether higher or lower is better. Then:\n\n"
    "- below **60%** of the stretch nothing is paid (exactly 60% qualifies);\n"
    "- from 60% the target pays that share of its reward, **capped at 100%**;\n"
    "- the maximum reward is 2.5% of the council's net budget requirement, split in **equal "
    "shares** among the reward targets unless the agreement sets other shares;\n"
    "- shares are not rounded; each reward is **rounded once, to the penny**.\n\n"
    "Before the target period has its figure, the reward is a forecast: the rules applied to "
    "the forecast, and its range to the two ends of the forecast's 80% range. Reward status: "
    f"{status('green', REWARD_STATUS)} at 100% or more, {status('amber', REWARD_STATUS)} from "
    f"60% to 100%, {status('red', REWARD_STATUS)} under 60%."
)
st.markdown(
    f"*Example.* A net budget of {money(NET_BUDGET, short=True)} gives a maximum of "
    f"{money(MAXIMUM, short=True)}; with {REWARD_TARGETS} reward targets each share is "
    f"£{reward.money(SHARE):,.2f}.\n\n" + "\n".join(rows)
)
st.markdown(
    "**Pump-priming grant.** Paid up front, on signing: the amount in the agreement, else "
    f"£750,000 plus £1 per resident. *Example:* {PPG_POPULATION:,} residents give "
    f"£{reward.pump_priming_grant(PPG_POPULATION):,.0f}."
)

# ---- cliff edge
CLIFF_ACHIEVED = Fraction(55, 100)
st.subheader("The cliff edge", anchor="cliff-edge")
st.markdown(
    "Reward targets whose forecast reaches 50% to just under 60% of the stretch: a small "
    "improvement takes them over the 60% line, where the reward starts. The money at stake is "
    "what reaching 60% would pay: 60% of the target's share."
)
st.markdown(
    f"*Example.* A target forecast at {pct(CLIFF_ACHIEVED)} of its stretch pays nothing; at 60% "
    f"it would pay 60% × £{reward.money(SHARE):,.2f} = "
    f"**£{reward.reward_amount(SHARE, Fraction(6, 10)):,.2f}**."
)

# ---- block self-assessment
st.subheader("Block self-assessment: performance, progress, risk", anchor="block-assessment")
st.markdown(
    "Each block is rated on three axes, each good, fair or poor (green, amber, red):\n\n"
    "- **Performance**: good when at least 75% of the block's targets are on track, poor when "
    "more than 25% are off track, else fair.\n"
    "- **Progress**: (targets improving − targets worsening) ÷ all targets; good at +0.2 or "
    "more, poor at −0.2 or less, else fair.\n"
    "- **Risk**: the block's forecast reward ÷ its maximum reward; good at 80% or more, poor "
    "under 60%, else fair. A block without reward targets is rated on its share of targets off "
    "track: good at 10% or less, poor above 25%."
)
st.markdown(
    "*Example.* A block of 10 targets: 8 on track, 1 behind, 1 off track; 4 improving, "
    "2 worsening; forecast reward £0.9m of £1.2m. Performance good (80% on track); progress "
    "good ((4 − 2) ÷ 10 = 0.2); risk fair (75%)."
)

# ---- due and overdue
st.subheader("Due and overdue", anchor="due")
st.markdown(
    "A figure is **due** once its period has ended and the indicator's lag (how long the data "
    "takes to arrive) has passed, and nobody has entered it. It is **overdue** "
    f"{OVERDUE_AFTER_DAYS} days after that. Before then it is open: it may be entered but is "
    "not yet expected."
)
QUARTER_END = date(2008, 6, 30)
DUE_DATE = (
    pl.DataFrame({"period": [QUARTER_END], "lag_months": [2]}).select(value_due_date_expr()).item()
)
st.markdown(
    f"*Example.* A quarterly figure for the quarter ending {QUARTER_END:%-d %B %Y}, with a "
    f"two-month lag, is due from {DUE_DATE:%-d %B %Y} and overdue from "
    f"{DUE_DATE + timedelta(days=OVERDUE_AFTER_DAYS + 1):%-d %B %Y}."
)

# ---- provisional, final, revised
st.subheader("Provisional, final and revised figures", anchor="value-status")
st.markdown(
    "Figures often arrive **provisional** and are confirmed later as **final**. A correction "
    "never overwrites: it adds a new version with its reason, and the earlier one stays in the "
    "history. A final figure corrected again shows as **revised**. The dashboard always uses "
    "the newest version; charts draw provisional figures as hollow points."
)

# ---- burden
st.subheader("Reporting burden: data items a year", anchor="burden")
st.markdown(
    "Each indicator sent to a recipient at a frequency counts once, however many returns "
    "carry it: monthly 12 items a year, quarterly 4, termly 3, annual 1, every two years 0.5, "
    "every three years ⅓. A line that stops or is replaced once the LAA is signed counts only "
    "in the figures without the LAA."
)
st.markdown(
    "*Example.* An indicator sent quarterly to its department (4) and annually to the "
    "Government Office (1) costs 5 items a year without the LAA. If the department's return "
    "stops once the LAA is signed, 1 item a year is left: 4 items saved."
)

# ---- region and national views
st.subheader("Region and national views", anchor="region")
st.markdown(
    "The **region page** lists every area a Government Office covers, one row each. For each "
    "block it counts the targets on track (●), behind (▲), off track (✖) and without data (○), "
    "the same counts as on the area's own overview, with the block's rating on performance, "
    "progress and risk. Each row also shows the area's reward forecast against its maximum "
    "grant with the forecast's 80% range, the money at stake on the cliff edge, the values "
    "overdue (due for more than 30 days), whether the Government Office has signed off the "
    "current six-monthly review, its latest judgement of the partnership's performance "
    "management capacity, and the area's cohort: the year its agreement started."
)
st.markdown(
    "In the chart each bar is an area's reward forecast as a share of its own maximum. The "
    "dotted line at 60% is a guide: each reward target pays nothing below 60% of its stretch, "
    "so an area whose bar or range reaches below the line has targets close to that edge."
)
st.markdown(
    "**Red flags** list what to challenge first, worst first: reward targets that are off "
    "track and getting worse; reward targets on the cliff edge, with the money at stake; "
    "values overdue by more than 30 days; and targets off track or getting worse that have no "
    "commentary yet. A target flagged for several reasons shows them all."
)
st.markdown(
    "The **national view** adds the same counts up for each of the nine regions. A department "
    "analyst sees only the targets on its own indicators, and the reward figures are the share "
    "of each area's grant that those targets carry."
)
st.markdown(
    "*Example.* A region of two areas whose children's blocks have 5 on track and 6 off track, "
    "and 5 on track and 4 off track, shows 10 on track and 10 off track for that block on the "
    "national view."
)

# ---- comparing areas
st.subheader("Comparing areas", anchor="compare")
st.markdown(
    "The compare page sets one indicator of an area beside other areas: those of the same "
    "Government Office region, those of the same authority type (county, unitary, "
    "metropolitan district, London borough), the **10 nearest neighbours**, or all areas. "
    "Neighbours are the areas closest in deprivation rank and population: the distance adds "
    "the squares of the difference in rank divided by 150 and of the difference in the "
    "logarithm of population divided by 1.5, so 15 places of rank count as much as a "
    "population 1.4 times larger. You see only the areas you may read; someone who reads one "
    "area sees the group's median and quartiles, never another area's figures, and none when "
    "fewer than 5 areas have a value."
)
st.markdown(
    "Counts (such as people in treatment) are shown **per 1,000 population**, so that a large "
    "county and a small unitary compare. The **median** is the middle value; the **lower and "
    "upper quartiles** cut off the lowest and highest quarter, so half the areas lie between "
    "them. They are worked out as a spreadsheet's QUARTILE.INC does."
)
st.markdown(
    "*Example.* Six areas with 1, 2, 4, 7, 11 and 16: the median is 5.5 (halfway between 4 and "
    "7), the lower quartile 2.5 and the upper quartile 10."
)
st.markdown(
    "There is **no league table by default**: areas are listed by name, and ranking them is "
    "your choice. Deprivation, population and starting points differ between areas, and "
    "figures can be for different periods: a low value is a question to ask, not a verdict."
)

# ---- capacity assessment
st.subheader("Capacity assessment: the four-point scale and sign-off", anchor="capacity")
st.markdown(
    "Before it recommends an agreement for sign-off, the Government Office judges how well the "
    "partnership can manage its performance. It uses a framework of characteristics, grouped "
    "under the four conditions for success: clarity of vision; performance improvement "
    "capacity; meaningful accountability within and between partnerships; and simplified, "
    "integrated vertical performance management. Each characteristic is rated on a "
    "four-point scale: ●●●● **Strong**, ●●●○ **Adequate**, ●●○○ **Developing** and "
    "●○○○ **Weak**. For every characteristic the framework describes each level with "
    "examples of strengths and weaknesses; on the form, the help beside a characteristic "
    "shows them, so everyone rates against the same picture."
)
st.markdown(
    "The partnership's performance officer records a **self-assessment** on the same "
    "framework. The page sets the Government Office's levels beside the partnership's own: "
    "▲ where the partnership rates itself higher, ▼ where it rates itself lower, = where they "
    "agree. A difference is a question for the next conversation, not a mark against anyone."
)
st.markdown(
    "The Government Office's assessment ends with its **recommendation for sign-off** and its "
    "date: ✔ **Ready for sign-off**, ▲ **Ready with conditions** (each condition listed, one "
    "per line) or ✖ **Not ready**. The latest one shows on the area's overview, the region "
    "page and the six-monthly review pack. Saving an assessment never overwrites: it adds a "
    "new dated version, and every earlier version can still be read."
)
st.markdown(
    "*Example.* Data quality rated ●●○○ Developing in March and ●●●○ Adequate in October "
    "shows as ↗ improved in what moved since the previous assessment."
)

# ---- negotiation
st.subheader("Negotiating the agreement: proposals, evidence and sign-off", anchor="negotiation")
st.markdown(
    "The next agreement is negotiated on the **Negotiation** page. The area's performance "
    "officer chooses the indicators — every **mandatory** one is listed as required, with the "
    "reason it is mandatory; **optional** ones come from the government menu; **local** ones "
    "are created in place with their full definition — and proposes a target for each: "
    "baseline, milestones, target, owner partnership and lead officer. A **reward target** also "
    "has its **without reward** figure (what the area expects without the extra effort), its "
    "share of the reward grant (an agreed amount, or an equal split of what the agreed shares "
    "leave), the five headings of the negotiation note and, if it has one, its **focus**: a "
    "geography or group such as neighbourhood renewal wards."
)
st.markdown(
    "For every proposed reward target the page works out the **stretch evidence** from the "
    "area's own history; nothing of it is typed. The trend of the last 8 values (at least 3) is "
    "projected to the target period with its 80% range. A without-reward figure better than "
    "the top of that range is marked **not credible**; one worse than the bottom of the range "
    "is marked **padded** (part of the stretch is what the trend would bring anyway); a figure "
    "exactly on the edge of the range is not marked. The stretch is set against the trend's "
    "yearly improvement: a stretch worth at least a year of it is **challenging**. Value for "
    "money is the share of the grant per unit of stretch and per head of population. These "
    "marks are questions for the conversation, never a block."
)
st.markdown(
    "Each proposal is a numbered version. The Government Office comments and marks the latest "
    "version ● **Agreed** or ✖ **Challenged** (saying why); the area revises, which makes a new "
    "version ◔ **awaiting** a new verdict. Every version is kept and the page shows what "
    "changed. The area can never mark its own proposal agreed, and the Government Office never "
    "rewrites it."
)
st.markdown(
    "The agreement is **ready to sign** when every chosen indicator has an agreed proposal, "
    "every mandatory indicator is in it, the reward targets are no more than the agreement "
    "allows and the agreed shares do not add up to more than the reward grant (2.5% of the "
    "council's net budget requirement). The Government Office then builds the single LAA "
    "document and signs it: the document's fingerprint (its content hash) is recorded with "
    "the versions signed, the agreed proposals become the agreement's targets and its reward "
    "targets are frozen for the three years."
)

# ---- board packs
st.subheader("Board packs: what the board was shown", anchor="board-packs")
st.markdown(
    "The performance officer keeps the dates the LSP board and each thematic partnership meet "
    "on the **Meetings and board packs** page; the overview names the next board meeting. "
    "The pack for a meeting is built in one click: its headline figures, each block's status "
    "and rating, the exceptions with their commentary, the cliff edge, and a page with the "
    "trajectory chart for every target off track. A thematic partnership's pack holds its own "
    "targets."
)
st.markdown(
    "A pack is **as known at** the moment it is built: only the values recorded by then are in "
    "it. It is kept exactly as built, with that moment and its fingerprint, so it can be "
    "downloaded again, unchanged, long after — and building it again for the same moment gives "
    "the same figures, even after later corrections."
)
st.markdown(
    "**What the board saw.** With a past as-at date, the sidebar offers **As known then**: the "
    "LSP overview, blocks, thematic partnerships and indicator pages then show only the values "
    "recorded by the end of that day, and the targets as they stood then. A stored pack's link "
    "opens the overview at the pack's own moment, so its numbers can be checked against the "
    "minutes. Pages for entering values and the views across areas always show what is known "
    "today, and say so."
)
st.markdown(
    "**Actions** agreed at a meeting or afterwards have an owner, a date and a target or "
    "exception they answer. The owner is one of the area's people or anyone else named; owners "
    "who sign in here see their overdue actions on **My updates**, and the overview counts the "
    "overdue ones. Marking an action done, dropped (saying why) or open again keeps its history."
)
st.markdown(
    "**Reminders.** Before each meeting the performance officer sees who owes what: values "
    "overdue, due, or falling due before the meeting (a target's lead officer, else its "
    "partnership), and actions past their date or due by the meeting. "
    "Where the dashboard has an e-mail server, each owner with an address gets one message, "
    "shown before it is sent and signed by the officer; the page records who was written to "
    "and when. Without an e-mail server nothing is sent and the list downloads for chasing by "
    "hand."
)
