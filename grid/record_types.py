"""Kinds of inspection, violation types, complaint states: codes and names.

The one table of every coded value an inspection, violation or complaint
record carries (``twonet records import``).  Stored values are short
English codes; each has its Chinese and English name.  Violation types carry
a two-digit number in the order the sources list them (``99`` other), used
to sort reports.

Sources: the city opinion's section 四 (patrol, complaint-driven checks,
campaigns, written reviews, random selection 双随机一公开), the campaign
plans and summaries in ``shared/seeds`` (violation types and outcomes) and
the MOHRSS integrity rules (serious violations that make an employer C).
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Coded(NamedTuple):
    """One coded value: its number (for sorting), Chinese and English name."""

    number: str
    zh: str
    en: str


#: Kinds of inspection (检查类型).
INSPECTION_KINDS: Final[dict[str, Coded]] = {
    "patrol": Coded("1", "日常巡查", "routine patrol"),
    "complaint": Coded("2", "举报投诉专查", "complaint-driven check"),
    "campaign": Coded("3", "专项检查", "special campaign"),
    "written": Coded("4", "书面审查", "written review"),
    "random": Coded("5", "双随机抽查", "random selection check"),
}

#: Results of an inspection (检查结果).
INSPECTION_RESULTS: Final[dict[str, Coded]] = {
    "clean": Coded("1", "未发现问题", "no problem found"),
    "problem": Coded("2", "发现问题", "problem found"),
}

#: Violation types (违法类型).
VIOLATION_TYPES: Final[dict[str, Coded]] = {
    "no_contract": Coded("01", "未签劳动合同", "no written labour contract"),
    "no_insurance": Coded("02", "未缴社会保险", "social insurance not paid"),
    "wage_arrears": Coded("03", "拖欠工资", "wage arrears"),
    "overtime": Coded("04", "超时加班", "excessive overtime"),
    "child_labour": Coded("05", "使用童工", "child labour"),
    "forced_labour": Coded("06", "强迫劳动", "forced labour"),
    "illegal_agency": Coded("07", "非法职业中介", "illegal employment agency"),
    "withheld_id": Coded("08", "扣押证件", "identity documents withheld"),
    "unlicensed": Coded("09", "未办证照", "operating without licence"),
    "women_minors": Coded(
        "10", "女职工和未成年工保护", "female and juvenile worker protection"
    ),
    "other": Coded("99", "其他", "other"),
}

#: Violation types that make an employer's integrity grade C on their own
#: (MOHRSS 2016: child labour, forced labour).
SERIOUS_VIOLATIONS: Final[frozenset[str]] = frozenset({"child_labour", "forced_labour"})

#: Outcomes of a case (处理结果): stored column → name.  Flags are yes/no,
#: the others amounts (yuan) or head counts.
CASE_OUTCOMES: Final[dict[str, Coded]] = {
    "rectification_ordered": Coded("1", "责令改正", "rectification ordered"),
    "penalized": Coded("2", "行政处罚", "administrative penalty"),
    "fine_yuan": Coded("3", "罚款金额", "fine (yuan)"),
    "back_wages_yuan": Coded("4", "补发工资", "back wages paid (yuan)"),
    "contracts_signed": Coded("5", "补签合同人数", "contracts signed (workers)"),
    "insurance_enrolled": Coded("6", "补缴社保人数", "insurance enrolled (workers)"),
    "shut_down": Coded("7", "取缔", "unlicensed unit closed"),
    "to_police": Coded("8", "移送公安", "transferred to the police"),
}

#: States of a complaint (状态).
COMPLAINT_STATUSES: Final[dict[str, Coded]] = {
    "received": Coded("1", "已登记", "received"),
    "accepted": Coded("2", "已受理", "accepted"),
    "rejected": Coded("3", "不予受理", "not accepted"),
    "closed": Coded("4", "已结案", "closed"),
}

#: Kinds of record (``twonet records import --kind``): kind → name.
RECORD_KINDS: Final[dict[str, Coded]] = {
    "inspections": Coded("1", "检查记录", "inspection records"),
    "violations": Coded("2", "违法案件", "violation cases"),
    "complaints": Coded("3", "举报投诉", "complaints"),
}

#: Working days to accept a complaint, and to close a case once accepted
#: (劳动保障监察条例: 5 and 60 working days).
ACCEPT_WORKING_DAYS: Final = 5
CLOSE_WORKING_DAYS: Final = 60
