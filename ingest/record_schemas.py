"""The schemas of inspection, violation and complaint records.

:data:`INSPECTIONS` (检查记录), :data:`VIOLATIONS` (违法案件) and
:data:`COMPLAINTS` (举报投诉) declare what each kind of record file holds,
for the generic table pipeline (:mod:`ingest.tables`); :data:`SCHEMAS`
finds them by kind (``twonet records import --kind``).  Their own checks
are in :mod:`ingest.record_checks`; :data:`KINDS` gives the severity of
every problem a row of each kind can have.

Coded fields (检查类型, 检查结果, 违法类型, 状态) accept the Chinese name, the
English name, the stored code and the number of :mod:`grid.record_types`
(:func:`coded_choices`); outcome flags (责令改正, 行政处罚, 取缔, 移送公安)
accept 是/否 and their usual spellings (:data:`YES_NO`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from grid.record_types import (
    COMPLAINT_STATUSES,
    INSPECTION_KINDS,
    INSPECTION_RESULTS,
    VIOLATION_TYPES,
    Coded,
)
from ingest.registry_schema import FIELD_ALIASES
from ingest.tables.schema import Field, TableSchema
from ingest.uscc import SEVERITY as USCC_SEVERITY

#: A record id (检查编号, 案件编号, 投诉编号): the column is 40 characters.
RECORD_ID_LENGTH: Final = 40


def coded_choices(table: Mapping[str, Coded]) -> dict[str, str]:
    """Return every accepted spelling of a coded value → its stored code.

    Examples
    --------
    >>> choices = coded_choices(INSPECTION_RESULTS)
    >>> choices["发现问题"], choices["problem found"], choices["clean"], choices["1"]
    ('problem', 'problem', 'clean', 'clean')
    """
    choices: dict[str, str] = {}
    for code, coded in table.items():
        for spelling in (code, coded.zh, coded.en, coded.number):
            choices.setdefault(spelling, code)
    return choices


#: Spellings of a yes/no outcome flag → ``"yes"``/``"no"``.
YES_NO: Final[dict[str, str]] = {
    **dict.fromkeys(("是", "有", "已", "y", "yes", "true", "1", "√", "✓"), "yes"),
    **dict.fromkeys(("否", "没有", "未", "n", "no", "false", "0", "×", "✗"), "no"),
}
_YES_NO_HINT: Final = ("是或否", "是/否 (yes/no)")


def _kinds_hint(table: Mapping[str, Coded]) -> tuple[str, str]:
    zh = "、".join(c.zh for c in table.values())
    en = ", ".join(f"{c.zh} ({code})" for code, c in table.items())
    return zh, en


def _choice(
    name: str,
    zh: str,
    en: str,
    table: Mapping[str, Coded],
    *,
    aliases: tuple[str, ...] = (),
    required: bool = False,
) -> Field:
    hint_zh, hint_en = _kinds_hint(table)
    return Field(
        name,
        zh,
        en,
        aliases=aliases,
        kind="choice",
        required=required,
        choices=coded_choices(table),
        invalid="reject",
        hint_zh=hint_zh,
        hint_en=hint_en,
    )


def _flag(name: str, zh: str, en: str, *aliases: str) -> Field:
    return Field(
        name,
        zh,
        en,
        aliases=aliases,
        kind="choice",
        choices=YES_NO,
        invalid="reject",
        hint_zh=_YES_NO_HINT[0],
        hint_en=_YES_NO_HINT[1],
    )


def _record_id(name: str, zh: str, en: str, *aliases: str) -> Field:
    return Field(
        name,
        zh,
        en,
        aliases=aliases,
        kind="code",
        required=True,
        max_length=RECORD_ID_LENGTH,
    )


def _date(name: str, zh: str, en: str, *aliases: str, required: bool) -> Field:
    return Field(
        name, zh, en, aliases=aliases, kind="date", required=required, invalid="reject"
    )


_USCC = Field("uscc", "统一社会信用代码", "credit code", aliases=FIELD_ALIASES["uscc"])
_NAME = Field(
    "employer_name",
    "单位名称",
    "employer name",
    aliases=(
        "用人单位名称",
        "用人单位",
        "企业名称",
        "被检查单位",
        "被投诉单位",
        "name",
    ),
)
_ADDRESS = Field(
    "employer_address",
    "单位地址",
    "employer address",
    aliases=("地址", "经营地址", "生产经营地址", "详细地址", "address"),
)
_CLOSED_ON = _date(
    "closed_on",
    "结案日期",
    "closed on",
    "办结日期",
    "结案时间",
    "close_date",
    required=False,
)

#: Inspection records (检查记录).
INSPECTIONS: Final = TableSchema(
    name="inspections",
    label_zh="检查记录",
    label_en="inspection records",
    fields=(
        _record_id(
            "inspection_id",
            "检查编号",
            "inspection id",
            "检查记录编号",
            "inspection_no",
        ),
        _date(
            "date",
            "检查日期",
            "inspection date",
            "检查时间",
            "inspected_on",
            required=True,
        ),
        _choice(
            "kind",
            "检查类型",
            "inspection kind",
            INSPECTION_KINDS,
            aliases=("检查方式", "检查种类", "kind_of_check"),
            required=True,
        ),
        _USCC,
        _NAME,
        _ADDRESS,
        Field(
            "staff_ids",
            "检查人员编号",
            "inspector ids",
            aliases=("检查人员", "执法人员编号", "监察员编号", "inspectors"),
        ),
        _choice("result", "检查结果", "result", INSPECTION_RESULTS, aliases=("结果",)),
    ),
    key=("inspection_id",),
    must_have=("inspection_id", "date", "kind"),
    header_fields=("inspection_id", "date"),
)

#: Violation cases (违法案件).
VIOLATIONS: Final = TableSchema(
    name="violations",
    label_zh="违法案件",
    label_en="violation cases",
    fields=(
        _record_id("case_id", "案件编号", "case id", "立案编号", "案号", "case_no"),
        _USCC,
        _NAME,
        _ADDRESS,
        _choice(
            "type",
            "违法类型",
            "violation type",
            VIOLATION_TYPES,
            aliases=("违法行为类型", "案件类型", "违法行为", "violation_type"),
            required=True,
        ),
        _date(
            "found_on",
            "发现日期",
            "found on",
            "立案日期",
            "发现时间",
            "found_date",
            required=True,
        ),
        Field(
            "workers",
            "涉及人数",
            "workers involved",
            aliases=("涉及劳动者人数", "涉及职工人数", "涉及人员"),
            kind="count",
            invalid="reject",
        ),
        Field(
            "arrears_months",
            "欠薪月数",
            "months of arrears",
            aliases=("拖欠月数", "拖欠工资月数"),
            kind="number",
            invalid="reject",
        ),
        Field(
            "arrears_yuan",
            "欠薪金额",
            "arrears (yuan)",
            aliases=("拖欠金额", "拖欠工资金额", "欠薪金额元"),
            kind="number",
            invalid="reject",
        ),
        _flag("rectification_ordered", "责令改正", "rectification ordered", "责令整改"),
        _flag("penalized", "行政处罚", "administrative penalty", "处罚"),
        Field(
            "fine_yuan",
            "罚款金额",
            "fine (yuan)",
            aliases=("罚款", "罚款金额元", "fine"),
            kind="number",
            invalid="reject",
        ),
        Field(
            "back_wages_yuan",
            "补发工资",
            "back wages (yuan)",
            aliases=("补发工资金额", "追发工资", "back_wages"),
            kind="number",
            invalid="reject",
        ),
        Field(
            "contracts_signed",
            "补签合同人数",
            "contracts signed",
            aliases=("补签劳动合同人数",),
            kind="count",
            invalid="reject",
        ),
        Field(
            "insurance_enrolled",
            "补缴社保人数",
            "insurance enrolled",
            aliases=("补缴社会保险人数", "补缴社保"),
            kind="count",
            invalid="reject",
        ),
        _flag("shut_down", "取缔", "unlicensed unit closed", "取缔非法用工单位"),
        _flag("to_police", "移送公安", "transferred to the police", "移送公安机关"),
        _CLOSED_ON,
    ),
    key=("case_id",),
    must_have=("case_id", "type", "found_on"),
    header_fields=("case_id", "found_on"),
)

#: Complaints and reports (举报投诉).
COMPLAINTS: Final = TableSchema(
    name="complaints",
    label_zh="举报投诉",
    label_en="complaints",
    fields=(
        _record_id(
            "complaint_id",
            "投诉编号",
            "complaint id",
            "举报编号",
            "投诉举报编号",
            "complaint_no",
        ),
        _date(
            "received_on",
            "受理日期",
            "received on",
            "收到日期",
            "登记日期",
            "接收日期",
            "received_date",
            required=True,
        ),
        Field(
            "channel",
            "渠道",
            "channel",
            aliases=("投诉渠道", "来源", "举报渠道", "source"),
        ),
        _USCC,
        _NAME,
        _ADDRESS,
        _choice(
            "type",
            "类型",
            "type",
            VIOLATION_TYPES,
            aliases=("投诉类型", "举报类型", "投诉事项", "complaint_type"),
        ),
        _choice(
            "status",
            "状态",
            "status",
            COMPLAINT_STATUSES,
            aliases=("办理状态", "处理状态", "state"),
            required=True,
        ),
        _CLOSED_ON,
    ),
    key=("complaint_id",),
    must_have=("complaint_id", "received_on", "status"),
    header_fields=("complaint_id", "received_on"),
)

#: Record schemas by kind (:data:`grid.record_types.RECORD_KINDS`).
SCHEMAS: Final[dict[str, TableSchema]] = {
    "inspections": INSPECTIONS,
    "violations": VIOLATIONS,
    "complaints": COMPLAINTS,
}
#: Each kind's key field (the stored ``record_id``) and day field.
RECORD_KEYS: Final[dict[str, str]] = {k: s.key[0] for k, s in SCHEMAS.items()}

#: Severity of the problems every record row can have (besides the generic).
_COMMON_KINDS: Final[dict[str, str]] = {
    # a date lost would make a closed case open, or a record undated
    "date_invalid": "reject",
    # a negative head count is a typing error, not a missing value
    "count_invalid": "reject",
    "employer_missing": "reject",
    **USCC_SEVERITY,
    "uscc_invisible": "warning",
}
#: Severity of each problem kind, by record kind.
KINDS: Final[dict[str, dict[str, str]]] = {
    "inspections": {**_COMMON_KINDS, "staff_id_unknown": "warning"},
    "violations": {
        **_COMMON_KINDS,
        "amount_negative": "reject",
        "closed_before_found": "reject",
    },
    "complaints": {
        **_COMMON_KINDS,
        "closed_before_received": "reject",
        "closed_without_date": "warning",
    },
}
