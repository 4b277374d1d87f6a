"""The storage layouts: 0003-hash-and-id-n-tuple (new roots) against the extension's own examples and ocfl-py's
implementation, 0004-hashed-n-tuple (older roots) against its examples, and their configurations."""

from __future__ import annotations

import uuid

import pytest
from ocfl import layout_0003_hash_and_id_n_tuple as stock

from dangan.preservation.ocfl.layout import (
    LAYOUTS,
    DefaultLayout,
    HashAndIdNTupleLayout,
    HashedNTupleLayout,
    config_path,
    encode_object_id,
    layout_from_config,
)

LONG_260 = "abcdefghij" * 26
LONG_101 = "abcdefghij" * 10 + "a"
FIRST_100 = "abcdefghij" * 10

# (object id, parameters, path): the examples and the test vectors of the 0003 specification.
SPEC_0003 = [
    ("object-01", {}, "3c0/ff4/240/object-01"),
    ("..hor/rib:le-$id", {}, "487/326/d8c/%2e%2ehor%2frib%3ale-%24id"),
    ("..Hor/rib:lè-$id", {}, "373/529/21a/%2e%2eHor%2frib%3al%c3%a8-%24id"),
    ("object-01", {"digest_algorithm": "md5"}, "ff7/553/449/object-01"),
    ("..hor/rib:le-$id", {"digest_algorithm": "md5"}, "083/197/66f/%2e%2ehor%2frib%3ale-%24id"),
    ("object-01", {"digest_algorithm": "md5", "tuple_size": 5, "number_of_tuples": 2}, "ff755/34492/object-01"),
    ("object-01", {"digest_algorithm": "md5", "tuple_size": 0, "number_of_tuples": 0}, "object-01"),
    ("..hor/rib:le-$id", {"tuple_size": 0, "number_of_tuples": 0}, "%2e%2ehor%2frib%3ale-%24id"),
    (
        "object-01",
        {"digest_algorithm": "md5", "tuple_size": 2, "number_of_tuples": 15},
        "ff/75/53/44/92/48/5e/ab/b3/9f/86/35/67/28/88/object-01",
    ),
    (
        "..hor/rib:le-$id",
        {"digest_algorithm": "md5", "tuple_size": 2, "number_of_tuples": 15},
        "08/31/97/66/fb/6c/29/35/dd/17/5b/94/26/77/17/%2e%2ehor%2frib%3ale-%24id",
    ),
    (
        LONG_260,
        {},
        f"55b/432/806/{FIRST_100}-55b432806f4e270da0cf23815ed338742179002153cd8d896f23b3e2d8a14359",
    ),
    (
        LONG_101,
        {},
        f"5cc/73e/648/{FIRST_100}-5cc73e648fbcff136510e330871180922ddacf193b68fdeff855683a01464220",
    ),
]


@pytest.mark.parametrize(("object_id", "params", "path"), SPEC_0003)
def test_0003_follows_the_examples_of_its_specification(object_id: str, params: dict, path: str) -> None:
    assert HashAndIdNTupleLayout(**params).object_path(object_id) == path


def test_0003_encoding_and_truncation() -> None:
    assert encode_object_id(".") == "%2e"
    assert encode_object_id("ç") == "%c3%a7"
    assert encode_object_id("档") == "%e6%a1%a3"
    assert encode_object_id("AZaz09-_") == "AZaz09-_"
    assert encode_object_id("a b~c") == "a%20b%7ec"
    # Exactly 100 encoded characters are kept whole; the 101st starts the truncation.
    assert HashAndIdNTupleLayout().object_path(FIRST_100).endswith("/" + FIRST_100)
    # The cut may fall inside an escape: it is a cut of the encoded string, not of the id.
    cut = HashAndIdNTupleLayout().object_path("a" * 99 + ":" + "b").split("/")[-1]
    assert cut.startswith("a" * 99 + "%-") and len(cut) == 100 + 1 + 64


def test_0003_object_roots_of_our_ids_are_readable() -> None:
    package = "urn:uuid:6f1c2d4e-8a9b-4c3d-9e0f-112233445566"
    path = DefaultLayout().object_path(package)
    assert path.split("/")[3] == "urn%3auuid%3a6f1c2d4e-8a9b-4c3d-9e0f-112233445566"
    assert [len(part) for part in path.split("/")[:3]] == [3, 3, 3]


def test_0003_agrees_with_ocfl_py() -> None:
    """ocfl-py's own implementation of 0003 (stock, nothing patched is involved) maps ids exactly as ours."""
    ids = [
        *(f"urn:uuid:{uuid.uuid4()}" for _ in range(50)),
        *(object_id for object_id, _, _ in SPEC_0003),
        "档案/2011/遵义会议纪要（抄件）",
        "x" * 99 + "é",
        "%41",
        "",
    ]
    for params in ({}, {"digest_algorithm": "sha512", "tuple_size": 4, "number_of_tuples": 2}):
        theirs = stock.Layout_0003_Hash_And_Id_N_Tuple()
        ours = HashAndIdNTupleLayout(**params)
        theirs.check_and_set_layout_params(ours.config())
        for object_id in ids:
            assert ours.object_path(object_id) == theirs.identifier_to_path(object_id), object_id


def test_0004_follows_the_examples_of_its_specification() -> None:
    digest = "3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4"  # sha256("object-01")
    assert HashedNTupleLayout().object_path("object-01") == f"3c0/ff4/240/{digest}"
    assert HashedNTupleLayout(short_object_root=True).object_path("object-01") == f"3c0/ff4/240/{digest[9:]}"
    assert (
        HashedNTupleLayout(digest_algorithm="md5", tuple_size=2, number_of_tuples=15).object_path("object-01")
        == "ff/75/53/44/92/48/5e/ab/b3/9f/86/35/67/28/88/ff75534492485eabb39f86356728884e"
    )
    assert HashedNTupleLayout(tuple_size=0, number_of_tuples=0).object_path("object-01") == digest


@pytest.mark.parametrize("cls", [HashAndIdNTupleLayout, HashedNTupleLayout])
def test_configurations_round_trip_and_default_to_the_extension_defaults(cls: type) -> None:
    layout = cls(digest_algorithm="sha512", tuple_size=2, number_of_tuples=4)
    assert layout.config()["extensionName"] == cls.name
    assert layout_from_config(cls.name, layout.config()) == layout
    assert layout_from_config(cls.name, None) == cls() == layout_from_config(cls.name, {"extensionName": cls.name})
    assert cls().config()["digestAlgorithm"] == "sha256"
    assert (cls().tuple_size, cls().number_of_tuples) == (3, 3)
    assert config_path(cls.name) == f"extensions/{cls.name}/config.json"
    assert LAYOUTS[cls.name] is cls


@pytest.mark.parametrize(
    "config",
    [
        {"tupleSize": 0},  # numberOfTuples 3
        {"tupleSize": 3, "numberOfTuples": 0},
        {"tupleSize": 33},
        {"tupleSize": -1},
        {"tupleSize": "3"},
        {"tupleSize": True},
        {"tupleSize": 32, "numberOfTuples": 3},  # longer than a sha256 digest
        {"digestAlgorithm": "md5", "tupleSize": 11, "numberOfTuples": 3},
        {"digestAlgorithm": "sm3"},  # not an OCFL digest algorithm: other tools could not follow
        {"digestAlgorithm": "size"},
        {"digestAlgorithm": "nonsense"},
        {"extensionName": "0004-hashed-n-tuple-storage-layout"},
    ],
)
def test_bad_0003_configurations_are_refused(config: dict) -> None:
    with pytest.raises(ValueError):
        HashAndIdNTupleLayout.from_config(config)


def test_bad_0004_configurations_are_refused() -> None:
    with pytest.raises(ValueError):
        HashedNTupleLayout.from_config({"tupleSize": 32, "numberOfTuples": 2, "shortObjectRoot": True})
    with pytest.raises(ValueError):
        HashedNTupleLayout.from_config({"shortObjectRoot": "yes"})
    with pytest.raises(ValueError):
        HashedNTupleLayout.from_config({"extensionName": "0003-hash-and-id-n-tuple-storage-layout"})
    with pytest.raises(KeyError):
        layout_from_config("0002-flat-direct-storage-layout", None)
