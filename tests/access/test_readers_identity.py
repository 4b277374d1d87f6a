"""Identity documents and phones of readers: the 居民身份证 check character, other documents, masking."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dangan.access.identity import (
    DocumentType,
    mask_document,
    mask_phone,
    resident_id_check_character,
    validate_document,
    validate_mobile,
)


def test_a_known_resident_id_number_passes_and_is_kept_upper_case():
    # GB 11643's published example: 11010519491231002X.
    assert resident_id_check_character("11010519491231002") == "X"
    assert validate_document(DocumentType.RESIDENT_ID, " 110105 19491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "校验位不正确"),
        ("11010519491231002", "应为 18 位"),
        ("1101051949123100AX", "应为 18 位"),
        ("11010519491331002" + resident_id_check_character("11010519491331002"), "出生日期无效"),
        ("", "请填写证件号码"),
    ],
)
def test_a_wrong_resident_id_number_is_refused_with_a_chinese_message(number, message):
    with pytest.raises(ValidationError) as caught:
        validate_document(DocumentType.RESIDENT_ID, number)
    assert message in " ".join(caught.value.message_dict["document_number"])


def test_other_documents_take_letters_and_digits_only():
    assert validate_document(DocumentType.PASSPORT, "e 1234 5678") == "E12345678"
    assert validate_document(DocumentType.HK_MACAO, "H12345678") == "H12345678"
    with pytest.raises(ValidationError):
        validate_document(DocumentType.PASSPORT, "<script>")
    with pytest.raises(ValidationError):
        validate_document("driving_licence", "E12345678")


def test_a_mobile_number_has_eleven_digits():
    assert validate_mobile("138-1234 5678") == "13812345678"
    for wrong in ("1381234567", "23812345678", "138123456789", "abc"):
        with pytest.raises(ValidationError) as caught:
            validate_mobile(wrong)
        assert "11 位手机号码" in caught.value.message_dict["phone"][0]


def test_masks_show_only_the_ends():
    assert mask_document("520102199001011234") == "5201**********1234"
    assert mask_document("E1234567") == "******67"
    assert mask_document("") == ""
    assert mask_phone("13812345678") == "138****5678"
