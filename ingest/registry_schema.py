"""The employer registry's schema: fields, Chinese and English headers, kinds.

:data:`EMPLOYERS` declares what a registry (用人单位信息表) holds for the
generic table pipeline (:mod:`ingest.tables`); :data:`KINDS` the severity of
every problem an employer row can have.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from ingest.tables.coordinates import OBFUSCATED_MARGIN as OBFUSCATED_MARGIN
from ingest.tables.schema import Field, TableSchema
from ingest.uscc import SEVERITY as USCC_SEVERITY

FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "单位名称",
        "企业名称",
        "用人单位名称",
        "用人单位",
        "名称",
        "单位",
        "name",
        "company",
        "company_name",
        "employer",
        "employer_name",
        "enterprise_name",
        "unit_name",
    ),
    "uscc": (
        "统一社会信用代码",
        "信用代码",
        "社会信用代码",
        "统一信用代码",
        "统一代码",
        "uscc",
        "usci",
        "credit_code",
        "social_credit_code",
        "unified_social_credit_code",
    ),
    "registered_address": (
        "注册地址",
        "住所",
        "注册地",
        "登记地址",
        "registered_address",
        "reg_address",
    ),
    "operating_address": (
        "经营地址",
        "生产经营地址",
        "实际经营地址",
        "经营场所",
        "地址",
        "单位地址",
        "详细地址",
        "operating_address",
        "business_address",
        "address",
    ),
    "lon": ("经度", "经度坐标", "x坐标", "lon", "lng", "long", "longitude", "x"),
    "lat": ("纬度", "纬度坐标", "y坐标", "lat", "latitude", "y"),
    "crs": (
        "坐标系",
        "坐标类型",
        "坐标系统",
        "坐标体系",
        "crs",
        "datum",
        "coordinate_system",
        "coord_system",
    ),
    "industry_code": (
        "行业代码",
        "国民经济行业代码",
        "行业分类代码",
        "industry_code",
    ),
    "industry": (
        "行业",
        "行业名称",
        "所属行业",
        "国民经济行业",
        "行业分类",
        "industry",
        "industry_name",
    ),
    "economic_type": (
        "经济类型",
        "登记注册类型",
        "企业类型",
        "经济性质",
        "单位性质",
        "economic_type",
        "ownership",
        "registration_type",
    ),
    "staff": (
        "职工人数",
        "从业人数",
        "职工总数",
        "用工人数",
        "员工人数",
        "staff",
        "employees",
        "headcount",
        "staff_count",
    ),
    "men": ("男", "男职工", "男性", "其中男", "男职工人数", "men", "male"),
    "women": ("女", "女职工", "女性", "其中女", "女职工人数", "women", "female"),
    "on_post": ("在岗人数", "在岗职工人数", "在岗职工", "on_post", "on_duty"),
    "migrant": (
        "农民工人数",
        "农民工",
        "其中农民工",
        "migrant",
        "migrants",
        "migrant_workers",
    ),
    "contracts_required": (
        "应签合同人数",
        "应签订劳动合同人数",
        "应签劳动合同人数",
        "contracts_required",
    ),
    "contracts_signed": (
        "劳动合同签订人数",
        "已签合同人数",
        "签订劳动合同人数",
        "已签订劳动合同人数",
        "contracts_signed",
    ),
    "insured": (
        "参保人数",
        "参加社会保险人数",
        "参保职工人数",
        "insured",
        "social_insurance",
    ),
    "legal_rep": (
        "法定代表人",
        "负责人",
        "法人代表",
        "法定代表人(负责人)",
        "法人",
        "legal_rep",
        "legal_representative",
        "representative",
    ),
    "phone": ("联系电话", "电话", "手机", "联系方式", "phone", "tel", "telephone"),
    "updated": (
        "更新日期",
        "填报日期",
        "更新时间",
        "填报时间",
        "updated",
        "update_date",
        "updated_at",
        "report_date",
    ),
    "category": ("重点类别", "行业类别", "类别", "category"),
}


#: Names of the fields in messages (Chinese, English).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "registered_address": ("注册地址", "registered address"),
    "operating_address": ("生产经营地址", "operating address"),
    "industry": ("行业", "industry"),
    "economic_type": ("经济类型", "economic type"),
    "legal_rep": ("法定代表人", "legal representative"),
    "phone": ("联系电话", "phone"),
    "category": ("重点类别", "category"),
    "name": ("单位名称", "name"),
    "uscc": ("统一社会信用代码", "credit code"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
    "crs": ("坐标系", "coordinate system"),
    "industry_code": ("行业代码", "industry code"),
    "staff": ("职工人数", "staff"),
    "men": ("男职工", "men"),
    "women": ("女职工", "women"),
    "on_post": ("在岗人数", "on-post staff"),
    "migrant": ("农民工人数", "migrant workers"),
    "contracts_required": ("应签合同人数", "contracts required"),
    "contracts_signed": ("劳动合同签订人数", "contracts signed"),
    "insured": ("参保人数", "insured"),
    "updated": ("更新日期", "update date"),
}


#: Fields holding head counts (non-negative integers, ``Int64``).
COUNT_FIELDS: tuple[str, ...] = (
    "staff",
    "men",
    "women",
    "on_post",
    "migrant",
    "contracts_required",
    "contracts_signed",
    "insured",
)


_INDUSTRY_CODE = r"[A-T](?:\d{2,4})?|\d{2,4}"


def _field(name: str, **options: Any) -> Field:
    zh, en = FIELD_LABELS[name]
    return Field(name, zh, en, aliases=FIELD_ALIASES[name], **options)


#: The employer registry's schema: fields in the order of the accepted rows.
EMPLOYERS: Final = TableSchema(
    name="employers",
    label_zh="用人单位信息表",
    label_en="employer registry",
    fields=(
        _field("name", required=True),
        _field("uscc"),
        _field("registered_address"),
        _field("operating_address"),
        _field("lon"),
        _field("lat"),
        _field("crs"),
        _field(
            "industry_code",
            kind="code",
            pattern=_INDUSTRY_CODE,
            hint_zh="GB/T 4754格式(门类字母加2-4位数字)",
            hint_en="a GB/T 4754 code (a section letter and/or 2-4 digits)",
        ),
        _field("industry"),
        _field("economic_type"),
        *(_field(name, kind="count") for name in COUNT_FIELDS[:6]),
        *(_field(name, kind="count") for name in COUNT_FIELDS[6:]),
        _field("legal_rep"),
        _field("phone"),
        _field("updated", kind="date"),
        _field("category"),
    ),
    key=("uscc",),
    must_have=("name", "uscc"),
    header_fields=("name", "uscc"),
)

#: The schema of a registry whose credit codes are optional (unlicensed
#: workshops, old registrations): a file without a credit-code column is
#: read, its rows have no key and are kept as they are.
EMPLOYERS_WITHOUT_USCC: Final = replace(EMPLOYERS, must_have=("name",))

#: Our field names, in the order of :attr:`RegistryResult.rows`.
FIELDS: tuple[str, ...] = EMPLOYERS.field_names

#: Columns of :attr:`RegistryResult.rows`.
ROW_COLUMNS: tuple[str, ...] = ("row", *FIELDS, "area_code", "extra")

#: Problem kinds and their severity.
KINDS: Final[dict[str, str]] = {
    "name_missing": "reject",
    "uscc_invisible": "warning",
    **USCC_SEVERITY,
    "uscc_duplicate": "reject",
    "field_count": "reject",
    "coord_not_numeric": "warning",
    "coord_partial": "warning",
    "coord_swapped": "warning",
    "coord_out_of_range": "warning",
    "coord_outside_extent": "warning",
    "crs_unknown": "warning",
    "count_invalid": "warning",
    "staff_sum": "warning",
    "on_post_gt_staff": "warning",
    "migrant_gt_on_post": "warning",
    "migrant_gt_staff": "warning",
    "signed_gt_required": "warning",
    "required_gt_staff": "warning",
    "date_invalid": "warning",
    "industry_code_invalid": "warning",
}
