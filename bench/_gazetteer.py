"""The country the generator writes about: real provinces, synthetic districts and communes, and their agencies.

The 63 provinces and centrally-run cities before 1 July 2025 and the 34 after the reform (Resolution 202/2025/QH15)
are real names. District (until 30 June 2025, ~11 per province) and commune names (after the reform, ~98 per
province) are synthetic but Vietnamese-shaped, unique nationally, and the same for every seed: the gazetteer is a
fixed country, only the documents differ by seed.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Final, Literal

from graph_api.iris import DEFAULT_BASE, agency_iri, nfc, slug

Level = Literal["central", "province", "district", "commune"]
Branch = Literal["party", "state"]
Era = Literal["before", "after"]

#: Districts are abolished and provinces merged from this day; communes then report to the province.
REFORM: Final = date(2025, 7, 1)
#: Ministries and provincial departments were merged from March 2025 (e.g. Planning and Investment into Finance).
DEPARTMENT_REFORM: Final = date(2025, 3, 1)

_CITIES: Final = frozenset({"Hà Nội", "Hải Phòng", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ", "Huế"})
_ENGLISH: Final = {"Hà Nội": "Hanoi", "Hồ Chí Minh": "Ho Chi Minh City", "Huế": "Hue"}

PROVINCES_BEFORE: Final = (
    "Hà Nội", "Hà Giang", "Cao Bằng", "Bắc Kạn", "Tuyên Quang", "Lào Cai", "Điện Biên", "Lai Châu", "Sơn La",
    "Yên Bái", "Hòa Bình", "Thái Nguyên", "Lạng Sơn", "Quảng Ninh", "Bắc Giang", "Phú Thọ", "Vĩnh Phúc", "Bắc Ninh",
    "Hải Dương", "Hải Phòng", "Hưng Yên", "Thái Bình", "Hà Nam", "Nam Định", "Ninh Bình", "Thanh Hóa", "Nghệ An",
    "Hà Tĩnh", "Quảng Bình", "Quảng Trị", "Thừa Thiên Huế", "Đà Nẵng", "Quảng Nam", "Quảng Ngãi", "Bình Định",
    "Phú Yên", "Khánh Hòa", "Ninh Thuận", "Bình Thuận", "Kon Tum", "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng",
    "Bình Phước", "Tây Ninh", "Bình Dương", "Đồng Nai", "Bà Rịa - Vũng Tàu", "Hồ Chí Minh", "Long An", "Tiền Giang",
    "Bến Tre", "Trà Vinh", "Vĩnh Long", "Đồng Tháp", "An Giang", "Kiên Giang", "Cần Thơ", "Hậu Giang", "Sóc Trăng",
    "Bạc Liêu", "Cà Mau",
)  # fmt: skip
PROVINCES_AFTER: Final = (
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An", "Hà Tĩnh",
    "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Hải Phòng",
    "Ninh Bình", "Quảng Trị", "Đà Nẵng", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk",
    "Hồ Chí Minh", "Đồng Nai", "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
)  # fmt: skip

_SYLLABLES: Final = (
    "An", "Bình", "Phú", "Hòa", "Tân", "Thạnh", "Long", "Mỹ", "Đông", "Tây", "Nam", "Bắc", "Trung", "Hưng",
    "Thịnh", "Phước", "Lộc", "Thuận", "Hải", "Sơn", "Lâm", "Thanh", "Vĩnh", "Quang", "Đức", "Hiệp", "Lợi", "Xuân",
    "Cẩm", "Yên", "Kim", "Ngọc", "Hồng", "Tiên", "Đại", "Tiến", "Thành", "Lạc", "Gia", "Hà", "Lương", "Tam", "Cát",
    "Châu", "Quý", "Minh", "Trường", "Phong", "Định", "Khánh", "Hậu", "Thượng", "Điền", "Thái", "Hoàng", "Việt",
    "Nghĩa", "Hợp", "Thắng", "Lập", "Tường", "Phúc", "Khê", "Giang", "Cường", "Mai", "Liên", "Sa", "Vân", "Hòa",
    "Tràng", "Kỳ", "Diễn", "Quỳnh", "Dương", "Thủy", "Hương", "Tuy", "Bảo", "Chánh",
)  # fmt: skip
_UNIQUE_SYLLABLES: Final = tuple(dict.fromkeys(_SYLLABLES))


def english(name: str) -> str:
    """ASCII form of a Vietnamese name for English labels: "Thanh Hóa" -> "Thanh Hoa"."""
    if name in _ENGLISH:
        return _ENGLISH[name]
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Place:
    """A ``dh:AdministrativeUnit``."""

    key: str
    label_vi: str
    label_en: str
    level: Level
    within: Place | None = None

    @property
    def iri(self) -> str:
        return f"{DEFAULT_BASE}place/{self.key}"


@dataclass(frozen=True)
class Agency:
    """A ``dh:Agency`` (or ``dh:AgencyCollective``); its IRI is minted from its Vietnamese name."""

    name: str
    name_en: str
    level: Level
    branch: Branch
    place: Place | None = None
    parent: Agency | None = None
    collective: bool = False

    @cached_property
    def iri(self) -> str:
        return agency_iri(self.name)


@dataclass(frozen=True)
class Unit:
    """A province, district or commune with the agencies that issue documents and those that get tasks."""

    place: Place
    party: Agency
    state: Agency
    party_code: str
    party_assignees: tuple[Agency, ...]
    state_assignees: tuple[Agency, ...]
    short: str = field(default="")


POLITBURO: Final = Agency("Bộ Chính trị", "Politburo", "central", "party")
CENTRAL_COMMITTEE: Final = Agency("Ban Chấp hành Trung ương", "Party Central Committee", "central", "party")
SECRETARIAT: Final = Agency("Ban Bí thư", "Party Secretariat", "central", "party")


def _central(name: str, name_en: str, *, collective: bool = False, level: Level = "central") -> Agency:
    return Agency(name, name_en, level, "party", parent=CENTRAL_COMMITTEE, collective=collective)


_CENTRAL_COMMON: Final = (
    _central("Các tỉnh ủy, thành ủy", "Provincial and city Party Committees", collective=True, level="province"),
    _central("Ban Tổ chức Trung ương", "Central Organisation Commission"),
    _central("Ủy ban Kiểm tra Trung ương", "Central Inspection Commission"),
    _central("Văn phòng Trung ương Đảng", "Party Central Office"),
)
CENTRAL_ASSIGNEES: Final[dict[Era, tuple[Agency, ...]]] = {
    "before": (
        *_CENTRAL_COMMON,
        _central("Ban Tuyên giáo Trung ương", "Central Propaganda and Education Commission"),
        _central("Ban cán sự đảng Chính phủ", "Party Affairs Committee of the Government"),
        _central("Đảng đoàn Quốc hội", "Party Delegation to the National Assembly"),
    ),
    "after": (
        *_CENTRAL_COMMON,
        _central("Ban Tuyên giáo và Dân vận Trung ương", "Central Propaganda and Mass Mobilisation Commission"),
        _central("Đảng ủy Chính phủ", "Government Party Committee"),
        _central("Đảng ủy Quốc hội", "National Assembly Party Committee"),
    ),
}

_DEPARTMENTS_BEFORE: Final = (
    ("Sở Kế hoạch và Đầu tư", "Department of Planning and Investment"),
    ("Sở Tài chính", "Department of Finance"),
    ("Sở Nội vụ", "Department of Home Affairs"),
    ("Sở Lao động - Thương binh và Xã hội", "Department of Labour, Invalids and Social Affairs"),
    ("Sở Thông tin và Truyền thông", "Department of Information and Communications"),
    ("Sở Giao thông vận tải", "Department of Transport"),
    ("Sở Xây dựng", "Department of Construction"),
    ("Sở Y tế", "Department of Health"),
    ("Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("Sở Công Thương", "Department of Industry and Trade"),
    ("Sở Nông nghiệp và Phát triển nông thôn", "Department of Agriculture and Rural Development"),
    ("Sở Tài nguyên và Môi trường", "Department of Natural Resources and Environment"),
    ("Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism"),
)
_DEPARTMENTS_AFTER: Final = (
    ("Sở Tài chính", "Department of Finance"),
    ("Sở Nội vụ", "Department of Home Affairs"),
    ("Sở Xây dựng", "Department of Construction"),
    ("Sở Y tế", "Department of Health"),
    ("Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("Sở Công Thương", "Department of Industry and Trade"),
    ("Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"),
    ("Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism"),
    ("Sở Dân tộc và Tôn giáo", "Department of Ethnic and Religious Affairs"),
)


def _province_unit(name: str, era: Era, on: date) -> Unit:
    city = name in _CITIES
    en = english(name)
    if name == "Hồ Chí Minh":
        place_vi, of_vi = "Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"
    elif city:
        place_vi, of_vi = f"Thành phố {name}", f"thành phố {name}"
    else:
        place_vi, of_vi = f"Tỉnh {name}", f"tỉnh {name}"
    place = Place(slug(name), place_vi, en if city else f"{en} Province", "province")
    committee_vi = f"Thành ủy {of_vi.removeprefix('thành phố ')}" if city else f"Tỉnh ủy {name}"
    committee_en = f"{en} Party Committee" if city else f"{en} Provincial Party Committee"
    people_en = f"{en} People's Committee" if city else f"{en} Provincial People's Committee"
    party = Agency(committee_vi, committee_en, "province", "party", place)
    state = Agency(f"UBND {of_vi}", people_en, "province", "state", place)
    propaganda = ("Ban Tuyên giáo", "Propaganda and Education Commission")
    if on >= DEPARTMENT_REFORM:
        propaganda = ("Ban Tuyên giáo và Dân vận", "Propaganda and Mass Mobilisation Commission")
    organs = (propaganda, ("Ban Tổ chức", "Organisation Commission"), ("Ủy ban Kiểm tra", "Inspection Commission"))
    party_assignees = [
        Agency(f"{vi} {committee_vi}", f"{en_} of the {committee_en}", "province", "party", place, party)
        for vi, en_ in organs
    ]
    departments = _DEPARTMENTS_AFTER if on >= DEPARTMENT_REFORM else _DEPARTMENTS_BEFORE
    state_assignees = [
        Agency(f"{vi} {of_vi}", f"{en} {en_}", "province", "state", place, state) for vi, en_ in departments
    ]
    state_assignees.append(
        Agency(f"Các sở, ban, ngành {of_vi}", f"{en} departments and agencies", "province", "state", place, state, True)
    )
    if era == "before":
        party_assignees.append(
            Agency(f"Các huyện ủy, quận ủy, thị ủy, thành ủy trực thuộc {committee_vi}",
                   f"District-level Party Committees under the {committee_en}", "district", "party", place, party,
                   True)
        )  # fmt: skip
        state_assignees.append(
            Agency(f"UBND các huyện, quận, thị xã, thành phố thuộc {of_vi}",
                   f"District-level People's Committees of {en}", "district", "state", place, state, True)
        )  # fmt: skip
    else:
        party_assignees.append(
            Agency(f"Các đảng ủy xã, phường trực thuộc {committee_vi}",
                   f"Commune and ward Party Committees under the {committee_en}", "commune", "party", place, party,
                   True)
        )  # fmt: skip
        state_assignees.append(
            Agency(f"UBND các xã, phường {of_vi}", f"Commune and ward People's Committees of {en}", "commune",
                   "state", place, state, True)
        )  # fmt: skip
    return Unit(place, party, state, "TU", tuple(party_assignees), tuple(state_assignees), short=of_vi)


def _district_unit(name: str, kind: str, province: Unit) -> Unit:
    en = english(name)
    kind_en = "Urban District" if kind == "quận" else "District"
    place = Place(f"{slug(kind)}-{slug(name)}-{province.place.key}", f"{kind.capitalize()} {name}",
                  f"{en} {kind_en}", "district", province.place)  # fmt: skip
    committee_vi = f"{'Quận ủy' if kind == 'quận' else 'Huyện ủy'} {name}"
    party = Agency(committee_vi, f"{en} {kind_en} Party Committee", "district", "party", place, province.party)
    state = Agency(f"UBND {kind} {name}", f"{en} {kind_en} People's Committee", "district", "state", place,
                   province.state)  # fmt: skip
    party_assignees = (
        Agency(f"Ban Tuyên giáo {committee_vi}", f"Propaganda Commission of the {party.name_en}", "district", "party",
               place, party),
        Agency(f"Ban Tổ chức {committee_vi}", f"Organisation Commission of the {party.name_en}", "district", "party",
               place, party),
        Agency(f"Các tổ chức cơ sở đảng trực thuộc {committee_vi}", f"Grassroots Party organisations under the "
               f"{party.name_en}", "commune", "party", place, party, True),
    )  # fmt: skip
    offices = (
        ("Phòng Tài chính - Kế hoạch", "Finance and Planning Office"),
        ("Phòng Nội vụ", "Home Affairs Office"),
        ("Phòng Giáo dục và Đào tạo", "Education and Training Office"),
        ("Phòng Kinh tế", "Economic Office"),
        ("Phòng Văn hóa và Thông tin", "Culture and Information Office"),
    )
    state_assignees = (
        *(Agency(f"{vi} {kind} {name}", f"{en} {kind_en} {en_}", "district", "state", place, state)
          for vi, en_ in offices),
        Agency(f"UBND các xã, phường, thị trấn thuộc {kind} {name}", f"Commune-level People's Committees of {en} "
               f"{kind_en}", "commune", "state", place, state, True),
    )  # fmt: skip
    code = "QU" if kind == "quận" else "HU"
    return Unit(place, party, state, code, party_assignees, state_assignees, short=f"{kind} {name}")


def _commune_unit(name: str, kind: str, province: Unit) -> Unit:
    en = english(name)
    kind_en = "Ward" if kind == "phường" else "Commune"
    place = Place(f"{slug(kind)}-{slug(name)}-{province.place.key}", f"{kind.capitalize()} {name}",
                  f"{en} {kind_en}", "commune", province.place)  # fmt: skip
    party = Agency(f"Đảng ủy {kind} {name}", f"{en} {kind_en} Party Committee", "commune", "party", place,
                   province.party)  # fmt: skip
    state = Agency(f"UBND {kind} {name}", f"{en} {kind_en} People's Committee", "commune", "state", place,
                   province.state)  # fmt: skip
    party_assignees = (
        Agency(f"Ban Xây dựng Đảng của Đảng ủy {kind} {name}", f"Party Building Board of the {party.name_en}",
               "commune", "party", place, party),
        Agency(f"Các chi bộ trực thuộc Đảng ủy {kind} {name}", f"Party cells under the {party.name_en}", "commune",
               "party", place, party, True),
    )  # fmt: skip
    economic = "Phòng Kinh tế, Hạ tầng và Đô thị" if kind == "phường" else "Phòng Kinh tế"
    offices = (
        ("Văn phòng HĐND và UBND", "Office of the People's Council and People's Committee"),
        (economic, "Economic Office"),
        ("Phòng Văn hóa - Xã hội", "Culture and Society Office"),
    )
    state_assignees = tuple(
        Agency(f"{vi} {kind} {name}", f"{en} {kind_en} {en_}", "commune", "state", place, state) for vi, en_ in offices
    )
    return Unit(place, party, state, "ĐU", party_assignees, state_assignees, short=f"{kind} {name}")


class Gazetteer:
    """Provinces by era, with their districts (before the reform) and communes (after), built once, seed-free."""

    def __init__(self) -> None:
        rng = random.Random("vn-directives/gazetteer")
        pairs = [f"{a} {b}" for a in _UNIQUE_SYLLABLES for b in _UNIQUE_SYLLABLES if a != b]
        rng.shuffle(pairs)
        taken = {nfc(name) for name in (*PROVINCES_BEFORE, *PROVINCES_AFTER)}
        names = (nfc(p) for p in pairs if nfc(p) not in taken)
        self._districts: dict[str, list[tuple[str, str]]] = {}
        for province in PROVINCES_BEFORE:
            count = rng.randint(7, 15)
            urban = province in _CITIES
            self._districts[province] = [
                (next(names), "quận" if urban and rng.random() < 0.5 else "huyện") for _ in range(count)
            ]
        self._communes: dict[str, list[tuple[str, str]]] = {}
        for province in PROVINCES_AFTER:
            count = rng.randint(60, 136)
            self._communes[province] = [(next(names), "phường" if rng.random() < 0.25 else "xã") for _ in range(count)]
        self._units: dict[tuple[str, str, bool], Unit] = {}
        self._lower: dict[tuple[str, int, bool], Unit] = {}

    @staticmethod
    def provinces(on: date) -> tuple[str, ...]:
        return PROVINCES_AFTER if on >= REFORM else PROVINCES_BEFORE

    def province(self, name: str, on: date) -> Unit:
        era: Era = "after" if on >= REFORM else "before"
        key = (name, era, on >= DEPARTMENT_REFORM)
        if key not in self._units:
            self._units[key] = _province_unit(name, era, on)
        return self._units[key]

    def lower_units(self, province: str, on: date) -> int:
        """How many districts (before the reform) or communes (after) the province has."""
        return len(self._communes[province] if on >= REFORM else self._districts[province])

    def lower(self, province: Unit, name: str, index: int, on: date) -> Unit:
        """The ``index``-th district (before the reform) or commune (after) of the province ``name``."""
        key = (name, index, on >= REFORM)
        if key not in self._lower:
            if on >= REFORM:
                commune, kind = self._communes[name][index]
                self._lower[key] = _commune_unit(commune, kind, province)
            else:
                district, kind = self._districts[name][index]
                self._lower[key] = _district_unit(district, kind, province)
        return self._lower[key]
