"""The staff registry's and the assignment list's schemas.

:data:`STAFF` declares what a staff registry (人员名册) holds, :data:`ASSIGNMENTS`
what an assignment list (人员分配表: who covers which cell with which duty,
from when to when) holds, for the generic table pipeline
(:mod:`ingest.tables`).  Their own checks are in :mod:`ingest.staff_checks`;
:data:`STAFF_KINDS` and :data:`ASSIGNMENT_KINDS` give the severity of every
problem a row can have.

A cell code is 6 (city, county), 9 (township), 12 (village) or 14 digits
(a grid drawn inside a village); see :mod:`grid.codes`.
"""

from __future__ import annotations

from typing import Final

from ingest.tables.coordinates import POINT_KINDS
from ingest.tables.schema import Field, TableSchema

#: A cell code: 6, 9, 12 or 14 ASCII digits.
CELL_CODE_PATTERN: Final = r"\d{6}|\d{9}|\d{12}|\d{14}"
_CELL_HINT_ZH: Final = "网格编码(6、9、12或14位数字)"
_CELL_HINT_EN: Final = "a cell code (6, 9, 12 or 14 digits)"

#: Spellings of a staff kind → the stored value (see ``twonet.db.models``).
KIND_CHOICES: Final[dict[str, str]] = {
    "专职监察员": "inspector",
    "专职": "inspector",
    "监察员": "inspector",
    "inspector": "inspector",
    "full-time": "inspector",
    "full-time inspector": "inspector",
    "协管员": "assistant",
    "协管": "assistant",
    "assistant": "assistant",
}

#: Spellings of a duty → the stored value (see ``twonet.db.models``).
DUTY_CHOICES: Final[dict[str, str]] = {
    "责任监察员": "responsible",
    "responsible": "responsible",
    "responsible inspector": "responsible",
    "协管员": "assistant",
    "assistant": "assistant",
    "联络员": "liaison",
    "liaison": "liaison",
    "督导员": "supervisor",
    "supervisor": "supervisor",
}

_STAFF_ID = Field(
    "staff_id",
    "人员编号",
    "staff id",
    aliases=("人员代码", "工号", "员工编号", "编号", "staff_no", "staff_code"),
    kind="code",
    required=True,
    max_length=32,
)

#: The staff registry: fields in the order of the accepted rows.
STAFF: Final = TableSchema(
    name="staff",
    label_zh="人员名册",
    label_en="staff registry",
    fields=(
        _STAFF_ID,
        Field(
            "name",
            "姓名",
            "name",
            aliases=("人员姓名", "名字", "staff_name", "full_name"),
            required=True,
        ),
        Field(
            "kind",
            "类别",
            "kind",
            aliases=("人员类别", "人员类型", "类型", "身份", "type", "category"),
            kind="choice",
            required=True,
            choices=KIND_CHOICES,
            invalid="reject",
            hint_zh="专职监察员或协管员",
            hint_en="专职监察员 (full-time inspector) or 协管员 (assistant)",
        ),
        Field(
            "unit",
            "所属单位",
            "unit",
            aliases=("所属单位编码", "单位编码", "单位代码", "工作单位", "unit_code"),
            kind="code",
            pattern=CELL_CODE_PATTERN,
            invalid="reject",
            hint_zh=_CELL_HINT_ZH,
            hint_en=_CELL_HINT_EN,
        ),
        Field(
            "phone",
            "联系电话",
            "phone",
            aliases=("电话", "手机", "手机号", "手机号码", "联系方式", "mobile", "tel"),
        ),
        Field(
            "id_number",
            "身份证号",
            "ID number",
            aliases=(
                "身份证号码",
                "公民身份号码",
                "身份证",
                "证件号码",
                "id_no",
                "id_card",
                "resident_id",
            ),
        ),
        Field(
            "home_lon",
            "驻地经度",
            "home longitude",
            aliases=("经度", "lon", "lng", "longitude"),
        ),
        Field(
            "home_lat",
            "驻地纬度",
            "home latitude",
            aliases=("纬度", "lat", "latitude"),
        ),
        Field(
            "crs",
            "坐标系",
            "coordinate system",
            aliases=("坐标类型", "坐标系统", "datum", "coordinate_system"),
        ),
        Field(
            "active_from",
            "起始日期",
            "active from",
            aliases=("开始日期", "起始时间", "任职日期", "start_date", "from"),
            kind="date",
            invalid="reject",
        ),
        Field(
            "active_to",
            "终止日期",
            "active to",
            aliases=("结束日期", "终止时间", "离职日期", "end_date", "to"),
            kind="date",
            invalid="reject",
        ),
    ),
    key=("staff_id",),
    must_have=("staff_id", "name", "kind"),
    header_fields=("staff_id", "name"),
)

#: The assignment list: fields in the order of the accepted rows.
ASSIGNMENTS: Final = TableSchema(
    name="assignments",
    label_zh="人员分配表",
    label_en="assignment list",
    fields=(
        _STAFF_ID,
        Field(
            "cell_code",
            "网格编码",
            "cell code",
            aliases=("网格代码", "网格编号", "网格", "cell", "grid_code"),
            kind="code",
            required=True,
            pattern=CELL_CODE_PATTERN,
            invalid="reject",
            hint_zh=_CELL_HINT_ZH,
            hint_en=_CELL_HINT_EN,
        ),
        Field(
            "duty",
            "职责",
            "duty",
            aliases=("岗位", "职务", "role"),
            kind="choice",
            required=True,
            choices=DUTY_CHOICES,
            invalid="reject",
            hint_zh="责任监察员、协管员、联络员或督导员",
            hint_en="责任监察员 (responsible), 协管员 (assistant), 联络员 (liaison) "
            "or 督导员 (supervisor)",
        ),
        Field(
            "valid_from",
            "起始日期",
            "valid from",
            aliases=("开始日期", "起始时间", "start_date", "from"),
            kind="date",
            required=True,
            invalid="reject",
        ),
        Field(
            "valid_to",
            "终止日期",
            "valid to",
            aliases=("结束日期", "终止时间", "end_date", "to"),
            kind="date",
            invalid="reject",
        ),
    ),
    key=("staff_id", "cell_code", "duty", "valid_from"),
    must_have=("staff_id", "cell_code", "duty", "valid_from"),
    header_fields=("staff_id", "cell_code"),
)

#: Severity of the problems of a staff row (besides the generic ones).
STAFF_KINDS: Final[dict[str, str]] = {
    # a date that cannot be read is not dropped: an end date lost would make
    # the person active for ever
    "date_invalid": "reject",
    "unit_unknown": "reject",
    "id_number_length": "warning",
    "id_number_format": "warning",
    "id_number_check": "warning",
    "id_number_birth_date": "warning",
    "id_number_birth_place": "warning",
    **POINT_KINDS,
    "active_dates_order": "reject",
}

#: Severity of the problems of an assignment row (besides the generic ones).
ASSIGNMENT_KINDS: Final[dict[str, str]] = {
    # an end date lost would make the assignment open-ended
    "date_invalid": "reject",
    "staff_id_unknown": "reject",
    "cell_code_unknown": "reject",
    "valid_dates_order": "reject",
}
