"""The built-in demo: 26 fictional areas and their 2005–10 Local Area Agreements.

`seed_demo` writes a complete, plausible history through the store (DOMAIN.md): the
40-indicator framework and its reporting lines, 26 invented areas over the 9 Government
Offices (8 in the East Midlands, the demo GO's region) in the three real start cohorts (April
2005 pilots with three blocks, April 2006 and April 2007 with four), their thematic
partnerships and lead officers, 30–40 targets per area of which 9–12 are stretched reward
targets, actual values with provisional figures and corrections, exception commentary, a few
refreshed ordinary targets, signed agreements and the `today` / `demo` settings.

It is deterministic: every random draw comes from `numpy.random.default_rng` in a fixed
order and no wall clock is read. The areas come in waves (`AREA_WAVES`), each planned from its
own generator (`seed`, then `seed + 1`, ...), so a wave added later leaves the earlier areas'
figures as they were, value for value. Every timestamp is a plausible backdated time (a value
is recorded around its period end plus the indicator's lag), so the same seed gives the same
database content, row for row, on every run.

How the numbers are drawn (shape facts from shared/reference/README.md):

* baselines come from the reference ranges, placed by the area's deprivation (deprived areas
  have more crime, mortality, NEET and teenage conceptions, lower employment and attainment);
  counts scale with population;
* a reward target's "without reward" figure drifts 1–3% of baseline a year the good way and
  the stretch adds 3–10% of baseline; ordinary targets ask for a modest 4–12% improvement
  over the term; Skills for Life reward targets of three areas are 3-year totals
  (`measure="cumulative"`);
* each target gets a designed outcome at its target period — for reward targets a quarter end
  below 60% of the stretch, a quarter between 60% and 100%, half at or above it (one pilot
  target lands on exactly 60%, which is paid) — and its values follow a path from the
  baseline to that outcome with realistic noise (5–10% a year for rates, ±2–4 points for
  survey percentages, Poisson counts);
* only periods whose end plus lag is on or before `DEMO_TODAY` have values; recent ones are
  mostly provisional, and some older ones were provisional first or corrected later.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from dashboard import db, store
from dashboard.metrics.periods import period_ends, period_label
from dashboard.store import Actor, WriteSummary
from data_models import Area, ReportingLine
from seed_data.capacity_demo import seed_capacity_demo
from seed_data.demo_users import seed_demo_users
from seed_data.meetings_demo import seed_meetings_demo
from seed_data.negotiation_demo import seed_negotiation_demo

__all__ = [
    "AREAS",
    "AREA_WAVES",
    "DEFAULT_SEED",
    "DEMO_TODAY",
    "AreaSpec",
    "DemoSummary",
    "seed_demo",
]

DEMO_TODAY = date(2008, 11, 30)
"""The demo's business date: the 2005 pilots have finished, the 2006 and 2007 cohorts run on."""

DEFAULT_SEED = 2005
FRAMEWORK_DIR = Path(__file__).resolve().parent / "framework"

FRAMEWORK_LOADED_AT = datetime(2004, 7, 5, 9, 30, tzinfo=UTC)
SETTINGS_AT = datetime.combine(DEMO_TODAY, time(21, 0), tzinfo=UTC)  # after the day's returns

COHORTS: dict[int, tuple[date, date]] = {
    2005: (date(2005, 4, 1), date(2008, 3, 31)),
    2006: (date(2006, 4, 1), date(2009, 3, 31)),
    2007: (date(2007, 4, 1), date(2010, 3, 31)),
}
PILOT_BLOCKS = ("CYP", "SSC", "HCOP")
ALL_BLOCKS = ("CYP", "SSC", "HCOP", "EDE")


@dataclass(frozen=True)
class AreaSpec:
    """A fictional area: the fixed part of the demo (numbers are drawn from the seed)."""

    code: str
    name: str
    region_code: str
    la_type: str
    cohort: int
    skills_stretch: bool = False  # Skills for Life as a cumulative (3-year total) reward target
    agreed_share: bool = False  # one reward target with an agreed share of the grant
    deprivation: tuple[int, int] | None = None  # a narrower rank range than its type's

    @property
    def slug(self) -> str:
        return self.name.lower().replace(" ", "")

    @property
    def blocks(self) -> tuple[str, ...]:
        return PILOT_BLOCKS if self.cohort == 2005 else ALL_BLOCKS


FIRST_AREAS: tuple[AreaSpec, ...] = (
    AreaSpec("D01", "Castlemere", "GONE", "metropolitan", 2005),
    AreaSpec("D02", "Ashworth", "GONW", "metropolitan", 2005),
    AreaSpec("D03", "Trentshire", "GOEM", "county", 2005),
    AreaSpec("D04", "Fenshire", "GOEE", "county", 2005),
    AreaSpec("D05", "Northgate", "GOL", "london_borough", 2005),
    AreaSpec("D06", "Tamarmouth", "GOSW", "unitary", 2005),
    AreaSpec("D07", "Wansmouth", "GONE", "unitary", 2006, skills_stretch=True),
    AreaSpec("D08", "Fellshire", "GONW", "county", 2006),
    AreaSpec("D09", "Calderbrook", "GOYH", "metropolitan", 2006, agreed_share=True),
    AreaSpec("D10", "Thornbury Vale", "GOEM", "unitary", 2006),
    AreaSpec("D11", "Kingsmoor", "GOWM", "metropolitan", 2006, skills_stretch=True),
    AreaSpec("D12", "Thamesbank", "GOL", "london_borough", 2006),
    AreaSpec("D13", "Wealdshire", "GOSE", "county", 2006),
    AreaSpec("D14", "Irwell Bridge", "GONW", "metropolitan", 2007),
    AreaSpec("D15", "Ousedale", "GOYH", "unitary", 2007, skills_stretch=True),
    AreaSpec("D16", "Elmsbury", "GOWM", "unitary", 2007),
    AreaSpec("D17", "Harbridge", "GOEE", "unitary", 2007),
    AreaSpec("D18", "Eastbrook", "GOL", "london_borough", 2007),
    AreaSpec("D19", "Havenport", "GOSE", "unitary", 2007),
    AreaSpec("D20", "Wessex Vale", "GOSW", "county", 2007),
)
# So the demo GO's region holds enough areas to compare and assess across (8 with D03, D10):
# counties and unitaries, a deprived city (Soarford) and a former coalfield (Idledale).
EAST_MIDLANDS_AREAS: tuple[AreaSpec, ...] = (
    AreaSpec("D21", "Peakshire", "GOEM", "county", 2006),
    AreaSpec("D22", "Soarford", "GOEM", "unitary", 2006, agreed_share=True, deprivation=(15, 40)),
    AreaSpec("D23", "Lindsey Wolds", "GOEM", "county", 2006),
    AreaSpec("D24", "Fosseshire", "GOEM", "county", 2007, skills_stretch=True),
    AreaSpec("D25", "Nenebury", "GOEM", "unitary", 2007),
    AreaSpec("D26", "Idledale", "GOEM", "unitary", 2007, deprivation=(40, 75)),  # ex-coalfield
)
# Each wave is planned from its own generator (seed + its index): a new wave goes at the end
# and never shifts an earlier wave's draws.
AREA_WAVES: tuple[tuple[AreaSpec, ...], ...] = (FIRST_AREAS, EAST_MIDLANDS_AREAS)
AREAS: tuple[AreaSpec, ...] = tuple(spec for wave in AREA_WAVES for spec in wave)

# la_type: (population range, net budget requirement £ per head, deprivation rank range)
AREA_TYPES: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "county": ((500_000, 1_400_000), (1_000, 1_250), (85, 150)),
    "unitary": ((130_000, 350_000), (1_100, 1_400), (15, 150)),
    "metropolitan": ((180_000, 750_000), (1_150, 1_450), (1, 70)),
    "london_borough": ((170_000, 330_000), (1_250, 1_600), (5, 110)),
}

NORTHERN = ("GONE", "GONW", "GOYH", "GOWM")
SOUTHERN = ("GOSE", "GOEE", "GOSW")


@dataclass(frozen=True)
class Profile:
    """How to draw one indicator: reference baseline range, deprivation link and noise.

    `dep` > 0: the value rises with deprivation; < 0: it falls; 0: unrelated. `noise` is `abs`
    (sd in the indicator's units), `rel` (sd as a fraction of the value) or `poisson`
    (a count, with `sd` as extra relative variation). The sd is scatter around the trend, so
    year-on-year changes vary about 1.4 times as much (5–10% a year for rates).
    """

    low: float
    high: float
    dep: float
    noise: str
    sd: float
    family: str
    reward_weight: float
    role: str


PROFILES: dict[str, Profile] = {
    "BV38": Profile(45, 65, -1, "abs", 1.0, "attainment", 1.0, "Head of School Improvement"),
    "BV38-EM": Profile(32, 55, -1, "abs", 1.0, "attainment", 2.0, "Head of School Improvement"),
    "BV41": Profile(72, 86, -1, "abs", 1.0, "attainment", 0.8, "Primary Strategy Manager"),
    "BV40": Profile(68, 81, -1, "abs", 1.0, "attainment", 0.8, "Primary Strategy Manager"),
    "TP-U18": Profile(
        28, 65, 1, "rel", 0.055, "teenage_pregnancy", 2.0, "Teenage Pregnancy Co-ordinator"
    ),
    "NEET": Profile(4, 13, 1, "abs", 0.4, "neet", 2.0, "Connexions Partnership Manager"),
    "BV45": Profile(6.5, 9.5, 1, "abs", 0.25, "absence", 1.0, "Head of Education Welfare Service"),
    "BV49": Profile(8, 17, 0.3, "abs", 1.2, "looked_after", 0.7, "Head of Children's Social Care"),
    "BV161": Profile(
        0.55, 0.90, -0.5, "abs", 0.04, "looked_after", 0.7, "Head of Children's Social Care"
    ),
    "NCMP-R": Profile(7.5, 12, 1, "abs", 0.5, "obesity", 0.8, "Healthy Schools Co-ordinator"),
    "YJ-FTE": Profile(
        1400, 3200, 1, "rel", 0.055, "youth_justice", 1.2, "Youth Offending Service Manager"
    ),
    "BCS-C": Profile(55, 130, 1, "rel", 0.035, "crime", 2.0, "Head of Community Safety"),
    "BV127a": Profile(12, 35, 1, "rel", 0.04, "crime", 1.0, "Chief Inspector, Partnerships"),
    "BV126": Profile(5, 25, 1, "rel", 0.045, "crime", 2.0, "Head of Community Safety"),
    "BV128": Profile(8, 25, 1, "rel", 0.045, "crime", 2.0, "Head of Community Safety"),
    "ASB-P": Profile(
        10, 35, 1, "abs", 1.5, "perception", 0.5, "Anti-Social Behaviour Co-ordinator"
    ),
    "SAFE-D": Profile(40, 75, -1, "abs", 1.5, "perception", 1.0, "Head of Community Safety"),
    "DRUG-T": Profile(
        400, 3500, 1, "poisson", 0.02, "drugs", 2.0, "Drug and Alcohol Action Team Co-ordinator"
    ),
    "BV82ab": Profile(18, 40, -0.6, "abs", 1.0, "waste", 2.0, "Head of Waste Management"),
    "RES-W": Profile(550, 800, 0, "rel", 0.02, "waste", 0.8, "Head of Waste Management"),
    "BV199a": Profile(5, 25, 1, "abs", 1.5, "litter", 1.0, "Head of Street Scene"),
    "BV142iii": Profile(
        8, 22, 1, "rel", 0.06, "fires", 1.2, "Group Manager, Community Fire Safety"
    ),
    "BV143": Profile(4, 15, 1, "rel", 0.09, "fires", 1.0, "Group Manager, Community Fire Safety"),
    "BV99": Profile(80, 900, 0, "poisson", 0.03, "roads", 1.5, "Road Safety Manager"),
    "VOL": Profile(
        15, 30, -1, "abs", 1.5, "perception", 0.8, "Voluntary Sector Development Manager"
    ),
    "INFL": Profile(22, 40, -0.5, "abs", 1.5, "perception", 0.5, "Community Engagement Manager"),
    "COH": Profile(60, 88, -1, "abs", 1.5, "perception", 0.5, "Community Cohesion Manager"),
    "MORT": Profile(550, 800, 1, "rel", 0.015, "mortality", 0.4, "Director of Public Health"),
    "SMOK-Q": Profile(400, 1300, 0.6, "rel", 0.06, "smoking", 2.0, "Stop Smoking Service Manager"),
    "SPORT": Profile(17, 26, -1, "abs", 1.0, "sport", 1.5, "Sport and Physical Activity Manager"),
    "BV54": Profile(60, 130, 0, "rel", 0.04, "social_care", 1.0, "Head of Older People's Services"),
    "BV201": Profile(
        40, 200, 0, "rel", 0.06, "social_care", 1.0, "Head of Adult Social Care Commissioning"
    ),
    "PAF-C72": Profile(
        70, 130, 0, "rel", 0.05, "social_care", 1.0, "Head of Older People's Services"
    ),
    "EMERG-75": Profile(
        250, 400, 1, "rel", 0.04, "admissions", 1.2, "Director of Commissioning (PCT)"
    ),
    "EMP": Profile(65, 80, -1, "abs", 0.7, "worklessness", 2.0, "Jobcentre Plus District Manager"),
    "OOWB": Profile(8, 22, 1, "abs", 0.2, "worklessness", 1.5, "Jobcentre Plus District Manager"),
    "IB": Profile(5, 12, 1, "abs", 0.15, "worklessness", 1.2, "Jobcentre Plus District Manager"),
    "VAT-REG": Profile(25, 60, -1, "rel", 0.045, "enterprise", 1.0, "Head of Economic Development"),
    "L2-ADULT": Profile(58, 75, -1, "abs", 1.2, "skills", 1.5, "LSC Partnership Director"),
    "SFL": Profile(400, 4000, 0.5, "poisson", 0.04, "skills", 1.5, "LSC Partnership Director"),
}

# Counts scale with population: (per-head low, per-head high) before deprivation.
COUNT_PER_HEAD = {"BV99": (30e-5, 60e-5), "DRUG-T": (1.8e-3, 3.0e-3), "SFL": (2.5e-3, 5.0e-3)}

# Autocorrelation of the noise between consecutive periods: monthly crime figures are rolling
# twelve-month rates, so they move smoothly; annual figures jump independently.
RHO = {"monthly": 0.8, "quarterly": 0.5, "termly": 0.2, "annual": 0.0, "biennial": 0.0}
# Year-on-year noise is the reference; a rolling monthly figure wanders less around its trend.
NOISE_SCALE = {"monthly": 0.6, "quarterly": 0.8}

FIRST_NAMES = (
    "Sarah", "David", "Helen", "Mark", "Claire", "Andrew", "Rachel", "Paul", "Julie", "Simon",
    "Karen", "Richard", "Alison", "Stephen", "Joanne", "Martin", "Nicola", "Ian", "Catherine",
    "Graham", "Fiona", "Neil", "Amanda", "Peter", "Louise", "Gary", "Deborah", "Jonathan",
    "Susan", "Philip", "Emma", "Kevin", "Gillian", "Adrian", "Rebecca", "Tariq", "Priya",
    "Sanjay", "Yvonne", "Colin",
)  # fmt: skip
SURNAMES = (
    "Whitfield", "Hargreaves", "Pennington", "Oakley", "Rowntree", "Ashby", "Kershaw",
    "Lindley", "Marsden", "Pickering", "Thwaite", "Blackwood", "Fairbairn", "Holroyd",
    "Dunmore", "Greenhalgh", "Carver", "Ellison", "Farrow", "Gaskell", "Hepworth", "Ingram",
    "Jagger", "Kendrick", "Lockwood", "Mallinson", "Nuttall", "Ormerod", "Priestley",
    "Quarmby", "Radcliffe", "Sutcliffe", "Tattersall", "Uttley", "Varley", "Wainwright",
    "Yardley", "Ahmed", "Begum", "Chaudhry", "Okafor", "Patel", "Mensah", "Kowalski",
    "Brennan", "Docherty", "McAllister", "Rees",
)  # fmt: skip

# Commentary by exception (DOMAIN §6): why performance is behind, and what will be done.
FAMILY_TEXT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "attainment": (
        (
            "Results fell in three schools after changes of headteacher, and this year's cohort "
            "had more pupils with special educational needs.",
            "The gap between pupils eligible for free school meals and their peers widened, "
            "mostly in English.",
            "Two schools in an Ofsted category account for most of the shortfall.",
        ),
        (
            "The schools concerned are on intensive support, with their School Improvement "
            "Partner visiting fortnightly.",
            "One-to-one tuition and Easter revision classes are being offered to pupils at the "
            "C/D borderline, funded from the Standards Fund.",
            "Progress of every pupil below expected levels is now reviewed half-termly with "
            "headteachers.",
        ),
    ),
    "teenage_pregnancy": (
        (
            "Conceptions rose in the two wards with the highest rates; the outreach sexual "
            "health clinic there was closed for four months.",
            "The contraception and sexual health service lost two specialist nurses and could "
            "not run its school drop-ins.",
        ),
        (
            "The PCT has agreed to reopen the outreach clinic and extend its evening hours.",
            "Sex and relationships education is being targeted at the six secondary schools "
            "with the highest rates, with a new young people's C-card scheme.",
        ),
    ),
    "neet": (
        (
            "More young people left jobs without training as local employers cut back, and "
            "Connexions recorded an unusually high number of 'not known' destinations.",
            "Fewer Entry to Employment places were available after the LSC contract round.",
        ),
        (
            "Connexions is tracking every 'not known' young person by phone and home visit.",
            "The LSC has commissioned 60 additional Entry to Employment places from January.",
            "A NEET reduction group chaired by the Director of Children's Services now meets "
            "monthly.",
        ),
    ),
    "absence": (
        (
            "Persistent absence is concentrated in four secondary schools, with an outbreak of "
            "illness during the spring term.",
            "Term-time holidays increased after two schools changed their authorisation policy.",
        ),
        (
            "Education Welfare Officers are now assigned to the four schools full time and "
            "penalty notices are being used consistently.",
            "First-day absence calling has been extended to all secondary schools.",
        ),
    ),
    "looked_after": (
        (
            "A shortage of local foster carers meant more placement moves and more children "
            "placed out of the area.",
            "A small cohort makes the figure volatile: three young people account for most of "
            "the change.",
        ),
        (
            "A foster carer recruitment campaign started in September, with a target of 20 new "
            "carers this year.",
            "Every planned placement move now needs the agreement of the Head of Service.",
        ),
    ),
    "obesity": (
        (
            "Measurement coverage rose sharply, bringing in more children from the areas with "
            "the highest obesity levels.",
        ),
        (
            "The healthy schools programme is being extended to all primary schools, with "
            "family cooking and activity sessions in children's centres.",
        ),
    ),
    "youth_justice": (
        (
            "Police activity on street drinking and anti-social behaviour led to more first "
            "offences being recorded for minor matters.",
            "A spate of offending by one peer group in the town centre inflated the figure.",
        ),
        (
            "The Youth Offending Service and police are piloting a youth restorative disposal "
            "so that first minor offences are dealt with outside the court system.",
            "Positive Activities for Young People funding is being concentrated on the two "
            "hotspot neighbourhoods over the holidays.",
        ),
    ),
    "crime": (
        (
            "A series of offences in two town-centre beats, linked to a small number of prolific "
            "offenders released in the period, accounts for most of the rise.",
            "Seasonal increase in the darker evenings, concentrated in student and rented "
            "housing areas.",
            "A change in crime recording practice after the police data-quality audit has "
            "raised recorded levels.",
        ),
        (
            "The Prolific and other Priority Offenders scheme has taken on the offenders "
            "concerned and a targeted operation ran through the hotspot beats.",
            "Target-hardening and 'lock it or lose it' campaigns are running in the affected "
            "streets, with extra neighbourhood policing patrols.",
            "The partnership's tasking group now reviews hotspots weekly instead of monthly.",
        ),
    ),
    "perception": (
        (
            "The survey was taken shortly after a widely reported incident, and the response "
            "from the most affected wards was lower than in the last survey.",
            "Results are within the survey's confidence interval but below the expected level.",
        ),
        (
            "Neighbourhood management teams will publish 'you said, we did' reports in every "
            "ward, and the next survey will use a boosted sample.",
            "Ward-level action plans have been agreed with the neighbourhood forums.",
        ),
    ),
    "drugs": (
        (
            "Waiting times rose when the main community treatment provider lost two "
            "prescribing workers, and fewer people were retained for twelve weeks.",
            "Referrals through the Drug Interventions Programme fell after a change of "
            "custody arrangements.",
        ),
        (
            "The DAAT has funded locum prescribers and a second open-access clinic.",
            "Criminal justice workers are now based in the custody suite six days a week.",
        ),
    ),
    "waste": (
        (
            "The new kerbside collection was rolled out three months later than planned.",
            "A dry summer reduced the tonnage of garden waste collected for composting.",
        ),
        (
            "The remaining rounds switch to alternate weekly collection in the next quarter, "
            "with door-knocking in low-participation areas.",
            "The waste team is running a 'recycle more' campaign with schools and a new "
            "household waste recycling centre layout.",
        ),
    ),
    "litter": (
        (
            "Tranche results fell in the high-density housing and main retail areas after "
            "the street-cleansing contract was re-let.",
        ),
        (
            "The contractor is on an improvement plan with penalty deductions, and enforcement "
            "officers are issuing fixed penalty notices for littering.",
        ),
    ),
    "fires": (
        (
            "Several fires in the quarter were linked to cooking and smoking in homes of older "
            "people living alone.",
            "Small numbers make the rate volatile; two incidents account for the change.",
        ),
        (
            "Home fire safety checks are being targeted at older people through adult social "
            "care and the PCT's community nurses.",
            "Free smoke alarms are being fitted in every home visited in the two worst wards.",
        ),
    ),
    "roads": (
        (
            "Motorcycle casualties on rural routes rose, and a single multi-vehicle collision "
            "added several serious casualties.",
        ),
        (
            "Speed enforcement and engineering work are planned on the three routes with "
            "clusters of serious collisions, with a biker safety campaign in the spring.",
        ),
    ),
    "mortality": (
        (
            "Deaths from circulatory disease in the most deprived wards have not fallen as "
            "fast as the district average.",
        ),
        (
            "The PCT is commissioning health checks for people aged 40–74 in the spearhead "
            "wards, starting with the practices with the highest risk registers.",
        ),
    ),
    "smoking": (
        (
            "Fewer four-week quitters were recorded while the service was re-tendered and some "
            "pharmacies stopped offering support.",
            "Quit attempts fell after the smoke-free legislation peak.",
        ),
        (
            "New pharmacy and GP practice contracts are in place and a targeted campaign in "
            "routine and manual workplaces starts next month.",
            "Stop smoking advisers are being placed in antenatal clinics and the hospital's "
            "pre-operative assessment unit.",
        ),
    ),
    "sport": (
        (
            "The Active People sample for the area is small, and two leisure centres were "
            "closed for refurbishment.",
        ),
        (
            "Free swimming and 'walk for health' schemes are being extended and the reopened "
            "leisure centres are running taster sessions.",
        ),
    ),
    "social_care": (
        (
            "Hospital discharges put pressure on home care capacity, and two home care "
            "providers withdrew from the market.",
            "Take-up of direct payments is slower than planned because of a shortage of "
            "personal assistants.",
        ),
        (
            "A new intermediate care and reablement service has been commissioned jointly with "
            "the PCT.",
            "A direct payments support service has been commissioned from a user-led "
            "organisation, and care managers are being trained to offer them at every review.",
        ),
    ),
    "admissions": (
        ("Winter pressures and a norovirus outbreak raised emergency admissions of older people.",),
        (
            "Community matrons are case-managing the 500 patients at highest risk of "
            "admission, and falls services are being expanded.",
        ),
    ),
    "worklessness": (
        (
            "The labour market is weakening: notified vacancies fell and the claimant count "
            "rose over the last two quarters.",
            "Incapacity benefit flows have not fallen as planned; Pathways to Work started "
            "later here than in neighbouring districts.",
        ),
        (
            "Jobcentre Plus and the council are concentrating outreach advisers in the "
            "worst-affected neighbourhoods, with a local employer coalition pledging "
            "200 job opportunities.",
            "Condition management places have been increased with the PCT.",
        ),
    ),
    "enterprise": (
        ("Business start-ups slowed as credit conditions tightened.",),
        (
            "Business Link and the enterprise agency are running extra start-up workshops and "
            "a small grants scheme for new businesses in the regeneration areas.",
        ),
    ),
    "skills": (
        (
            "Learner numbers were lower than planned after two providers' contracts were "
            "reduced in the LSC allocation round.",
            "Fewer employers released staff for training this year.",
        ),
        (
            "Train to Gain brokers are targeting employers with large numbers of staff "
            "without qualifications, and the LSC has re-profiled provider allocations.",
            "Adult learning outreach is being concentrated in the neighbourhoods with the "
            "lowest qualification levels.",
        ),
    ),
}


# --------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DemoSummary:
    """What the demo wrote."""

    demo_today: date
    areas: int
    indicators: int
    reporting_lines: int
    partnerships: int
    targets: int
    reward_targets: int
    cumulative_targets: int
    milestones: int
    target_refreshes: int
    actual_revisions: int
    corrections: int
    provisional: int
    commentary: int
    reward_outcomes: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(self.lines())

    def lines(self) -> list[str]:
        out = self.reward_outcomes
        return [
            f"demo today {self.demo_today.isoformat()}",
            f"{self.areas} areas, {self.partnerships} thematic partnerships, "
            f"{self.indicators} indicators, {self.reporting_lines} reporting lines",
            f"{self.targets} targets ({self.reward_targets} reward, {self.cumulative_targets} "
            f"cumulative, {self.milestones} milestones, {self.target_refreshes} refreshed)",
            f"{self.actual_revisions} value revisions ({self.corrections} corrections, "
            f"{self.provisional} provisional now), {self.commentary} commentaries",
            "designed reward outcomes: " + ", ".join(f"{k} {v}" for k, v in out.items()),
        ]


# --------------------------------------------------------------------------- the framework


@dataclass(frozen=True)
class Ind:
    """An indicator of the framework, typed."""

    code: str
    name: str
    block: str
    unit: str
    polarity: str
    decimals: int
    frequency: str
    basis: str
    lag: int
    pmin: float | None
    pmax: float | None
    outcome_type: str
    data_source: str

    @property
    def good(self) -> int:
        """+1 when higher is better, -1 when lower is better."""
        return 1 if self.polarity == "higher" else -1

    @property
    def unit_step(self) -> float:
        return 10.0**-self.decimals


def _none_if_empty(text: str) -> str | None:
    return text if text != "" else None


def _float_or_none(text: str) -> float | None:
    return float(text) if text != "" else None


def framework_rows() -> list[dict[str, Any]]:
    """The framework's indicators as `store.save_indicators` rows (typed, empty → None)."""
    with (FRAMEWORK_DIR / "indicators.csv").open(newline="", encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    rows = []
    for r in raw:
        row: dict[str, Any] = {k: _none_if_empty(v) for k, v in r.items()}
        row["decimals"] = int(r["decimals"]) if r["decimals"] else 1
        row["lag_months"] = int(r["lag_months"]) if r["lag_months"] else 0
        row["plausible_min"] = _float_or_none(r["plausible_min"])
        row["plausible_max"] = _float_or_none(r["plausible_max"])
        row["period_basis"] = r["period_basis"] or "financial"
        rows.append(row)
    return rows


def reporting_line_rows() -> list[dict[str, Any]]:
    """`framework/reporting_lines.csv` as `store.save_reporting_lines` rows."""
    with (FRAMEWORK_DIR / "reporting_lines.csv").open(newline="", encoding="utf-8") as fh:
        rows: list[dict[str, Any]] = [dict(r) for r in csv.DictReader(fh)]
    for row in rows:
        row["due_days"] = int(row["due_days"]) if row.get("due_days") else None
        row["format"] = row.get("format") or None
    return rows


def _indicators(rows: Sequence[dict[str, Any]]) -> dict[str, Ind]:
    return {
        r["indicator_code"]: Ind(
            code=r["indicator_code"],
            name=r["name"],
            block=r["block_code"],
            unit=r["unit"],
            polarity=r["polarity"],
            decimals=r["decimals"],
            frequency=r["frequency"],
            basis=r["period_basis"],
            lag=r["lag_months"],
            pmin=r["plausible_min"],
            pmax=r["plausible_max"],
            outcome_type=r["outcome_type"],
            data_source=r["data_source"],
        )
        for r in rows
    }


# ------------------------------------------------------------------------------ periods


def _is_month_end(d: date) -> bool:
    return (d + timedelta(days=1)).day == 1


def add_months(d: date, months: int) -> date:
    """`d` plus whole months; a month end stays a month end (31 Dec + 11 → 30 Nov)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, last if _is_month_end(d) else min(d.day, last))


def available_on(ind: Ind, period: date) -> date:
    """When a period's value is due: its end plus the indicator's lag."""
    return add_months(period, ind.lag)


def calendar(ind: Ind, start: date, end: date) -> list[date]:
    """The indicator's period ends in [start, end]; biennial surveys run in even years."""
    if ind.frequency == "biennial":
        return [p for p in period_ends("annual", ind.basis, start, end) if p.year % 2 == 0]
    if ind.frequency == "triennial":
        return [p for p in period_ends("annual", ind.basis, start, end) if p.year % 3 == 0]
    return period_ends(ind.frequency, ind.basis, start, end)


def baseline_period(ind: Ind, start: date) -> date:
    """The last full period before the agreement starts."""
    return calendar(ind, start - timedelta(days=5 * 366), start - timedelta(days=1))[-1]


def target_period(ind: Ind, end: date) -> date:
    """The last period that ends within the agreement."""
    return calendar(ind, end - timedelta(days=3 * 366), end)[-1]


# ------------------------------------------------------------------------------- the plan


@dataclass
class _Area:
    spec: AreaSpec
    population: int
    net_budget: int
    deprivation_rank: int
    start: date
    end: date
    signed: date
    negotiated_at: datetime
    created_at: datetime
    partnerships: dict[str, str] = field(default_factory=dict)  # indicator → partnership
    officers: dict[str, tuple[str, str]] = field(default_factory=dict)  # role → (name, email)

    @property
    def dscore(self) -> float:
        """0 (least deprived) .. 1 (most deprived)."""
        return 1.0 - (self.deprivation_rank - 1) / 149.0

    @property
    def performance_inbox(self) -> str:
        return f"performance.officer@{self.spec.slug}.example"


@dataclass
class _Target:
    area: _Area
    ind: Ind
    reward: bool
    measure: str
    baseline_period: date
    baseline_value: float
    target_period: date
    target_value: float
    without: float | None
    milestones: list[tuple[date, float]]
    final: float  # designed value at the target period (a running total if cumulative)
    outcome: float  # designed fraction: of the stretch (reward) or of the improvement
    base_annual: float = 0.0  # cumulative targets: the baseline year's figure
    agreed_share: float | None = None
    refreshed: tuple[datetime, float, list[tuple[date, float]], str] | None = None
    values: list[tuple[date, float]] = field(default_factory=list)

    @property
    def lead_officer(self) -> str:
        name, _ = self.area.officers[PROFILES[self.ind.code].role]
        return f"{name}, {PROFILES[self.ind.code].role}"

    @property
    def officer_email(self) -> str:
        return self.area.officers[PROFILES[self.ind.code].role][1]

    def current(self) -> tuple[float, list[tuple[date, float]]]:
        """The current target value and milestones (after any refresh)."""
        if self.refreshed is not None:
            return self.refreshed[1], self.refreshed[2]
        return self.target_value, self.milestones


def _round(value: float, decimals: int) -> float:
    return float(round(float(value), decimals)) + 0.0


def _clip(ind: Ind, value: float) -> float:
    low = ind.pmin if ind.pmin is not None else -math.inf
    high = ind.pmax if ind.pmax is not None else math.inf
    if ind.unit == "%":
        low, high = max(low, 0.0), min(high, 100.0)
    return min(max(value, low), high)


def _stamp(rng: np.random.Generator, day: date) -> datetime:
    """A working-hours time on `day`, in UTC."""
    return datetime.combine(
        day, time(int(rng.integers(8, 18)), int(rng.integers(0, 60))), tzinfo=UTC
    )


def _person(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
        name = f"{first} {SURNAMES[int(rng.integers(len(SURNAMES)))]}"
        if name not in used:
            used.add(name)
            return name


def _plan_areas(
    rng: np.random.Generator, specs: Sequence[AreaSpec], ranks: set[int]
) -> list[_Area]:
    """The areas of one wave; `ranks` holds the deprivation ranks taken (by earlier waves too)
    and gains this wave's, so every area's rank is its own."""
    areas = []
    for spec in specs:
        (pop_lo, pop_hi), (head_lo, head_hi), (dep_lo, dep_hi) = AREA_TYPES[spec.la_type]
        population = int(round(rng.uniform(pop_lo, pop_hi), -2))
        net_budget = int(round(population * rng.uniform(head_lo, head_hi), -4))
        if spec.region_code in NORTHERN:  # deprivation follows the north-south divide
            dep_hi = min(dep_hi, 115)
        elif spec.region_code in SOUTHERN:
            dep_lo = max(dep_lo, 40)
        if spec.deprivation is not None:
            dep_lo, dep_hi = spec.deprivation
        rank = int(rng.integers(dep_lo, dep_hi + 1))
        while rank in ranks:
            rank = int(rng.integers(dep_lo, dep_hi + 1))
        ranks.add(rank)
        start, end = COHORTS[spec.cohort]
        signed = start - timedelta(days=int(rng.integers(12, 45)))
        negotiated = signed - timedelta(days=int(rng.integers(10, 35)))
        created = start - timedelta(days=int(rng.integers(200, 260)))
        areas.append(
            _Area(
                spec=spec,
                population=population,
                net_budget=net_budget,
                deprivation_rank=rank,
                start=start,
                end=end,
                signed=signed,
                negotiated_at=_stamp(rng, negotiated),
                created_at=_stamp(rng, created),
            )
        )
    return areas


def _partnership_names(rng: np.random.Generator, area: _Area, inds: dict[str, Ind]) -> None:
    """Thematic partnerships per block (some blocks split in two) and their lead officers."""
    a = area.spec.name
    cyp = [f"{a} Children's Trust", f"{a} Children and Young People's Strategic Partnership"]
    hcop = [f"{a} Health and Wellbeing Partnership", f"Healthier {a} Partnership"]
    ede = [f"{a} Economic Partnership", f"{a} Enterprise Board", f"{a} Economic Development Board"]
    ssc_variant = int(rng.integers(3))
    hcop_split = bool(rng.random() < 0.35)
    cyp_name = cyp[int(rng.integers(len(cyp)))]
    hcop_name = hcop[int(rng.integers(len(hcop)))]
    ede_name = ede[int(rng.integers(len(ede)))]
    stronger = {"VOL", "INFL", "COH"}
    environment = {"BV82ab", "RES-W", "BV199a"}
    older = {"BV54", "BV201", "PAF-C72", "EMERG-75"}
    for code, ind in inds.items():
        if ind.block == "CYP":
            name = cyp_name
        elif ind.block == "SSC":
            if ssc_variant == 0:
                name = f"Safer {a} Partnership"
            elif ssc_variant == 1:
                name = (
                    f"{a} Stronger Communities Partnership"
                    if code in stronger
                    else f"{a} Community Safety Partnership"
                )
            else:
                name = (
                    f"{a} Stronger Communities Partnership"
                    if code in stronger
                    else f"Cleaner Greener {a} Partnership"
                    if code in environment
                    else f"Safer {a} Partnership"
                )
        elif ind.block == "HCOP":
            name = (
                f"{a} Older People's Partnership Board"
                if hcop_split and code in older
                else hcop_name
            )
        else:
            name = ede_name
        area.partnerships[code] = name
    used: set[str] = set()
    for role in sorted({p.role for p in PROFILES.values()}):
        name = _person(rng, used)
        first, last = name.split(" ", 1)
        email = f"{first[0].lower()}.{last.lower()}@{area.spec.slug}.example"
        area.officers[role] = (name, email)


def _draw_baseline(rng: np.random.Generator, area: _Area, ind: Ind) -> float:
    prof = PROFILES[ind.code]
    if ind.code in COUNT_PER_HEAD:
        lo, hi = COUNT_PER_HEAD[ind.code]
        value = area.population * rng.uniform(lo, hi) * (1.0 + prof.dep * (area.dscore - 0.5))
    else:
        x = area.dscore if prof.dep > 0 else 1.0 - area.dscore
        w = 0.7 * abs(prof.dep)
        q = min(max(w * x + (1.0 - w) * rng.random(), 0.02), 0.98)
        value = prof.low + q * (prof.high - prof.low)
    return _round(_clip(ind, value), ind.decimals)


def _reward_outcomes(rng: np.random.Generator, n: int) -> list[float]:
    """Designed fractions of the stretch achieved by an area's `n` reward targets.

    About a quarter below the 60% threshold, a quarter between 60% and 100% and half at or
    above 100% (shared/reference/README.md), with an area's own luck moving one target
    between the bands.
    """
    low = round(0.25 * n) + int(rng.choice([-1, 0, 0, 1]))
    mid = round(0.25 * n)
    bands = ["low"] * low + ["mid"] * mid + ["high"] * (n - low - mid)
    out = []
    for band in (bands[i] for i in rng.permutation(n)):
        if band == "low":  # half of them close to the cliff edge
            out.append(
                float(rng.uniform(-0.6, 0.45) if rng.random() < 0.5 else rng.uniform(0.45, 0.58))
            )
        elif band == "mid":
            out.append(float(rng.uniform(0.62, 0.96)))
        else:
            out.append(float(rng.uniform(1.03, 1.8)))
    return out


def _ordinary_outcome(rng: np.random.Generator) -> float:
    """Fraction of an ordinary target's improvement achieved: most on track, some well off."""
    if rng.random() < 0.2:
        return float(rng.uniform(-0.5, 0.6))
    return float(rng.uniform(0.9, 1.5))


def _milestone_periods(ind: Ind, base: date, target: date) -> list[date]:
    """Annual steps back from the target period that fall strictly after the baseline."""
    out = []
    k = 1
    while (p := add_months(target, -12 * k)) > base:
        if p in calendar(ind, p, p):
            out.append(p)
        k += 1
    return sorted(out)


def _choose_indicators(
    rng: np.random.Generator, area: _Area, inds: dict[str, Ind]
) -> tuple[list[str], list[str]]:
    """The area's target indicators and, among them, its 9–12 reward targets."""
    eligible = [c for c, i in inds.items() if i.block in area.spec.blocks]
    mandatory = [c for c in eligible if inds[c].outcome_type == "mandatory"]
    others = [c for c in eligible if c not in mandatory]
    if area.spec.cohort == 2005:
        n = int(rng.integers(30, len(eligible) + 1))
    else:
        n = int(rng.integers(32, len(eligible) + 1))
    order = [others[i] for i in rng.permutation(len(others))]
    if area.spec.skills_stretch and "SFL" in order:
        order.remove("SFL")
        order.insert(0, "SFL")
    chosen_set = set(mandatory) | set(order[: max(0, n - len(mandatory))])
    chosen = [c for c in eligible if c in chosen_set]

    n_reward = int(rng.integers(9, 13))
    weights = {c: PROFILES[c].reward_weight for c in chosen}
    if "SFL" in weights:
        weights["SFL"] = 0.0 if not area.spec.skills_stretch else weights["SFL"]
    reward: list[str] = []
    if area.spec.skills_stretch:
        reward.append("SFL")
    for block in area.spec.blocks:
        if any(inds[c].block == block for c in reward):
            continue
        pool = [c for c in chosen if inds[c].block == block and weights[c] > 0]
        p = np.array([weights[c] for c in pool])
        reward.append(pool[int(rng.choice(len(pool), p=p / p.sum()))])
    while len(reward) < n_reward:
        pool = [c for c in chosen if c not in reward and weights[c] > 0]
        p = np.array([weights[c] for c in pool])
        reward.append(pool[int(rng.choice(len(pool), p=p / p.sum()))])
    return chosen, [c for c in chosen if c in reward]


def _plan_target(
    rng: np.random.Generator, area: _Area, ind: Ind, reward_outcome: float | None
) -> _Target:
    base_p = baseline_period(ind, area.start)
    target_p = target_period(ind, area.end)
    years = (target_p - base_p).days / 365.25
    b = _draw_baseline(rng, area, ind)
    g = ind.good
    step = ind.unit_step
    reward = reward_outcome is not None
    outcome = reward_outcome if reward_outcome is not None else _ordinary_outcome(rng)
    with_milestones = rng.random() < 0.35
    ms_periods = _milestone_periods(ind, base_p, target_p) if with_milestones else []

    if reward and ind.code == "SFL":
        # Cumulative: baseline, without, target and milestones are 3-year running totals
        # from the agreement start (the trajectory starts at 0 there).
        growth = rng.uniform(0.01, 0.03)
        w = sum(b * (1 + growth) ** k for k in (1, 2, 3))
        s = w + rng.uniform(0.04, 0.12) * 3 * b
        w, s = _round(w, ind.decimals), _round(s, ind.decimals)
        final = _round(w + outcome * (s - w), ind.decimals)
        year_ends = [add_months(area.start, 12 * k) - timedelta(days=1) for k in (1, 2)]
        milestones = (
            [
                (p, _round(s * k / 3 * rng.uniform(0.95, 1.02), 0))
                for k, p in enumerate(year_ends, 1)
            ]
            if with_milestones
            else []
        )
        return _Target(
            area, ind, True, "cumulative", base_p, 0.0, target_p, s, w, milestones, final,
            outcome, base_annual=b,
        )  # fmt: skip

    if reward:
        drift = max(rng.uniform(0.01, 0.03) * b * years, step)
        stretch = max(rng.uniform(0.03, 0.10) * b, 4 * step)
        w = _round(_clip(ind, b + g * drift), ind.decimals)
        s = _round(_clip(ind, w + g * stretch), ind.decimals)
        if abs(s - w) < 4 * step:  # pinned against the plausible range: stretch the other way
            w = _round(s - g * 4 * step, ind.decimals)
        final = _round(_clip(ind, w + outcome * (s - w)), ind.decimals)
        target, without = s, w
    else:
        maintain = rng.random() < 0.06
        improvement = 0.0 if maintain else max(rng.uniform(0.04, 0.12) * b, 2 * step)
        target = _round(_clip(ind, b + g * improvement), ind.decimals)
        without = None
        if target == b:
            final = _round(_clip(ind, b * (1 + rng.uniform(-0.04, 0.04))), ind.decimals)
        else:
            final = _round(_clip(ind, b + outcome * (target - b)), ind.decimals)
    milestones = []
    for p in ms_periods:
        frac = (p - base_p).days / (target_p - base_p).days
        bend = rng.uniform(0.8, 1.15)
        milestones.append((p, _round(b + min(frac * bend, 0.95) * (target - b), ind.decimals)))
    milestones = [(p, v) for p, v in milestones if v not in (b, target)]
    return _Target(
        area, ind, reward, "level", base_p, b, target_p, target, without, milestones, final,
        outcome,
    )  # fmt: skip


def _exactly_sixty(targets: list[_Target]) -> bool:
    """Make one finished pilot reward target land on exactly 60% of its stretch (DOMAIN §5);
    False if none of `targets` qualifies."""
    for t in targets:
        if (
            t.area.spec.cohort == 2005
            and t.reward
            and t.measure == "level"
            and t.ind.decimals >= 1
            and available_on(t.ind, t.target_period) <= DEMO_TODAY
            and t.ind.unit == "%"
        ):
            step, w = t.ind.unit_step, t.without
            assert w is not None
            units = max(1, round(abs(t.target_value - w) / (5 * step)))
            t.target_value = _round(w + t.ind.good * 5 * units * step, t.ind.decimals)
            t.final = _round(w + t.ind.good * 3 * units * step, t.ind.decimals)
            t.outcome = 0.6
            return True
    return False


# ------------------------------------------------------------------------------- values


def _noise(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    e = np.empty(n)
    innovation = math.sqrt(1.0 - rho * rho)
    for k in range(n):
        z = rng.normal(0.0, sd)
        e[k] = z if k == 0 else rho * e[k - 1] + innovation * z
    return e


def _level_series(rng: np.random.Generator, t: _Target, periods: list[date]) -> list[float]:
    ind, prof = t.ind, PROFILES[t.ind.code]
    b, f = t.baseline_value, t.final
    span = (t.target_period - t.baseline_period).days
    shape = rng.uniform(0.7, 1.15)
    after = rng.uniform(-0.1, 0.5)
    rho = RHO.get(ind.frequency, 0.0)
    if ind.basis == "rolling_12_months":
        rho = 0.75
    # Reward indicators were chosen for robust measurement: a little less scatter.
    scale = NOISE_SCALE.get(ind.frequency, 1.0) * (0.7 if t.reward else 1.0)
    e = _noise(rng, len(periods), rho, prof.sd * scale)
    out = []
    for k, p in enumerate(periods):
        tau = (p - t.baseline_period).days / span
        path = b + (f - b) * tau**shape if tau <= 1 else f + (f - b) * after * (tau - 1)
        if p == t.baseline_period:
            value = b
        elif p == t.target_period and t.reward:
            value = f
        elif prof.noise == "abs":
            value = path + e[k]
        elif prof.noise == "rel":
            value = path * (1.0 + e[k])
        else:
            value = float(rng.poisson(max(path * (1.0 + e[k]), 0.0)))
        out.append(_round(_clip(ind, value), ind.decimals))
    return out


def _cumulative_series(rng: np.random.Generator, t: _Target, periods: list[date]) -> list[float]:
    """Period amounts: the baseline year, then three agreement years adding up to `final`."""
    b = t.base_annual
    delta = (t.final - 3 * b) / 6.0
    amounts = [b + k * delta for k in (1, 2, 3)]
    noisy = [
        float(rng.poisson(max(a * (1 + rng.normal(0, PROFILES["SFL"].sd)), 0))) for a in amounts
    ]
    noisy[2] = max(t.final - noisy[0] - noisy[1], 0.0)
    out = []
    for p in periods:
        if p <= t.baseline_period:
            out.append(b)
        else:
            k = len([q for q in periods if t.baseline_period < q <= p])
            out.append(noisy[k - 1] if k <= 3 else _round(amounts[2] * rng.uniform(0.95, 1.1), 0))
    return out


def _plan_values(rng: np.random.Generator, t: _Target) -> None:
    periods = [
        p
        for p in calendar(t.ind, t.baseline_period, DEMO_TODAY)
        if available_on(t.ind, p) <= DEMO_TODAY
    ]
    if t.measure == "cumulative":
        values = _cumulative_series(rng, t, periods)
    else:
        values = _level_series(rng, t, periods)
    t.values = list(zip(periods, values, strict=True))


def _nudge(rng: np.random.Generator, ind: Ind, value: float) -> float:
    """A slightly different figure (a provisional estimate, or a figure later corrected)."""
    delta = max(abs(value) * rng.uniform(0.005, 0.03), ind.unit_step)
    sign = 1.0 if rng.random() < 0.5 else -1.0
    nudged = _round(_clip(ind, value + sign * delta), ind.decimals)
    if nudged == value:
        nudged = _round(_clip(ind, value - sign * delta), ind.decimals)
    return nudged


def _actual_rows(rng: np.random.Generator, t: _Target) -> list[dict[str, Any]]:
    """The revisions of one target's values: final, provisional, provisional → final, and
    the occasional correction of a final figure."""
    ind, area = t.ind, t.area
    bv_like = ind.code.startswith(("BV", "PAF"))
    rows = []
    latest_period = t.values[-1][0] if t.values else None
    for period, value in t.values:
        due = available_on(ind, period)
        recorded = _stamp(rng, due - timedelta(days=int(rng.integers(0, 13))))
        age = (DEMO_TODAY - recorded.date()).days
        by = t.officer_email if rng.random() < 0.3 else area.performance_inbox
        base = {
            "area_code": area.spec.code,
            "indicator_code": ind.code,
            "period": period,
            "recorded_by": by,
            "source": ind.data_source,
        }
        u = rng.random()
        if (
            period == latest_period
            and age < 45
            and period not in (t.target_period, t.baseline_period)
            and u < 0.04
        ):
            continue  # not returned yet: shows as due / overdue
        if rng.random() < (0.85 if age <= 45 else 0.5 if age <= 100 else 0.0):
            quality = "not_checked" if rng.random() < 0.4 else "checked"
            rows.append(
                base | {"value": value, "status": "provisional", "data_quality": quality,
                        "recorded_at": recorded}
            )  # fmt: skip
            continue
        if bv_like and ind.frequency == "annual" and age > 200 and rng.random() < 0.5:
            final_quality = "audited"
        else:
            final_quality = "not_checked" if rng.random() < 0.06 else "checked"
        if age > 100 and u < 0.05:
            later = recorded + timedelta(days=int(rng.integers(25, 80)))
            rows.append(
                base | {"value": _nudge(rng, ind, value), "status": "provisional",
                        "data_quality": "not_checked", "recorded_at": recorded}
            )  # fmt: skip
            rows.append(
                base | {"value": value, "status": "final", "data_quality": final_quality,
                        "recorded_at": later,
                        "note": "Final figure replaces the provisional estimate"}
            )  # fmt: skip
        elif age > 160 and u < 0.065:
            later = recorded + timedelta(days=int(rng.integers(40, min(age, 200))))
            rows.append(
                base | {"value": _nudge(rng, ind, value), "status": "final",
                        "data_quality": "checked", "recorded_at": recorded}
            )  # fmt: skip
            rows.append(
                base | {"value": value, "status": "final", "data_quality": final_quality,
                        "recorded_at": later,
                        "note": "Corrected after the data-quality review: duplicate records "
                        "removed and late returns included"}
            )  # fmt: skip
        else:
            rows.append(
                base | {"value": value, "status": "final", "data_quality": final_quality,
                        "recorded_at": recorded}
            )  # fmt: skip
    return rows


# --------------------------------------------------------------------- trajectory & comments


def _anchors(t: _Target, as_at: datetime | None = None) -> list[tuple[date, float]]:
    """The trajectory's anchors of the target version in force at `as_at` (default: now)."""
    target, milestones = t.current()
    if t.refreshed is not None and as_at is not None and as_at < t.refreshed[0]:
        target, milestones = t.target_value, t.milestones
    start = (
        (t.area.start, 0.0) if t.measure == "cumulative" else (t.baseline_period, t.baseline_value)
    )
    mid = [(p, v) for p, v in milestones if start[0] < p < t.target_period]
    return [start, *mid, (t.target_period, target)]


def expected_value(anchors: Sequence[tuple[date, float]], period: date) -> float:
    """Linear interpolation in calendar days between anchors (DOMAIN §8)."""
    if period <= anchors[0][0]:
        return anchors[0][1]
    for (p0, v0), (p1, v1) in itertools.pairwise(anchors):
        if p0 <= period <= p1:
            return v0 + (v1 - v0) * (period - p0).days / (p1 - p0).days
    return anchors[-1][1]


def _fmt(ind: Ind, value: float) -> str:
    text = f"{value:,.{ind.decimals}f}"
    if ind.unit == "%":
        return f"{text}%"
    if ind.unit.startswith("rate per "):
        per = int(ind.unit.removeprefix("rate per "))
        return f"{text} per {per:,}"
    if ind.unit in ("count", "ratio"):
        return text
    return f"{text} {ind.unit}"


def _commentary_rows(
    rng: np.random.Generator, t: _Target, recorded: dict[date, datetime]
) -> list[dict[str, Any]]:
    """Exception commentary on recent periods where the target is behind its trajectory."""
    cumulative = t.measure == "cumulative"
    denom_base = 0.0 if cumulative else t.baseline_value
    window = DEMO_TODAY - timedelta(days=300)
    running = 0.0
    behind: list[tuple[date, float, float]] = []
    for period, value in t.values:
        if cumulative:
            if period < t.area.start:
                continue
            running += value
            tracked = running
        else:
            tracked = value
        if period not in recorded or period > t.target_period or period <= t.baseline_period:
            continue
        if recorded[period].date() < window:
            continue
        anchors = _anchors(t, recorded[period])
        target = anchors[-1][1]
        denom = abs(target - denom_base) or abs(target) or 1.0
        expected = expected_value(anchors, period)
        gap = (expected - tracked) * t.ind.good / denom
        if gap > 0.10:
            behind.append((period, tracked, expected))
    chosen = []
    if behind and rng.random() < 0.8:
        chosen.append(behind[-1])
        earlier = [b for b in behind if (behind[-1][0] - b[0]).days >= 80]
        if earlier and rng.random() < 0.3:
            chosen.append(earlier[-1])
    why_texts, action_texts = FAMILY_TEXT[PROFILES[t.ind.code].family]
    rows = []
    for period, tracked, expected in chosen:
        label = period_label(period, t.ind.frequency, t.ind.basis)
        what = "running total" if cumulative else "figure"
        text = (
            f"{label} {what} {_fmt(t.ind, tracked)} against {_fmt(t.ind, expected)} expected "
            f"on the trajectory. Why: {why_texts[int(rng.integers(len(why_texts)))]} "
            f"Action: {action_texts[int(rng.integers(len(action_texts)))]}"
        )
        if t.reward:
            text += (
                " This is a stretched (reward) target: the thematic partnership will report "
                "progress to the LSP board each quarter until it is back on track."
            )
        at = recorded[period] + timedelta(
            days=int(rng.integers(4, 22)), hours=int(rng.integers(0, 5))
        )
        if at.date() > DEMO_TODAY:
            at = recorded[period] + timedelta(hours=2)
        rows.append(
            {
                "area_code": t.area.spec.code,
                "indicator_code": t.ind.code,
                "period": period,
                "text": text,
                "author": t.lead_officer,
                "recorded_at": at,
            }
        )
    return rows


def _plan_refreshes(rng: np.random.Generator, area: _Area, targets: list[_Target]) -> None:
    """Annual refresh: the GO agrees to re-profile one or two ordinary targets."""
    day = date(area.start.year + 1, 6, int(rng.integers(3, 27)))
    if day >= DEMO_TODAY:
        return
    candidates = [
        t
        for t in targets
        if not t.reward
        and t.target_value != t.baseline_value
        and (t.outcome > 1.3 or t.outcome < 0.2)
    ]
    if not candidates:
        return
    picks = [candidates[i] for i in rng.permutation(len(candidates))[: int(rng.integers(1, 3))]]
    year = f"{area.start.year}/{(area.start.year + 1) % 100:02d}"
    for t in picks:
        b, old = t.baseline_value, t.target_value
        if t.outcome > 1.3:
            factor = rng.uniform(1.3, 1.6)
            reason = (
                f"Annual refresh {year}: performance was already running ahead of the trajectory, "
                "so the partnership and the Government Office agreed a more ambitious target."
            )
        else:
            factor = rng.uniform(0.5, 0.75)
            reason = (
                f"Annual refresh {year}: target re-profiled with the Government Office's "
                "agreement; the original figure assumed grant funding that was not renewed."
            )
        new = _round(_clip(t.ind, b + (old - b) * factor), t.ind.decimals)
        if new in (old, b):
            continue
        milestones = [
            (p, _round(b + (v - b) * (new - b) / (old - b), t.ind.decimals))
            for p, v in t.milestones
        ]
        t.refreshed = (_stamp(rng, day), new, milestones, reason)


def _target_row(t: _Target, *, refreshed: bool = False) -> dict[str, Any]:
    target, milestones = t.current() if refreshed else (t.target_value, t.milestones)
    if t.measure == "cumulative":
        reason = (
            f"Three-year total from {t.area.start:%d %B %Y}; the baseline year "
            f"{period_label(t.baseline_period, t.ind.frequency, t.ind.basis)} delivered "
            f"{_fmt(t.ind, t.base_annual)}."
        )
    else:
        reason = "Agreed in the LAA negotiation" + (" (stretched target)" if t.reward else "")
    return {
        "area_code": t.area.spec.code,
        "indicator_code": t.ind.code,
        "partnership": t.area.partnerships[t.ind.code],
        "lead_officer": t.lead_officer,
        "measure": t.measure,
        "baseline_period": t.baseline_period,
        "baseline_value": t.baseline_value,
        "target_period": t.target_period,
        "target_value": target,
        "without_reward_value": t.without,
        "agreed_share_gbp": t.agreed_share,
        "milestones": milestones,
        "reason": t.refreshed[3] if refreshed and t.refreshed else reason,
    }


@dataclass
class _Plan:
    areas: list[_Area]
    targets: list[_Target]
    actuals: list[dict[str, Any]]
    commentary: list[dict[str, Any]]
    exactly_sixty: bool = False  # a pilot reward target was set to land on exactly 60%


def build_plan(seed: int, inds: dict[str, Ind]) -> _Plan:
    """Everything the demo writes: each wave of `AREA_WAVES` planned in a fixed order from its
    own generator (`seed + k` for wave k), merged in the order the store is written."""
    ranks: set[int] = set()
    waves: list[_Plan] = []
    for k, specs in enumerate(AREA_WAVES):
        need_sixty = not any(w.exactly_sixty for w in waves)  # one such target in the demo
        rng = np.random.default_rng(seed + k)
        waves.append(_plan_wave(rng, specs, inds, ranks, need_sixty=need_sixty))
    actuals = [r for w in waves for r in w.actuals]
    commentary = [r for w in waves for r in w.commentary]
    actuals.sort(key=lambda r: (r["recorded_at"], r["area_code"], r["indicator_code"], r["period"]))
    commentary.sort(key=lambda r: (r["recorded_at"], r["area_code"], r["indicator_code"]))
    return _Plan(
        [a for w in waves for a in w.areas],
        [t for w in waves for t in w.targets],
        actuals,
        commentary,
    )


def _plan_wave(
    rng: np.random.Generator,
    specs: Sequence[AreaSpec],
    inds: dict[str, Ind],
    ranks: set[int],
    *,
    need_sixty: bool,
) -> _Plan:
    """One wave's areas, targets, values, refreshes and commentary, drawn in a fixed order."""
    areas = _plan_areas(rng, specs, ranks)
    targets: list[_Target] = []
    by_area: dict[str, list[_Target]] = {}
    for area in areas:
        _partnership_names(rng, area, inds)
        chosen, reward = _choose_indicators(rng, area, inds)
        designed = dict(zip(reward, _reward_outcomes(rng, len(reward)), strict=True))
        mine = [_plan_target(rng, area, inds[c], designed.get(c)) for c in chosen]
        if area.spec.agreed_share:
            first = next(t for t in mine if t.reward)
            equal = area.net_budget * 0.025 / len(reward)
            first.agreed_share = float(round(equal * 1.5, -3))
        by_area[area.spec.code] = mine
        targets.extend(mine)
    sixty = need_sixty and _exactly_sixty(targets)
    for t in targets:
        _plan_values(rng, t)
    for area in areas:
        _plan_refreshes(rng, area, by_area[area.spec.code])
    actuals: list[dict[str, Any]] = []
    commentary: list[dict[str, Any]] = []
    for t in targets:
        rows = _actual_rows(rng, t)
        actuals.extend(rows)
        recorded = {r["period"]: r["recorded_at"] for r in rows}  # the latest revision's time
        commentary.extend(_commentary_rows(rng, t, recorded))
    return _Plan(areas, targets, actuals, commentary, exactly_sixty=sixty)


# --------------------------------------------------------------------------------- writing


def _area_row(area: _Area) -> dict[str, Any]:
    return {
        "area_code": area.spec.code,
        "area_name": area.spec.name,
        "region_code": area.spec.region_code,
        "la_type": area.spec.la_type,
        "population": area.population,
        "net_budget_requirement_gbp": area.net_budget,
        "agreement_start": area.start,
        "agreement_end": area.end,
        "pump_priming_gbp": None,
        "deprivation_rank": area.deprivation_rank,
        "reason": "Demo area (fictional)",
    }


def seed_demo(
    engine: Engine, actor: Actor, seed: int = DEFAULT_SEED, *, with_packs: bool = False
) -> DemoSummary:
    """Write the demo into an upgraded database that does not hold the demo areas yet.
    `with_packs` also builds the stored board pack of the September board (PDF rendering:
    several seconds, so `laa seed demo` asks for it and most test fixtures do not).

    Data go in one transaction (framework, reporting lines, areas, targets, values,
    commentary); each agreement is then signed through `store.sign_agreement` a few weeks before
    its start, a second transaction records the annual refreshes of ordinary targets, and the
    `today` and `demo` settings are set last. Raises `store.AccessDenied` for a reader and
    `store.RuleViolation` if any demo area code is already taken.
    """
    if not actor.can_write:
        raise store.AccessDenied(f"{actor.name} may not load the demo")
    indicator_rows = framework_rows()
    inds = _indicators(indicator_rows)
    plan = build_plan(seed, inds)
    line_rows = reporting_line_rows()

    with store.backdated(FRAMEWORK_LOADED_AT) as clock:
        with db.write_transaction(engine) as conn:
            codes = [a.spec.code for a in plan.areas]
            taken = conn.execute(select(Area.code).where(Area.code.in_(codes))).scalars().all()
            if taken:
                raise store.RuleViolation(
                    f"the demo areas are already loaded ({', '.join(sorted(taken))})"
                )
            store.save_indicators(conn, actor, indicator_rows)
            have_lines = conn.execute(select(func.count()).select_from(ReportingLine)).scalar_one()
            lines = 0
            if not have_lines:
                lines = store.save_reporting_lines(conn, actor, line_rows).inserted
            for area in sorted(plan.areas, key=lambda a: (a.created_at, a.spec.code)):
                clock.at = area.created_at
                store.save_areas(conn, actor, [_area_row(area)])
            for area in sorted(plan.areas, key=lambda a: (a.negotiated_at, a.spec.code)):
                clock.at = area.negotiated_at
                rows = [_target_row(t) for t in plan.targets if t.area is area]
                store.save_targets(conn, actor, rows, at=area.negotiated_at)
            values = store.save_actuals(conn, actor, plan.actuals)
            notes = WriteSummary()
            # Each commentary is written by the target's lead officer (its author), in order.
            for author, run in itertools.groupby(plan.commentary, key=lambda r: r["author"]):
                writer = Actor(author, actor.grants) if author else actor
                notes.inserted += store.add_commentary(conn, writer, list(run)).inserted

        for area in sorted(plan.areas, key=lambda a: (a.signed, a.spec.code)):
            clock.at = datetime.combine(area.signed, time(11, 0), tzinfo=UTC)
            store.sign_agreement(engine, actor, area.spec.code, area.signed)

        refreshed = sorted(
            (t for t in plan.targets if t.refreshed is not None),
            key=lambda t: (t.refreshed[0], t.area.spec.code, t.ind.code),  # type: ignore[index]
        )
        refresh_summary = WriteSummary()
        with db.write_transaction(engine) as conn:
            for t in refreshed:
                assert t.refreshed is not None
                clock.at = t.refreshed[0]
                s = store.save_targets(conn, actor, [_target_row(t, refreshed=True)], at=clock.at)
                refresh_summary.updated += s.updated

        clock.at = SETTINGS_AT
        store.set_setting(engine, actor, "today", DEMO_TODAY.isoformat(), "demo business date")
        store.set_setting(engine, actor, "demo", "true", "demo data loaded")
    seed_demo_users(engine, actor)
    seed_capacity_demo(engine, actor, [a.spec.code for a in plan.areas])
    seed_negotiation_demo(engine)
    seed_meetings_demo(engine, with_pack=with_packs)

    return _summary(plan, len(inds), lines, values, notes, refresh_summary)


def _summary(
    plan: _Plan,
    indicators: int,
    lines: int,
    values: WriteSummary,
    notes: WriteSummary,
    refreshes: WriteSummary,
) -> DemoSummary:
    current: dict[tuple, dict[str, Any]] = {}
    for row in plan.actuals:
        current[(row["area_code"], row["indicator_code"], row["period"])] = row
    keys = [(r["area_code"], r["indicator_code"], r["period"]) for r in plan.actuals]
    reward = [t for t in plan.targets if t.reward]
    outcomes = {
        "below_60": sum(t.outcome < 0.6 for t in reward),
        "60_to_100": sum(0.6 <= t.outcome < 1 for t in reward),
        "at_100_plus": sum(t.outcome >= 1 for t in reward),
    }
    return DemoSummary(
        demo_today=DEMO_TODAY,
        areas=len(plan.areas),
        indicators=indicators,
        reporting_lines=lines,
        partnerships=len(
            {(t.area.spec.code, t.area.partnerships[t.ind.code]) for t in plan.targets}
        ),
        targets=len(plan.targets),
        reward_targets=len(reward),
        cumulative_targets=sum(t.measure == "cumulative" for t in plan.targets),
        milestones=sum(len(t.milestones) for t in plan.targets),
        target_refreshes=refreshes.updated,
        actual_revisions=values.inserted,
        corrections=len(keys) - len(set(keys)),
        provisional=sum(r["status"] == "provisional" for r in current.values()),
        commentary=notes.inserted,
        reward_outcomes=outcomes,
    )
