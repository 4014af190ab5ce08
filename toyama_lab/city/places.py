"""Reference geography of Toyama City (富山市) used to build the synthetic city (its population
and area: [1]_).

Every coordinate here is WGS84 ``(lon, lat)`` in degrees and is **approximate**
(``approx=True``) unless stated otherwise: positions were set from the authors'
knowledge of the places and checked by eye against public maps, not surveyed.
They are good to a few hundred metres at best; the tram stops to about 100-200 m.
Fictional places (``fictional=True``) are invented to give the synthetic city
enough schools and buildings; their names say so (``架空``).

Notes
-----
Sources used for the reference positions (read by eye, approximate):

- ``SRC_GSI``: 国土地理院 地理院地図 (GSI Maps), https://maps.gsi.go.jp/
- ``SRC_OSM``: OpenStreetMap contributors, https://www.openstreetmap.org/ (ODbL)
- ``SRC_CHITETSU``: 富山地方鉄道 路線図 (Toyama Chihō Railway route map, stop order),
  https://www.chitetsu.co.jp/
- ``SRC_JR``: JR西日本 高山本線 / あいの風とやま鉄道 駅一覧 (station order)
- ``SRC_CITY``: 富山市 公式ウェブサイト (city halls, service centres, schools),
  https://www.city.toyama.lg.jp/
- ``SRC_POP``: 富山市 住民基本台帳人口 (地区別); the district populations here are
  rounded orders of magnitude, approximate.
- ``SRC_MLIT``: 国土交通省 水文水質データベース, http://www1.river.go.jp/ and
  富山河川国道事務所 (神通川・常願寺川の基準観測所)
- ``SRC_PREF``: 富山県 河川防災情報, https://www.kasen.pref.toyama.jp/
- ``SRC_STATIONS``: a public station list with coordinates (駅データ-style) for the tram and
  rail stops, rounded to 1e-4 deg (about 10 m), in the operators' stop order
- ``SRC_ITACHI``: いたち川 (富山市), Wikipedia 日本語版, for the course of いたち川

The 神通大橋 gauge position follows the observatory list of 国土交通省 川の防災情報
(https://www.river.go.jp/, about 36.689 N, 137.200 E). The warning levels of the river
gauges are partly official (避難判断水位 and 氾濫危険水位 of the three 国土交通省 gauges,
``SRC_MLIT_LEVELS_2015``) and partly illustrative; :data:`RIVER_GAUGES` says which.

References
----------
.. [1] 富山市, 富山市の概要 (人口 406,978 人 (2023年8月), 面積 1,241.70 km²).
"""

from __future__ import annotations

from dataclasses import dataclass

SRC_GSI = "国土地理院 地理院地図 https://maps.gsi.go.jp/ (approximate, read by eye)"
SRC_OSM = "OpenStreetMap contributors https://www.openstreetmap.org/ (approximate, read by eye)"
SRC_CHITETSU = "富山地方鉄道 路線図 https://www.chitetsu.co.jp/ (stop order; positions approx.)"
SRC_JR = "JR西日本 高山本線 / あいの風とやま鉄道 駅一覧 (station order; positions approx.)"
SRC_STATIONS = (
    "station and stop positions: a public station list with coordinates (駅データ-style; "
    "github.com/DannyFestor/Ekistamp database/seeders/StationSeeder16.php), rounded to "
    "1e-4 deg; stop order after the operators' route maps (富山地方鉄道, JR西日本, "
    "あいの風とやま鉄道); approximate"
)
SRC_CITY = "富山市 公式ウェブサイト https://www.city.toyama.lg.jp/ (approximate)"
SRC_POP = (
    "富山市 住民基本台帳 地区別人口 (rounded order of magnitude, scaled so that the districts add "
    "up to about the city's 406,978 of Aug 2023; approximate)"
)
SRC_MLIT = "国土交通省 水文水質データベース http://www1.river.go.jp/ (approximate)"
SRC_PREF = "富山県 河川防災情報 https://www.kasen.pref.toyama.jp/ (approximate)"
SRC_ITACHI = (
    "いたち川 (富山市), Wikipedia 日本語版 (course: 常西合口用水 near 西番 -> 今木町 (松川) -> "
    "興人町 (神通川), about 12 km) with positions read from SRC_GSI; approximate"
)

#: Bounding box of the city used for validation: (lon_min, lat_min, lon_max, lat_max) [deg].
#: The real city reaches further east into the Tateyama range; the synthetic city stays inside.
CITY_BBOX: tuple[float, float, float, float] = (136.95, 36.45, 137.45, 36.80)

#: Rough outline of the synthetic city (lon, lat) [deg]: coast to the north, Gifu border to
#: the south.  Hand-drawn after SRC_GSI, approximate; used to clip district polygons.
CITY_OUTLINE: tuple[tuple[float, float], ...] = (
    (137.120, 36.738),
    (137.200, 36.765),
    (137.240, 36.772),
    (137.300, 36.772),
    (137.330, 36.760),
    (137.340, 36.700),
    (137.420, 36.640),
    (137.440, 36.560),
    (137.350, 36.480),
    (137.270, 36.455),
    (137.180, 36.470),
    (137.060, 36.500),
    (136.970, 36.560),
    (137.000, 36.640),
    (137.080, 36.700),
)


@dataclass(frozen=True)
class Place:
    """A named point.

    Attributes
    ----------
    id : str
        Stable identifier (ASCII).
    name_ja, name_romaji : str
        Name in Japanese and in Hepburn romaji.
    lon, lat : float
        WGS84 position [deg].
    approx : bool
        True if the position is approximate (every entry here).
    source : str
        Where the position comes from.
    fictional : bool
        True for invented places (names contain 架空).
    """

    id: str
    name_ja: str
    name_romaji: str
    lon: float
    lat: float
    approx: bool = True
    source: str = SRC_GSI
    fictional: bool = False


@dataclass(frozen=True)
class District:
    """A district (地区) of the city with a centre and an approximate population.

    ``kind`` is one of ``central`` (中心商業地区), ``station`` (富山駅周辺), ``suburb``
    or ``hill`` (中山間地).  ``radius_km`` is the spread used to place synthetic
    homes and sensors around the centre [km].
    """

    id: str
    name_ja: str
    name_romaji: str
    kind: str
    lon: float
    lat: float
    population: int
    radius_km: float
    approx: bool = True
    source: str = SRC_GSI + "; population: " + SRC_POP


# --- Landmarks ------------------------------------------------------------------------------

#: 富山駅 (Toyama Station), JR / あいの風とやま鉄道 / 市内電車 south-north through stop.
TOYAMA_STATION = Place("toyama-st", "富山駅", "Toyama-eki", 137.2133, 36.7017, source=SRC_STATIONS)

#: 富山市役所 本庁舎 (main city hall), 新桜町 7-38.
CITY_HALL = Place(
    "city-hall",
    "富山市役所 本庁舎",
    "Toyama Shiyakusho Honchosha",
    137.2137,
    36.6959,
    source=SRC_CITY,
)

#: The three counters with ticket machines (窓口混雑状況 on Toyama Smart City Square).
#: ``windows`` = staffed windows, an illustrative figure (not published per counter).
COUNTERS: tuple[tuple[Place, int], ...] = (
    (
        Place(
            "ctr-honchosha",
            "富山市役所 本庁舎 市民課窓口",
            "Toyama Shiyakusho Honchosha",
            137.2137,
            36.6959,
            source=SRC_CITY,
        ),
        12,
    ),
    (
        Place(
            "ctr-koryukan",
            "とやま市民交流館 (CiCビル)",
            "Toyama Shimin Koryukan (CiC Building)",
            137.2150,
            36.6998,
            source=SRC_CITY,
        ),
        6,
    ),
    (
        Place(
            "ctr-fuchu",
            "婦中行政サービスセンター",
            "Fuchu Gyosei Service Center",
            137.1530,
            36.6585,
            source=SRC_CITY,
        ),
        4,
    ),
)

# --- Districts ------------------------------------------------------------------------------

#: The districts of the synthetic city. The populations are **approximate**: rounded
#: orders of magnitude (:data:`SRC_POP`; not copied from the 住民基本台帳 tables, which
#: use the city's own 地区 boundaries), scaled so that they add up to 398,800, within
#: 2 % of the city's 406,978 inhabitants of August 2023 (References [1]). The synthetic
#: districts (Voronoi cells of these centres) do not follow the official 地区 boundaries.
#: Centres and ``radius_km`` are approximate (read by eye from :data:`SRC_GSI`).

DISTRICTS: tuple[District, ...] = (
    District(
        "central",
        "中心商業地区 (総曲輪・西町・中央通り)",
        "Chushin Shogyo Chiku (Sogawa, Nishicho, Chuo-dori)",
        "central",
        137.2120,
        36.6900,
        12_000,
        0.5,
    ),
    District(
        "station", "富山駅周辺", "Toyama-eki Shuhen", "station", 137.2135, 36.7012, 10_000, 0.5
    ),
    District("okuda", "奥田", "Okuda", "suburb", 137.2215, 36.7150, 30_000, 1.2),
    District("iwase", "岩瀬", "Iwase", "suburb", 137.2340, 36.7540, 12_000, 1.2),
    District(
        "ohiroda",
        "大広田・浜黒崎",
        "Ohiroda, Hamakurosaki",
        "suburb",
        137.2520,
        36.7440,
        12_000,
        1.5,
    ),
    District("toyoda", "豊田", "Toyoda", "suburb", 137.2420, 36.7170, 15_000, 1.2),
    District("shinjo", "新庄", "Shinjo", "suburb", 137.2470, 36.6930, 30_000, 1.3),
    District("horikawa", "堀川", "Horikawa", "suburb", 137.2170, 36.6700, 40_000, 1.5),
    District("ninagawa", "蜷川", "Ninagawa", "suburb", 137.1960, 36.6500, 20_000, 1.5),
    District("kureha", "呉羽", "Kureha", "suburb", 137.1650, 36.7130, 25_000, 1.8),
    District("ota", "太田・大久保", "Ota, Okubo", "suburb", 137.2400, 36.6430, 20_000, 1.8),
    District("mizuhashi", "水橋", "Mizuhashi", "suburb", 137.3030, 36.7420, 20_000, 2.0),
    District("gofuku", "五福", "Gofuku", "suburb", 137.1870, 36.6960, 25_000, 1.0),
    District(
        "yamamuro", "山室・藤ノ木", "Yamamuro, Fujinoki", "suburb", 137.2370, 36.6770, 25_000, 1.2
    ),
    District("yokata", "四方・八幡", "Yokata, Yawata", "suburb", 137.1500, 36.7420, 12_000, 1.8),
    District("fuchu", "婦中", "Fuchu", "suburb", 137.1530, 36.6600, 37_000, 2.5),
    District("yatsuo", "八尾", "Yatsuo", "hill", 137.1370, 36.5800, 20_000, 3.0),
    District("osawano", "大沢野", "Osawano", "hill", 137.2200, 36.6150, 21_000, 2.5),
    District("hosoiri", "細入", "Hosoiri", "hill", 137.2290, 36.5200, 1_500, 2.5),
    District("oyama", "大山", "Oyama", "hill", 137.3050, 36.6080, 10_000, 3.0),
    District("yamada", "山田", "Yamada", "hill", 137.0900, 36.5930, 1_300, 2.5),
)

# --- Tram / rail lines and stops -------------------------------------------------------------
# Each line: (line_id, name_ja, name_romaji, kind, source, stops as (stop_id, ja, romaji,
# lon, lat)).  Stops are in line order; the line geometry is the polyline through them.

LINES_RAIL: tuple[
    tuple[str, str, str, str, str, tuple[tuple[str, str, str, float, float], ...]], ...
] = (
    (
        "portram",
        "富山港線 (ポートラム, 旧 富山ライトレール)",
        "Toyamako Line (Portram, former Toyama Light Rail)",
        "tram",
        SRC_STATIONS,
        (
            ("toyama-st", "富山駅", "Toyama-eki", 137.2129, 36.7015),
            ("intec", "インテック本社前", "Intec Honsha-mae", 137.2164, 36.7036),
            ("okuda-jhs", "奥田中学校前", "Okuda Chugakko-mae", 137.2235, 36.7036),
            ("shimo-okui", "下奥井", "Shimo-Okui", 137.2246, 36.7119),
            ("awajima", "粟島 (大阪屋ショップ前)", "Awajima (Osakaya Shop-mae)", 137.2248, 36.7193),
            ("etchu-nakajima", "越中中島", "Etchu-Nakajima", 137.2248, 36.7226),
            ("jogawara", "城川原", "Jogawara", 137.2261, 36.7312),
            ("inujima", "犬島新町", "Inujima-shinmachi", 137.2266, 36.7352),
            (
                "hasumachi",
                "蓮町 (馬場記念公園前)",
                "Hasumachi (Baba Kinen Koen-mae)",
                137.2275,
                36.7426,
            ),
            ("hagiura", "萩浦小学校前", "Hagiura Shogakko-mae", 137.2283, 36.7481),
            ("higashi-iwase", "東岩瀬", "Higashi-Iwase", 137.2307, 36.7524),
            ("keirinjo", "競輪場前", "Keirinjo-mae", 137.2338, 36.7575),
            ("iwasehama", "岩瀬浜", "Iwasehama", 137.2340, 36.7615),
        ),
    ),
    (
        "loop",
        "環状線",
        "Kanjo Line (city loop)",
        "tram",
        SRC_STATIONS,
        (
            ("toyama-st", "富山駅", "Toyama-eki", 137.2129, 36.7015),
            ("shintomicho", "新富町", "Shintomicho", 137.2112, 36.6986),
            ("kencho-mae", "県庁前", "Kencho-mae", 137.2097, 36.6956),
            ("marunouchi", "丸の内", "Marunouchi", 137.2089, 36.6925),
            ("kokusai-kaigijo", "国際会議場前", "Kokusai Kaigijo-mae", 137.2114, 36.6915),
            ("ote-mall", "大手モール", "Ote Mall", 137.2113, 36.6896),
            ("grand-plaza", "グランドプラザ前", "Grand Plaza-mae", 137.2136, 36.6889),
            ("nishicho", "西町", "Nishicho", 137.2156, 36.6888),
            ("nakamachi", "中町 (西町北)", "Nakamachi (Nishicho-kita)", 137.2157, 36.6899),
            ("aramachi", "荒町", "Aramachi", 137.2158, 36.6915),
            ("sakurabashi", "桜橋", "Sakurabashi", 137.2160, 36.6951),
            ("denki-bldg", "電気ビル前", "Denki Biru-mae", 137.2161, 36.6971),
            ("chitetsu-bldg", "地鉄ビル前", "Chitetsu Biru-mae", 137.2161, 36.6989),
            ("esta-mae", "電鉄富山駅・エスタ前", "Dentetsu-Toyama-eki Esta-mae", 137.2138, 36.6999),
            ("toyama-st", "富山駅", "Toyama-eki", 137.2129, 36.7015),
        ),
    ),
    (
        "honsen",
        "本線 (市内電車 南富山駅前方面)",
        "Main Line (city tram, to Minami-Toyama)",
        "tram",
        SRC_STATIONS,
        (
            ("nishicho", "西町", "Nishicho", 137.2156, 36.6888),
            ("kamihonmachi", "上本町", "Kamihonmachi", 137.2158, 36.6860),
            ("kokando", "広貫堂前", "Kokando-mae", 137.2159, 36.6834),
            ("nishinakano", "西中野", "Nishinakano", 137.2168, 36.6806),
            ("koizumicho", "小泉町", "Koizumicho", 137.2179, 36.6784),
            ("horikawa-koizumi", "堀川小泉", "Horikawa-Koizumi", 137.2192, 36.6755),
            ("omachi", "大町", "Omachi", 137.2206, 36.6731),
            ("minami-toyama-ekimae", "南富山駅前", "Minami-Toyama-ekimae", 137.2207, 36.6707),
        ),
    ),
    (
        "daigaku",
        "富山大学前方面 (呉羽線・安野屋線)",
        "Toyama Daigaku-mae branch",
        "tram",
        SRC_STATIONS,
        (
            ("marunouchi", "丸の内", "Marunouchi", 137.2089, 36.6925),
            ("suwanokawara", "諏訪川原", "Suwanokawara", 137.2061, 36.6924),
            ("anoya", "安野屋", "Anoya", 137.2042, 36.6925),
            # current sponsor name: トヨタモビリティ富山Gスクエア五福前 (五福末広町)
            ("gofuku-suehirocho", "五福末広町", "Gofuku-Suehirocho", 137.1945, 36.6957),
            ("daigaku-mae", "富山大学前", "Toyama Daigaku-mae", 137.1911, 36.6986),
        ),
    ),
    (
        "kamidaki",
        "上滝線・不二越線 (富山地方鉄道)",
        "Kamidaki and Fujikoshi Lines",
        "rail",
        SRC_STATIONS,
        (
            ("inarimachi", "稲荷町", "Inarimachi", 137.2317, 36.6969),
            ("fujikoshi", "不二越", "Fujikoshi", 137.2324, 36.6880),
            ("oizumi", "大泉", "Oizumi", 137.2291, 36.6778),
            ("minami-toyama", "南富山", "Minami-Toyama", 137.2203, 36.6704),
            ("asanacho", "朝菜町", "Asanacho", 137.2246, 36.6605),
            ("kamibori", "上堀", "Kamibori", 137.2301, 36.6536),
            ("kosugi", "小杉", "Kosugi", 137.2331, 36.6495),
            ("nunoichi", "布市", "Nunoichi", 137.2354, 36.6453),
            ("kaihotsu", "開発", "Kaihotsu", 137.2427, 36.6363),
            ("tsukioka", "月岡", "Tsukioka", 137.2636, 36.6264),
            ("ojo", "大庄", "Ojo", 137.2753, 36.6194),
            ("kamidaki", "上滝", "Kamidaki", 137.2956, 36.6096),
            ("daisenji", "大川寺", "Daisenji", 137.3086, 36.6083),
        ),
    ),
    (
        "chitetsu-honsen",
        "本線 (富山地方鉄道, 電鉄富山-越中三郷)",
        "Chitetsu Main Line",
        "rail",
        SRC_STATIONS,
        (
            ("dentetsu-toyama", "電鉄富山", "Dentetsu-Toyama", 137.2143, 36.7007),
            ("inarimachi", "稲荷町", "Inarimachi", 137.2317, 36.6969),
            ("shinjo-tanaka", "新庄田中", "Shinjo-Tanaka", 137.2414, 36.6980),
            ("higashi-shinjo", "東新庄", "Higashi-Shinjo", 137.2530, 36.6987),
            ("etchu-ebara", "越中荏原", "Etchu-Ebara", 137.2660, 36.6989),
            ("etchu-sango", "越中三郷", "Etchu-Sango", 137.2909, 36.7033),
        ),
    ),
    (
        "takayama",
        "高山本線 (JR西日本)",
        "Takayama Main Line (JR West)",
        "rail",
        SRC_STATIONS,
        (
            ("toyama-st", "富山駅", "Toyama-eki", 137.2133, 36.7017),
            ("nishi-toyama", "西富山", "Nishi-Toyama", 137.1770, 36.6995),
            ("fuchu-usaka", "婦中鵜坂", "Fuchu-Usaka", 137.1690, 36.6783),
            ("hayahoshi", "速星", "Hayahoshi", 137.1604, 36.6640),
            ("chisato", "千里", "Chisato", 137.1324, 36.6346),
            ("etchu-yatsuo", "越中八尾", "Etchu-Yatsuo", 137.1381, 36.5919),
            ("higashi-yatsuo", "東八尾", "Higashi-Yatsuo", 137.1748, 36.5896),
            ("sasazu", "笹津", "Sasazu", 137.2115, 36.5616),
            ("nirehara", "楡原", "Nirehara", 137.2286, 36.5295),
            ("inotani", "猪谷", "Inotani", 137.2377, 36.4718),
        ),
    ),
    (
        "ainokaze",
        "あいの風とやま鉄道線",
        "Ainokaze Toyama Railway",
        "rail",
        SRC_STATIONS,
        (
            ("kureha", "呉羽", "Kureha", 137.1648, 36.7190),
            ("toyama-st", "富山駅", "Toyama-eki", 137.2133, 36.7017),
            ("higashi-toyama", "東富山", "Higashi-Toyama", 137.2491, 36.7412),
            ("mizuhashi", "水橋", "Mizuhashi", 137.2985, 36.7436),
        ),
    ),
)

# --- Rivers ---------------------------------------------------------------------------------
# (river_id, name_ja, name_romaji, source, polyline from upstream to the mouth (lon, lat)).

RIVERS: tuple[tuple[str, str, str, str, tuple[tuple[float, float], ...]], ...] = (
    # 神通川: from 猪谷 past 楡原・笹津 (大沢野), west of the city centre (富山大橋 between
    # 安野屋 and 五福), to the sea at 富山港 west of 岩瀬.
    (
        "jinzu",
        "神通川",
        "Jinzu-gawa",
        SRC_GSI,
        (
            (137.2420, 36.4650),
            (137.2330, 36.5000),
            (137.2230, 36.5300),
            (137.2080, 36.5600),
            (137.1990, 36.5950),
            (137.1960, 36.6300),
            (137.1930, 36.6600),
            (137.1970, 36.6800),
            (137.2000, 36.6940),
            (137.2050, 36.7150),
            (137.2100, 36.7400),
            (137.2190, 36.7650),
        ),
    ),
    # 常願寺川: out of the Tateyama range past 本宮・岩峅寺, along the east edge of 大山 and
    # of the city (the boundary with 立山町), to the sea between 浜黒崎 and 水橋.
    (
        "joganji",
        "常願寺川",
        "Joganji-gawa",
        SRC_GSI,
        (
            (137.4200, 36.5650),
            (137.3950, 36.5740),
            (137.3650, 36.5790),
            (137.3360, 36.5880),
            (137.3180, 36.6030),
            (137.3100, 36.6150),
            (137.3050, 36.6400),
            (137.3000, 36.6700),
            (137.2960, 36.7000),
            (137.2880, 36.7250),
            (137.2800, 36.7450),
            (137.2750, 36.7700),
        ),
    ),
    # いたち川 (about 12 km): leaves the 常西合口用水 (fed by 常願寺川) near 西番, flows
    # north-west through 大泉, takes in 松川 at 今木町 (by 石倉町, east of 桜橋), passes the
    # インテック本社前 stop and joins 神通川 at 興人町 (SRC_ITACHI; positions approximate).
    (
        "itachi",
        "いたち川",
        "Itachi-gawa",
        SRC_ITACHI,
        (
            (137.2750, 36.6350),
            (137.2600, 36.6480),
            (137.2450, 36.6620),
            (137.2330, 36.6750),
            (137.2260, 36.6850),
            (137.2200, 36.6935),
            (137.2170, 36.7030),
            (137.2140, 36.7150),
            (137.2078, 36.7285),
        ),
    ),
)

#: Source of the official 避難判断水位 and 氾濫危険水位 of the three 国土交通省 gauges below.
SRC_MLIT_LEVELS_2015 = (
    "富山河川国道事務所 記者発表資料「富山河川国道事務所管内河川の基準水位が見直されました」"
    "(2015-03-25; in force from 2015-04-01), http://www.hrr.mlit.go.jp/toyama/ (read "
    "through the copy at https://expydoc.com/doc/7395711) "
    "(table 従来水位と改定水位の比較: 大川寺 5.24 / 6.61 m, 大沢野大橋 6.10 / 6.60 m, "
    "神通大橋 7.50 / 8.00 m); later revisions, if any, not checked"
)
#: Provenance note used by the gauges whose three levels are all illustrative.
SRC_ILLUSTRATIVE_LEVELS = (
    "illustrative levels (not official figures; no official values were found for this "
    "station); position approximate"
)

#: River gauges (水位観測所) with their warning levels [m]:
#: (gauge_id, river_id, name_ja, name_romaji, lon, lat, 氾濫注意水位, 避難判断水位,
#: 氾濫危険水位, source).
#:
#: Which numbers are official and which are illustrative:
#:
#: * 神通大橋 and 大沢野大橋 (神通川) and 大川寺 (常願寺川) are 国土交通省 reference
#:   stations (洪水予報 基準観測所). Their 避難判断水位 and 氾濫危険水位 are the official
#:   values of :data:`SRC_MLIT_LEVELS_2015` (神通大橋 7.50 / 8.00 m; a 2004-10-21 flood
#:   reached 8.33 m there, above the 8.00 m 氾濫危険水位, according to the
#:   神通川 maintenance contractor's page http://genba-s.net/jintsu-iji-h29/). Their
#:   氾濫注意水位 could not be found in the sources at hand and is **illustrative**: a value
#:   chosen between the 水防団待機水位 and the 避難判断水位 (大川寺: 水防団待機水位 4.20 m,
#:   reported by a 常願寺川 works blog, https://genba2-s.net/jyoganji-hioki-5/, 2024-07-01;
#:   illustrative 氾濫注意水位 4.70 m). Look the current values up on 国土交通省
#:   川の防災情報 (https://www.river.go.jp/) before any real use.
#: * 常願寺大橋 (常願寺川) and 石倉町 (いたち川, a 富山県 river) carry **illustrative** levels
#:   only (:data:`SRC_ILLUSTRATIVE_LEVELS`), of the right order for small gauges.
#:
#: Gauge positions are approximate (read by eye; 神通大橋 after 川の防災情報, about
#: 36.689 N, 137.200 E). The synthetic stage (:func:`toyama_lab.synth.hazards.river`) is
#: scaled so that each gauge's thresholds are crossed by the heavy-rain scenario; the
#: synthetic river is not a model of these rivers' real rating curves.
RIVER_GAUGES: tuple[tuple[str, str, str, str, float, float, float, float, float, str], ...] = (
    (
        "jinzu-ohashi",
        "jinzu",
        "神通大橋",
        "Jinzu Ohashi",
        137.2000,
        36.6890,
        6.50,
        7.50,
        8.00,
        SRC_MLIT
        + "; 避難判断・氾濫危険水位: "
        + SRC_MLIT_LEVELS_2015
        + "; 氾濫注意水位 6.50 m: illustrative",
    ),
    (
        "osawano-ohashi",
        "jinzu",
        "大沢野大橋",
        "Osawano Ohashi",
        137.1975,
        36.6150,
        5.30,
        6.10,
        6.60,
        SRC_MLIT
        + "; 避難判断・氾濫危険水位: "
        + SRC_MLIT_LEVELS_2015
        + "; 氾濫注意水位 5.30 m: illustrative",
    ),
    (
        "daisenji-g",
        "joganji",
        "大川寺",
        "Daisenji",
        137.3110,
        36.6120,
        4.70,
        5.24,
        6.61,
        SRC_MLIT
        + "; 避難判断・氾濫危険水位: "
        + SRC_MLIT_LEVELS_2015
        + "; 氾濫注意水位 4.70 m: illustrative (水防団待機水位 4.20 m)",
    ),
    (
        "joganji-ohashi",
        "joganji",
        "常願寺大橋",
        "Joganji Ohashi",
        137.2930,
        36.7100,
        2.40,
        3.10,
        3.60,
        SRC_ILLUSTRATIVE_LEVELS,
    ),
    (
        "ishikuramachi",
        "itachi",
        "石倉町",
        "Ishikuramachi",
        137.2205,
        36.6930,
        1.60,
        2.10,
        2.40,
        SRC_PREF + "; " + SRC_ILLUSTRATIVE_LEVELS,
    ),
)

# --- Schools (小学校) -------------------------------------------------------------------------
# (school_id, name_ja, name_romaji, district_id, lon, lat).  Real school names at
# approximate positions (SRC_CITY / SRC_GSI); fictional schools are generated in build.py.

SCHOOLS: tuple[tuple[str, str, str, str, float, float], ...] = (
    (
        "es-chuo",
        "富山市立中央小学校",
        "Toyama Municipal Chuo Elementary School",
        "central",
        137.2150,
        36.6905,
    ),
    (
        "es-shibazono",
        "富山市立芝園小学校",
        "Shibazono Elementary School",
        "station",
        137.2085,
        36.6985,
    ),
    ("es-okuda", "富山市立奥田小学校", "Okuda Elementary School", "okuda", 137.2230, 36.7140),
    ("es-iwase", "富山市立岩瀬小学校", "Iwase Elementary School", "iwase", 137.2360, 36.7520),
    (
        "es-ohiroda",
        "富山市立大広田小学校",
        "Ohiroda Elementary School",
        "ohiroda",
        137.2420,
        36.7460,
    ),
    ("es-toyoda", "富山市立豊田小学校", "Toyoda Elementary School", "toyoda", 137.2470, 36.7220),
    ("es-shinjo", "富山市立新庄小学校", "Shinjo Elementary School", "shinjo", 137.2440, 36.6940),
    (
        "es-horikawa",
        "富山市立堀川小学校",
        "Horikawa Elementary School",
        "horikawa",
        137.2190,
        36.6720,
    ),
    (
        "es-ninagawa",
        "富山市立蜷川小学校",
        "Ninagawa Elementary School",
        "ninagawa",
        137.1980,
        36.6480,
    ),
    ("es-kureha", "富山市立呉羽小学校", "Kureha Elementary School", "kureha", 137.1640, 36.7140),
    ("es-ota", "富山市立太田小学校", "Ota Elementary School", "ota", 137.2420, 36.6400),
    (
        "es-mizuhashi",
        "富山市立水橋中部小学校",
        "Mizuhashi Chubu Elementary School",
        "mizuhashi",
        137.3040,
        36.7400,
    ),
    (
        "es-hayahoshi",
        "富山市立速星小学校",
        "Hayahoshi Elementary School",
        "fuchu",
        137.1560,
        36.6620,
    ),
    ("es-yatsuo", "富山市立八尾小学校", "Yatsuo Elementary School", "yatsuo", 137.1360, 36.5790),
    (
        "es-osawano",
        "富山市立大沢野小学校",
        "Osawano Elementary School",
        "osawano",
        137.2210,
        36.6130,
    ),
    ("es-hosoiri", "富山市立細入小学校", "Hosoiri Elementary School", "hosoiri", 137.2300, 36.5250),
    ("es-kamidaki", "富山市立上滝小学校", "Kamidaki Elementary School", "oyama", 137.2960, 36.6140),
    ("es-yamada", "富山市立山田小学校", "Yamada Elementary School", "yamada", 137.0900, 36.5920),
    ("es-gofuku", "富山市立五福小学校", "Gofuku Elementary School", "gofuku", 137.1885, 36.6965),
    (
        "es-yamamuro",
        "富山市立山室小学校",
        "Yamamuro Elementary School",
        "yamamuro",
        137.2350,
        36.6765,
    ),
    ("es-yokata", "富山市立四方小学校", "Yokata Elementary School", "yokata", 137.1510, 36.7470),
)

# --- Public buildings that may carry LoRaWAN gateways -----------------------------------------
# (building_id, name_ja, name_romaji, building kind, lon, lat, height_m).  Heights are
# illustrative mast heights above ground [m] (approximate; the city does not publish them).
# For scale: the city hall (新桜町7-38) has a tower with a public observation deck whose
# top is 78.8 m above ground (富山市役所, Wikipedia 日本語版), so 70 m is a plausible
# antenna height there; the other heights are guesses of the building sizes.

PUBLIC_BUILDINGS: tuple[tuple[str, str, str, str, float, float, float], ...] = (
    ("city-hall", "富山市役所 本庁舎", "Toyama City Hall", "city_hall", 137.2137, 36.6959, 70.0),
    (
        "cic",
        "CiCビル (とやま市民交流館)",
        "CiC Building",
        "community_centre",
        137.2150,
        36.6998,
        40.0,
    ),
    (
        "fuchu-sc",
        "婦中行政サービスセンター",
        "Fuchu Administrative Service Center",
        "community_centre",
        137.1530,
        36.6585,
        20.0,
    ),
    (
        "yatsuo-sc",
        "八尾行政サービスセンター",
        "Yatsuo Administrative Service Center",
        "community_centre",
        137.1370,
        36.5780,
        20.0,
    ),
    (
        "osawano-sc",
        "大沢野行政サービスセンター",
        "Osawano Administrative Service Center",
        "community_centre",
        137.2190,
        36.6160,
        20.0,
    ),
    (
        "oyama-sc",
        "大山行政サービスセンター",
        "Oyama Administrative Service Center",
        "community_centre",
        137.3000,
        36.6060,
        20.0,
    ),
    (
        "hosoiri-sc",
        "細入行政サービスセンター (架空の位置)",
        "Hosoiri Service Center",
        "community_centre",
        137.2310,
        36.5230,
        15.0,
    ),
    (
        "yamada-sc",
        "山田行政サービスセンター",
        "Yamada Administrative Service Center",
        "community_centre",
        137.0920,
        36.5950,
        15.0,
    ),
    (
        "mizuhashi-sc",
        "水橋行政サービスセンター",
        "Mizuhashi Administrative Service Center",
        "community_centre",
        137.3010,
        36.7430,
        20.0,
    ),
    (
        "fire-hq",
        "富山市消防局",
        "Toyama City Fire Department HQ",
        "fire_station",
        137.2230,
        36.6880,
        30.0,
    ),
    (
        "fire-north",
        "富山北消防署",
        "Toyama-kita Fire Station",
        "fire_station",
        137.2290,
        36.7320,
        25.0,
    ),
    (
        "fire-west",
        "富山西消防署",
        "Toyama-nishi Fire Station",
        "fire_station",
        137.1720,
        36.6880,
        25.0,
    ),
    (
        "fire-south",
        "富山南消防署",
        "Toyama-minami Fire Station",
        "fire_station",
        137.2280,
        36.6500,
        25.0,
    ),
)

# --- Streets in the two pedestrian KPI areas ------------------------------------------------
# (street_id, name_ja, name_romaji, area, polyline (lon, lat)).  Approximate (SRC_GSI/SRC_OSM).

KPI_STREETS: tuple[tuple[str, str, str, str, tuple[tuple[float, float], ...]], ...] = (
    # 中心商業地区: 大手モール (north-south, tram), 総曲輪通り (arcade) and 中央通り east of
    # 西町, 平和通り along the tram past グランドプラザ and 西町.
    (
        "ote-mall",
        "大手モール",
        "Ote Mall",
        "central",
        ((137.2113, 36.6925), (137.2113, 36.6910), (137.2113, 36.6893)),
    ),
    (
        "sogawa-dori",
        "総曲輪通り",
        "Sogawa-dori",
        "central",
        ((137.2116, 36.6899), (137.2135, 36.6898), (137.2152, 36.6897)),
    ),
    (
        "chuo-dori",
        "中央通り",
        "Chuo-dori",
        "central",
        ((137.2162, 36.6900), (137.2180, 36.6902), (137.2200, 36.6905)),
    ),
    (
        "heiwa-dori",
        "平和通り (グランドプラザ・西町)",
        "Heiwa-dori (Grand Plaza, Nishicho)",
        "central",
        ((137.2080, 36.6887), (137.2136, 36.6886), (137.2190, 36.6884)),
    ),
    # 富山駅周辺: the north-south free passage, the south plaza, the boulevard to the north
    # (toward 富岩運河環水公園) and the avenue south toward 城址公園.
    (
        "station-free-passage",
        "富山駅 南北自由通路",
        "Toyama Station free passage",
        "station",
        ((137.2131, 36.7002), (137.2132, 36.7015), (137.2133, 36.7030)),
    ),
    (
        "station-south",
        "富山駅 南口駅前広場",
        "Toyama Station south plaza",
        "station",
        ((137.2105, 36.7002), (137.2130, 36.7000), (137.2160, 36.6998)),
    ),
    (
        "boulevard",
        "富山駅北 ブールバール",
        "Toyama-eki-kita Boulevard",
        "station",
        ((137.2136, 36.7032), (137.2138, 36.7060), (137.2140, 36.7085)),
    ),
    (
        "joshi-odori",
        "城址大通り (駅前側)",
        "Joshi-odori (station side)",
        "station",
        ((137.2124, 36.6995), (137.2118, 36.6978), (137.2110, 36.6960)),
    ),
)
