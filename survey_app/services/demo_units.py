"""Today's Đà Nẵng as data: the units a demo or an example scheme of the merged city uses.

Since 1 July 2025 Thành phố Đà Nẵng (GSO code 48) is the old city and Tỉnh Quảng Nam, with 94
communes (xã, phường, đặc khu) and no districts. The communes below are a sample of them, each
with its real GSO code and name and the pre-2025 wards it was made from (legacy codes
``L-<GSO code>`` as ``units import-official --legacy`` stores them, under their old district).
The names and codes are those of the ``vietnamadminunits`` tables (the test
``tests/db/test_demo_units.py`` checks them against the package).

Departments, central agencies and the public-service centre have no statistics-office code;
their codes here are short and ours. The departments are those every province has since the
2025 restructuring; the centre's branches are illustrative names, not the city's own list.
``docs/examples/units-danang-2026.csv`` holds the same rows for ``units import``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The city (current GSO code).
CITY = ("48", "Thành phố Đà Nẵng")


@dataclass(frozen=True, slots=True)
class Commune:
    """A current commune of the sample, its counters, and the legacy wards it was made from:
    (legacy code, name, legacy district code)."""

    code: str
    name: str
    counters: int
    predecessors: tuple[tuple[str, str, str], ...]


#: Legacy districts of the old city that the sample's wards belonged to (code, name).
LEGACY_DISTRICTS: tuple[tuple[str, str], ...] = (
    ("L-490", "Quận Liên Chiểu"),
    ("L-491", "Quận Thanh Khê"),
    ("L-492", "Quận Hải Châu"),
    ("L-493", "Quận Sơn Trà"),
    ("L-494", "Quận Ngũ Hành Sơn"),
    ("L-495", "Quận Cẩm Lệ"),
    ("L-497", "Huyện Hòa Vang"),
)

COMMUNES: tuple[Commune, ...] = (
    Commune("20242", "Phường Hải Châu", 3, (
        ("L-20227", "Phường Thanh Bình", "L-492"),
        ("L-20230", "Phường Thuận Phước", "L-492"),
        ("L-20233", "Phường Thạch Thang", "L-492"),
        ("L-20236", "Phường Hải Châu", "L-492"),
        ("L-20242", "Phường Phước Ninh", "L-492"))),
    Commune("20257", "Phường Hòa Cường", 2, (
        ("L-20245", "Phường Hòa Thuận Tây", "L-492"),
        ("L-20254", "Phường Bình Thuận", "L-492"),
        ("L-20257", "Phường Hòa Cường Bắc", "L-492"),
        ("L-20258", "Phường Hòa Cường Nam", "L-492"))),
    Commune("20197", "Phường Liên Chiểu", 2, (
        ("L-20197", "Phường Hòa Khánh Bắc", "L-490"),
        ("L-20296", "Xã Hòa Liên", "L-497"))),
    Commune("20194", "Phường Hải Vân", 2, (
        ("L-20194", "Phường Hòa Hiệp Bắc", "L-490"),
        ("L-20195", "Phường Hòa Hiệp Nam", "L-490"),
        ("L-20293", "Xã Hòa Bắc", "L-497"))),
    Commune("20305", "Phường An Khê", 2, (
        ("L-20224", "Phường An Khê", "L-491"),
        ("L-20305", "Phường Hòa Phát", "L-495"),
        ("L-20306", "Phường Hòa An", "L-495"))),
    Commune("20285", "Phường Ngũ Hành Sơn", 2, (
        ("L-20284", "Phường Mỹ An", "L-494"),
        ("L-20285", "Phường Khuê Mỹ", "L-494"),
        ("L-20287", "Phường Hòa Quý", "L-494"),
        ("L-20290", "Phường Hòa Hải", "L-494"))),
    Commune("20314", "Phường Hòa Xuân", 1, (
        ("L-20314", "Phường Hòa Xuân", "L-495"),
        ("L-20323", "Xã Hòa Châu", "L-497"),
        ("L-20329", "Xã Hòa Phước", "L-497"))),
)

#: code, name, kind, parent code, counters; kinds as UNIT_KINDS, blocks of a 2026 scheme:
#: sở, ban, ngành / cơ quan Trung ương đóng trên địa bàn / đơn vị sự nghiệp công lập.
DEPARTMENTS: tuple[tuple[str, str, str, str, int], ...] = (
    ("SNV", "Sở Nội vụ", "department", "48", 1),
    ("STC", "Sở Tài chính", "department", "48", 2),
    ("STP", "Sở Tư pháp", "department", "48", 2),
    ("SXD", "Sở Xây dựng", "department", "48", 2),
    ("SCT", "Sở Công Thương", "department", "48", 1),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "department", "48", 2),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "department", "48", 1),
    ("SYT", "Sở Y tế", "department", "48", 1),
    ("SKHCN", "Sở Khoa học và Công nghệ", "department", "48", 1),
)
CENTRAL_AGENCIES: tuple[tuple[str, str, str, str, int], ...] = (
    ("CATP", "Công an thành phố Đà Nẵng", "central_agency", "48", 2),
    ("THUE", "Thuế thành phố Đà Nẵng", "central_agency", "48", 2),
    ("BHXH", "Bảo hiểm xã hội thành phố Đà Nẵng", "central_agency", "48", 1),
)
SERVICE_UNITS: tuple[tuple[str, str, str, str, int], ...] = (
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công thành phố Đà Nẵng", "service_centre", "48",
     6),
    ("TTPVHCC-CN1", "Trung tâm Phục vụ hành chính công thành phố Đà Nẵng — Chi nhánh số 1",
     "service_centre", "TTPVHCC", 3),
    ("TTPVHCC-CN2", "Trung tâm Phục vụ hành chính công thành phố Đà Nẵng — Chi nhánh số 2",
     "service_centre", "TTPVHCC", 3),
)
#: The rows of docs/examples/units-danang-2026.csv, for ``units import`` after
#: ``units import-official --province 48``.
PROVINCIAL_UNITS = DEPARTMENTS + CENTRAL_AGENCIES + SERVICE_UNITS
