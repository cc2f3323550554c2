from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.uscc import (
    ALPHABET,
    ARRAY_COLUMNS,
    ORG_WEIGHTS,
    SEVERITY,
    WEIGHTS,
    make_uscc,
    normalise_uscc,
    org_check_char,
    uscc_check_char,
    validate_uscc,
    validate_uscc_array,
)
from twonet.errors import TwoNetError

# Widely cited genuine codes (Fujian and Beijing enterprises).
VALID = ("91350100M000100Y43", "91110000802100433B")


def kinds(code: object, **kwargs) -> list[str]:
    return [p.kind for p in validate_uscc(code, **kwargs)]


def test_constants_are_those_of_the_standards() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert ORG_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)


@pytest.mark.parametrize("code", VALID)
def test_genuine_codes_are_valid(code: str) -> None:
    assert validate_uscc(code) == []
    assert uscc_check_char(code[:17]) == code[17]
    assert org_check_char(code[8:16]) == code[16]


def test_check_characters_by_hand() -> None:
    # 9*1 + 1*3 + 3*9 + 5*27 + 1*26 + M(21)*20 + 1*8 + Y(30)*30 + 4*28 = 1640;
    # 1640 mod 31 = 28; 31 - 28 = 3
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert org_check_char("00000000") == "0"  # 11 - 0 = 11 -> "0"
    assert org_check_char("00000006") == "X"  # 6*2 = 12, 11 - 1 = 10 -> "X"
    assert org_check_char("00000001") == "9"  # 11 - 2 = 9


def test_make_uscc_computes_both_check_characters() -> None:
    assert make_uscc("9", "1", "350100", "M000100Y") == "91350100M000100Y43"
    code = make_uscc("9", "1", "370211", "MA3C0000")
    assert code == "91370211MA3C00003T"
    assert validate_uscc(code) == []


@pytest.mark.parametrize(
    ("parts", "word"),
    [
        (("99", "1", "370211", "MA3C0000"), "authority"),
        (("9", "1", "37021", "MA3C0000"), "area"),
        (("9", "1", "370211", "MA3C00O0"), "organisation body"),
    ],
)
def test_make_uscc_refuses_bad_parts(
    parts: tuple[str, str, str, str], word: str
) -> None:
    with pytest.raises(TwoNetError, match=word):
        make_uscc(*parts)


def test_normalisation() -> None:
    assert normalise_uscc(" ９１３５０１００ｍ000100y43 ") == VALID[0]
    assert normalise_uscc(None) == ""
    assert validate_uscc("91350100 m000100y43") == []


def test_each_problem() -> None:
    assert kinds("") == ["uscc_missing"]
    assert kinds("9135010") == ["uscc_length"]
    problems = validate_uscc("91350100M000100O43")
    assert [p.kind for p in problems] == ["uscc_charset"]
    assert "“O”" in problems[0].reason_zh
    assert "'O'" in problems[0].reason_en
    assert kinds("91350100M000100Y44") == ["uscc_check"]
    # a wrong organisation-code check with a right 18th character
    first17 = "91350100M000100Y5"
    assert kinds(first17 + uscc_check_char(first17)) == ["uscc_org_check"]
    # authority B does not exist
    first17 = "B1350100M000100Y4"
    assert kinds(first17 + uscc_check_char(first17)) == ["uscc_authority"]
    first17 = "913501A0M000100Y4"
    assert kinds(first17 + uscc_check_char(first17)) == ["uscc_area_format"]


def test_severities() -> None:
    assert SEVERITY["uscc_check"] == "reject"
    assert SEVERITY["uscc_org_check"] == "warning"
    assert SEVERITY["uscc_area_unknown"] == "warning"


def test_area_code_known() -> None:
    assert kinds(VALID[0], known_area_codes={"350100"}) == []
    problems = validate_uscc(VALID[0], known_area_codes={"370211"})
    assert [p.kind for p in problems] == ["uscc_area_unknown"]
    assert "350100" in problems[0].reason_zh
    # the national area is always known
    national = make_uscc("9", "1", "100000", "71093112")
    assert kinds(national, known_area_codes=set()) == []


def test_genuine_xiamen_code_fails_the_check() -> None:
    # A real pre-2016 Xiamen code that does not follow the standard: rejected,
    # with the expected character in the message for a person to confirm.
    problems = validate_uscc("91350203M0001QKT19")
    assert [p.kind for p in problems] == ["uscc_check"]
    assert "“F”" in problems[0].reason_zh


def test_array_columns_and_values() -> None:
    codes = pd.Series(
        [VALID[0], "91350100M000100Y44", None, "abc", "９１３５０１００ｍ000100y43", 5],
        index=[10, 11, 12, 13, 14, 15],
    )
    out = validate_uscc_array(codes, known_area_codes={"350100"})
    assert tuple(out.columns) == ARRAY_COLUMNS
    assert out.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert out["code"].tolist() == [
        VALID[0],
        "91350100M000100Y44",
        "",
        "ABC",
        VALID[0],
        "5",
    ]
    assert out["format_ok"].tolist() == [True, True, False, False, True, False]
    assert out["check_ok"].tolist() == [True, False, False, False, True, False]
    assert out["check_char"].tolist()[:2] == ["3", "3"]
    assert out["area_code"].tolist()[:2] == ["350100", "350100"]
    assert out["area_known"].tolist()[:3] == [True, True, pd.NA]
    assert out["present"].tolist() == [True, True, False, True, True, True]


def test_array_empty() -> None:
    out = validate_uscc_array(pd.Series([], dtype=object))
    assert out.empty
    assert tuple(out.columns) == ARRAY_COLUMNS


# ---------------------------------------------------------------- properties

symbols = st.sampled_from(ALPHABET)
digits = st.sampled_from("0123456789")


@st.composite
def made_codes(draw: st.DrawFn) -> str:
    authority = draw(symbols)
    org_type = draw(symbols)
    area = "".join(draw(st.lists(digits, min_size=6, max_size=6)))
    body = "".join(draw(st.lists(symbols, min_size=8, max_size=8)))
    return make_uscc(authority, org_type, area, body)


@settings(max_examples=300)
@given(made_codes())
def test_made_codes_pass_every_check(code: str) -> None:
    problems = validate_uscc(code)
    assert {p.kind for p in problems} <= {"uscc_authority"}


@settings(max_examples=300)
@given(made_codes(), st.integers(0, 17), symbols)
def test_any_single_substitution_is_detected(
    code: str, position: int, new: str
) -> None:
    if code[position] == new:
        new = ALPHABET[(ALPHABET.index(new) + 1) % 31]
    changed = code[:position] + new + code[position + 1 :]
    assert "uscc_check" in kinds(changed)


def array_kinds(row: pd.Series) -> list[str]:
    out = []
    if not row["present"]:
        return ["uscc_missing"]
    if not row["length_ok"]:
        return ["uscc_length"]
    if not row["charset_ok"]:
        return ["uscc_charset"]
    if not row["format_ok"]:
        out.append("uscc_area_format")
    if row["code"][17] != row["check_char"]:
        out.append("uscc_check")
    if not row["org_check_ok"]:
        out.append("uscc_org_check")
    if not row["authority_ok"]:
        out.append("uscc_authority")
    return out


@settings(max_examples=100)
@given(
    st.lists(
        st.one_of(
            made_codes(),
            st.text(alphabet=ALPHABET + "IOZ a中", min_size=0, max_size=19),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_vectorised_agrees_with_scalar(codes: list[str]) -> None:
    out = validate_uscc_array(pd.Series(codes))
    for code, (_, row) in zip(codes, out.iterrows(), strict=True):
        assert array_kinds(row) == kinds(code), code
