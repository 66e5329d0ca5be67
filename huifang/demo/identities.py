"""Made-up people for the demo: names, resident ID numbers, addresses, phones.

Pure functions of a ``random.Random``, so one seed always gives the same
people. Nothing here touches the database.
"""

import random
from dataclasses import dataclass
from datetime import date

# id_check_digit lives in core now; importing it here keeps
# ``from huifang.demo.identities import id_check_digit`` working.
from huifang.core.idnumbers import id_check_digit, normalize_id_number

# The hundred most common surnames, weighted roughly by their share of the
# population (per mille); a few compound surnames for colour.
_SURNAMES = (
    "王71 李70 张67 刘54 陈45 杨31 黄22 赵20 吴19 周19 徐13 孙12 马11 朱11 胡11 "
    "郭11 何10 高10 林10 罗9 郑8 梁8 谢7 宋6 唐6 许6 韩5 冯5 邓5 曹5 彭5 曾5 "
    "肖5 田4 董4 袁4 潘4 于4 蒋4 蔡4 余4 杜4 叶4 程4 苏3 魏3 吕3 丁3 任3 沈3 "
    "姚3 卢3 姜3 崔3 钟3 谭3 陆3 汪3 范3 金3 石3 廖3 贾3 夏3 韦3 付3 方2 白2 "
    "邹2 孟2 熊2 秦2 邱2 江2 尹2 薛2 闫2 段2 雷2 侯2 龙2 史2 陶2 黎2 贺2 顾2 "
    "毛2 郝2 龚2 邵2 万2 钱2 严2 覃2 武2 戴2 莫2 孔2 向2 汤2 欧阳1 司马1 上官1"
)
SURNAMES: tuple[str, ...] = tuple(item.rstrip("0123456789") for item in _SURNAMES.split())
SURNAME_WEIGHTS: tuple[int, ...] = tuple(
    int(item[len(name) :]) for item, name in zip(_SURNAMES.split(), SURNAMES, strict=True)
)

# Given-name characters by sex and by the generation the name belongs to:
# 建国 and 秀英 for people born in the fifties, 浩宇 and 梓涵 for children.
GIVEN_CHARS = {
    ("M", "classic"): "国建华明军伟强平志文德福忠富贵成林春生永红兵刚海东庆祥荣金山胜利民",
    ("M", "middle"): "伟勇杰涛斌超磊鹏辉波峰亮军刚健飞毅俊宏晓东旭龙斌彬鑫帅凯洪宁",
    ("M", "modern"): "浩宇轩泽睿子豪博俊杰航铭辰逸凡皓然宸昊哲晨一诚锦煜嘉霖恒",
    ("F", "classic"): "秀英兰桂芳玉珍凤梅淑华荣翠素琴云霞美丽月娥芬彩春香惠菊爱莲",
    ("F", "middle"): "丽静敏艳娟燕红霞玲娜婷颖慧雪琳萍洁晶倩丹莉蓉婧佳欣茜薇瑶",
    ("F", "modern"): "梓涵萱诗雨欣怡可馨琪悦彤若汐婉妍依然诺雅思语嘉沐晗芮瑾",
}


def _era(birth_year: int) -> str:
    if birth_year < 1965:
        return "classic"
    if birth_year < 1990:
        return "middle"
    return "modern"


# Region codes (GB/T 2260) of the districts the demo's patients live in, with
# the city's telephone area code and the length of its local numbers. The
# demo hospital is in Beijing, so most patients live there.
@dataclass(frozen=True)
class Place:
    region_code: str
    province: str
    city: str
    district: str
    area_code: str
    local_digits: int
    weight: int
    towns: tuple[str, ...] = ()  # rural districts: where the villages are

    @property
    def is_rural(self) -> bool:
        return bool(self.towns)


PLACES: tuple[Place, ...] = (
    Place("110101", "", "北京市", "东城区", "010", 8, 8),
    Place("110102", "", "北京市", "西城区", "010", 8, 8),
    Place("110105", "", "北京市", "朝阳区", "010", 8, 14),
    Place("110106", "", "北京市", "丰台区", "010", 8, 8),
    Place("110108", "", "北京市", "海淀区", "010", 8, 10),
    Place("110112", "", "北京市", "通州区", "010", 8, 6),
    Place("110114", "", "北京市", "昌平区", "010", 8, 5),
    Place("110115", "", "北京市", "大兴区", "010", 8, 5),
    Place("110118", "", "北京市", "密云区", "010", 8, 4, ("溪翁庄镇", "穆家峪镇", "十里堡镇")),
    Place("120104", "", "天津市", "南开区", "022", 8, 2),
    Place("130102", "河北省", "石家庄市", "长安区", "0311", 8, 2),
    Place("130602", "河北省", "保定市", "竞秀区", "0312", 7, 2),
    Place("130681", "河北省", "保定市", "涿州市", "0312", 7, 3, ("松林店镇", "码头镇", "东城坊镇")),
    Place("150102", "内蒙古自治区", "呼和浩特市", "新城区", "0471", 7, 1),
    Place("210102", "辽宁省", "沈阳市", "和平区", "024", 8, 1),
    Place("310104", "", "上海市", "徐汇区", "021", 8, 1),
    Place("310115", "", "上海市", "浦东新区", "021", 8, 1),
    Place("320102", "江苏省", "南京市", "玄武区", "025", 8, 1),
    Place("330106", "浙江省", "杭州市", "西湖区", "0571", 8, 1),
    Place("370102", "山东省", "济南市", "历下区", "0531", 8, 2),
    Place("410105", "河南省", "郑州市", "金水区", "0371", 8, 2),
    Place("420106", "湖北省", "武汉市", "武昌区", "027", 8, 1),
    Place("430104", "湖南省", "长沙市", "岳麓区", "0731", 8, 1),
    Place("440106", "广东省", "广州市", "天河区", "020", 8, 1),
    Place("440305", "广东省", "深圳市", "南山区", "0755", 8, 1),
    Place("450103", "广西壮族自治区", "南宁市", "青秀区", "0771", 7, 1),
    Place("500103", "", "重庆市", "渝中区", "023", 8, 1),
    Place("510107", "四川省", "成都市", "武侯区", "028", 8, 1),
    Place("610113", "陕西省", "西安市", "雁塔区", "029", 8, 1),
    Place("640104", "宁夏回族自治区", "银川市", "兴庆区", "0951", 7, 1),
)
_PLACE_WEIGHTS = tuple(place.weight for place in PLACES)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ROADS = _words(
    "建设路 人民路 解放路 中山路 和平路 胜利路 文化路 新华路 长江路 团结路 "
    "光明路 幸福路 育新街 北苑路 安康街 兴华路 振兴路 青年路 花园路 体育路"
)
_ESTATES = _words(
    "阳光小区 金色家园 和谐家园 锦绣花园 翠苑小区 春晖园 丽景湾 紫荆苑 桂花园 "
    "嘉和园 芳草地小区 东方花园 惠民小区 书香苑 康乐里 望京花园 怡和家园 枫林苑"
)
_VILLAGES = _words("东关 西庄 南坞 北台 李家营 王各庄 大屯 小营 前进 河西 上庄 后街")

# Mobile number prefixes in use in mainland China.
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 147 "
    "150 151 152 153 155 156 157 158 159 166 "
    "173 175 176 177 178 180 181 182 183 185 "
    "186 187 188 189 191 193 195 198 199"
)


def id_number_is_valid(number: str) -> bool:
    """Whether an 18-character resident ID number has a correct check character.

    Only the check character: demo people may be born after the real today.
    ``huifang.core.idnumbers.id_number_valid`` is the full check.
    """
    number = normalize_id_number(number)
    first17 = number[:17]
    return (
        len(number) == 18
        and first17.isascii()
        and first17.isdigit()
        and id_check_digit(first17) == number[17]
    )


class IdentityFaker:
    """Names, ID numbers, addresses and phone numbers drawn from one ``Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]

    def given_name(self, sex: str, birth_year: int, *, length: int | None = None) -> str:
        rng = self.rng
        sex = sex if sex in ("M", "F") else rng.choice("MF")
        era = _era(birth_year)
        if length is None:
            length = 1 if rng.random() < (0.15 if era == "modern" else 0.3) else 2
        pool = GIVEN_CHARS[(sex, era)]
        first = rng.choice(pool)
        if length == 1:
            return first
        # Names borrow across generations; the second character is what marks
        # the sex most clearly, so keep it from the person's own pool.
        neighbour = "middle" if era != "middle" else rng.choice(("classic", "modern"))
        if rng.random() < 0.25:
            first = rng.choice(GIVEN_CHARS[(sex, neighbour)])
        second = rng.choice(pool)
        while second == first:
            second = rng.choice(pool)
        return first + second

    def name(self, sex: str, birth_year: int) -> str:
        """A plausible two- or three-character Chinese name."""
        return self.surname() + self.given_name(sex, birth_year)

    def place(self) -> Place:
        return self.rng.choices(PLACES, _PLACE_WEIGHTS)[0]

    def address(self, place: Place) -> str:
        rng = self.rng
        prefix = f"{place.province}{place.city}{place.district}"
        if place.is_rural:
            village = rng.choice(_VILLAGES)
            return f"{prefix}{rng.choice(place.towns)}{village}村{rng.randint(1, 160)}号"
        floor = rng.randint(1, 24)
        return (
            f"{prefix}{rng.choice(_ROADS)}{rng.randint(1, 299)}号{rng.choice(_ESTATES)}"
            f"{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{floor}{rng.randint(1, 4):02d}室"
        )

    def id_number(self, region_code: str, birth_date: date, sex: str) -> str:
        """An 18-digit resident ID number; the 17th digit is odd for men, even for women."""
        sequence = self.rng.randint(0, 49) * 10 + self.rng.choice(
            (1, 3, 5, 7, 9) if sex == "M" else (0, 2, 4, 6, 8)
        )
        first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
        return first17 + id_check_digit(first17)

    def mobile(self) -> str:
        """A mobile number as people type it (11 digits, sometimes spaced)."""
        digits = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
        if self.rng.random() < 0.1:
            return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        return digits

    def landline(self, place: Place) -> str:
        """A fixed-line number in the place's city, written ``010-62345678``."""
        local = str(self.rng.randint(2, 8)) + "".join(
            str(self.rng.randint(0, 9)) for _ in range(place.local_digits - 1)
        )
        return f"{place.area_code}-{local}"
