"""Static reference data of the demo warehouse: industries, real large caps, indexes, word lists.

Names and codes of the large caps, industries, indexes and fund companies are real; every price,
volume, share count and account in the warehouse is synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BRANCH_ROADS",
    "CITIES",
    "FUND_COMPANIES",
    "FUND_THEMES",
    "FUND_TYPE_EN",
    "FUND_TYPE_WORD",
    "INDEXES",
    "INDUSTRIES",
    "LARGE_CAPS",
    "NAME_PREFIXES",
    "PROVINCE_WEIGHTS",
    "Industry",
    "IndexDef",
    "LargeCap",
]


@dataclass(frozen=True)
class Industry:
    code: str
    name: str
    name_en: str
    # Relative number of listed companies on the main board, ChiNext and STAR.
    weights: tuple[float, float, float]
    # (short-name word, English word) pairs used to make plausible company names.
    words: tuple[tuple[str, str], ...]


INDUSTRIES: tuple[Industry, ...] = (
    Industry("801010", "农林牧渔", "Agriculture, Forestry, Animal Husbandry and Fishery", (60, 35, 2),
             (("农业", "Agriculture"), ("牧业", "Animal Husbandry"), ("种业", "Seeds"),
              ("渔业", "Fishery"), ("饲料", "Feed"))),
    Industry("801030", "基础化工", "Basic Chemicals", (250, 110, 30),
             (("化工", "Chemical"), ("化学", "Chemical Industry"), ("新材", "New Materials"),
              ("氟化", "Fluorochemical"), ("化纤", "Chemical Fiber"), ("农化", "Agrochemical"))),
    Industry("801040", "钢铁", "Steel", (40, 4, 0),
             (("钢铁", "Steel"), ("特钢", "Special Steel"), ("钢管", "Steel Pipe"),
              ("金属", "Metal"))),
    Industry("801050", "有色金属", "Non-ferrous Metals", (95, 30, 6),
             (("矿业", "Mining"), ("有色", "Nonferrous"), ("铝业", "Aluminium"),
              ("锂业", "Lithium"), ("铜业", "Copper"), ("稀土", "Rare Earth"))),
    Industry("801080", "电子", "Electronics", (200, 150, 130),
             (("电子", "Electronics"), ("微电", "Microelectronics"), ("光电", "Optoelectronics"),
              ("精密", "Precision"), ("芯科", "Semiconductor"), ("显示", "Display"))),
    Industry("801880", "汽车", "Automobiles", (170, 70, 12),
             (("汽车", "Automobile"), ("汽配", "Auto Parts"), ("车业", "Vehicle"),
              ("轮胎", "Tyre"))),
    Industry("801110", "家用电器", "Home Appliances", (60, 30, 4),
             (("电器", "Electric Appliance"), ("家电", "Home Appliance"),
              ("厨电", "Kitchen Appliance"), ("照明", "Lighting"))),
    Industry("801120", "食品饮料", "Food and Beverage", (95, 25, 0),
             (("食品", "Food"), ("酒业", "Liquor"), ("乳业", "Dairy"), ("饮品", "Beverage"),
              ("啤酒", "Brewery"), ("调味", "Seasoning"))),
    Industry("801130", "纺织服饰", "Textiles and Apparel", (85, 25, 0),
             (("纺织", "Textile"), ("服饰", "Apparel"), ("家纺", "Home Textile"),
              ("鞋业", "Footwear"), ("制衣", "Garment"))),
    Industry("801140", "轻工制造", "Light Manufacturing", (110, 50, 3),
             (("纸业", "Paper"), ("包装", "Packaging"), ("家居", "Home Furnishing"),
              ("印务", "Printing"))),
    Industry("801150", "医药生物", "Pharmaceuticals and Biotechnology", (230, 150, 110),
             (("医药", "Pharmaceutical"), ("药业", "Pharma"), ("生物", "Biotech"),
              ("制药", "Pharmaceutical Manufacturing"), ("医疗", "Medical"))),
    Industry("801160", "公用事业", "Utilities", (115, 15, 2),
             (("电力", "Power"), ("燃气", "Gas"), ("水务", "Water"), ("热电", "Thermal Power"),
              ("能源", "Energy"))),
    Industry("801170", "交通运输", "Transportation", (105, 18, 0),
             (("物流", "Logistics"), ("港口", "Port"), ("航运", "Shipping"),
              ("高速", "Expressway"), ("航空", "Airlines"))),
    Industry("801180", "房地产", "Real Estate", (100, 5, 0),
             (("地产", "Real Estate"), ("置业", "Property"), ("城投", "Urban Investment"),
              ("置地", "Land"))),
    Industry("801200", "商贸零售", "Retail and Trade", (85, 20, 0),
             (("商贸", "Trading"), ("百货", "Department Store"), ("商业", "Commerce"),
              ("零售", "Retail"), ("超市", "Supermarket"))),
    Industry("801210", "社会服务", "Social Services", (45, 30, 0),
             (("旅游", "Tourism"), ("酒店", "Hotels"), ("教育", "Education"),
              ("文旅", "Culture and Tourism"), ("餐饮", "Catering"))),
    Industry("801780", "银行", "Banks", (42, 0, 0), (("银行", "Bank"),)),
    Industry("801790", "非银金融", "Non-bank Financials", (80, 8, 0),
             (("证券", "Securities"), ("信托", "Trust"), ("保险", "Insurance"),
              ("期货", "Futures"), ("金控", "Financial Holdings"))),
    Industry("801230", "综合", "Conglomerates", (18, 2, 0),
             (("控股", "Holdings"), ("实业", "Industrial"), ("投资", "Investment"),
              ("集团", "Group"))),
    Industry("801710", "建筑材料", "Building Materials", (55, 20, 2),
             (("建材", "Building Materials"), ("水泥", "Cement"), ("玻璃", "Glass"),
              ("管业", "Pipes"), ("陶瓷", "Ceramics"))),
    Industry("801720", "建筑装饰", "Construction and Decoration", (115, 45, 2),
             (("建工", "Construction Engineering"), ("建设", "Construction"),
              ("装饰", "Decoration"), ("设计", "Design"), ("路桥", "Road and Bridge"))),
    Industry("801730", "电力设备", "Power Equipment", (170, 120, 60),
             (("电气", "Electric"), ("电池", "Battery"), ("光伏", "Photovoltaic"),
              ("电缆", "Cable"), ("风电", "Wind Power"), ("储能", "Energy Storage"))),
    Industry("801740", "国防军工", "Defense and Military Industry", (60, 40, 35),
             (("军工", "Defense"), ("航电", "Avionics"), ("防务", "Defense Systems"),
              ("船舶", "Shipbuilding"), ("航天", "Aerospace"))),
    Industry("801750", "计算机", "Computers", (120, 150, 80),
             (("软件", "Software"), ("信息", "Information Technology"), ("数据", "Data"),
              ("网络", "Network"), ("云科", "Cloud Technology"))),
    Industry("801760", "传媒", "Media", (90, 45, 3),
             (("传媒", "Media"), ("文化", "Culture"), ("影视", "Film and TV"),
              ("游戏", "Games"), ("出版", "Publishing"))),
    Industry("801770", "通信", "Telecommunications", (55, 45, 20),
             (("通信", "Communications"), ("通讯", "Telecom"), ("光纤", "Optical Fiber"),
              ("网通", "Netcom"))),
    Industry("801890", "机械设备", "Machinery and Equipment", (250, 180, 100),
             (("机械", "Machinery"), ("重工", "Heavy Industry"), ("装备", "Equipment"),
              ("智能", "Intelligent Equipment"), ("机电", "Electromechanical"),
              ("精工", "Precision Engineering"))),
    Industry("801950", "煤炭", "Coal", (38, 0, 0),
             (("煤业", "Coal"), ("焦煤", "Coking Coal"), ("煤电", "Coal Power"))),
    Industry("801960", "石油石化", "Petroleum and Petrochemicals", (40, 6, 2),
             (("石化", "Petrochemical"), ("油气", "Oil and Gas"), ("石油", "Petroleum"),
              ("油服", "Oilfield Services"))),
    Industry("801970", "环保", "Environmental Protection", (70, 50, 15),
             (("环保", "Environmental"), ("环境", "Environment"), ("环科", "Environmental Technology"),
              ("再生", "Recycling"))),
    Industry("801980", "美容护理", "Beauty and Personal Care", (20, 10, 2),
             (("美妆", "Cosmetics"), ("护理", "Personal Care"), ("日化", "Household Chemicals"),
              ("医美", "Medical Aesthetics"))),
)


@dataclass(frozen=True)
class LargeCap:
    ts_code: str
    name: str
    full_name: str
    en_name: str
    industry_code: str
    list_date: str
    province: str
    # Rough early-2023 price (元) and total shares (亿股): starting points of the synthetic walk.
    price: float
    shares_yi: float


def _lc(code: str, name: str, full: str, en: str, ind: str, listed: str, prov: str,
        price: float, shares: float) -> LargeCap:
    return LargeCap(code, name, full, en, ind, listed, prov, price, shares)


LARGE_CAPS: tuple[LargeCap, ...] = (
    _lc("600519.SH", "贵州茅台", "贵州茅台酒股份有限公司", "Kweichow Moutai Co., Ltd.", "801120", "2001-08-27", "贵州", 1730, 12.56),
    _lc("300750.SZ", "宁德时代", "宁德时代新能源科技股份有限公司", "Contemporary Amperex Technology Co., Limited", "801730", "2018-06-11", "福建", 400, 24.4),
    _lc("601318.SH", "中国平安", "中国平安保险(集团)股份有限公司", "Ping An Insurance (Group) Company of China, Ltd.", "801790", "2007-03-01", "广东", 48, 182.1),
    _lc("000001.SZ", "平安银行", "平安银行股份有限公司", "Ping An Bank Co., Ltd.", "801780", "1991-04-03", "广东", 13, 194.1),
    _lc("600036.SH", "招商银行", "招商银行股份有限公司", "China Merchants Bank Co., Ltd.", "801780", "2002-04-09", "广东", 37, 252.2),
    _lc("000858.SZ", "五粮液", "宜宾五粮液股份有限公司", "Wuliangye Yibin Co., Ltd.", "801120", "1998-04-27", "四川", 180, 38.8),
    _lc("002594.SZ", "比亚迪", "比亚迪股份有限公司", "BYD Company Limited", "801880", "2011-06-30", "广东", 260, 29.1),
    _lc("601398.SH", "工商银行", "中国工商银行股份有限公司", "Industrial and Commercial Bank of China Limited", "801780", "2006-10-27", "北京", 4.6, 3564.1),
    _lc("688981.SH", "中芯国际", "中芯国际集成电路制造有限公司", "Semiconductor Manufacturing International Corporation", "801080", "2020-07-16", "上海", 40, 79.5),
    _lc("600900.SH", "长江电力", "中国长江电力股份有限公司", "China Yangtze Power Co., Ltd.", "801160", "2003-11-18", "北京", 21, 244.7),
    _lc("000333.SZ", "美的集团", "美的集团股份有限公司", "Midea Group Co., Ltd.", "801110", "2013-09-18", "广东", 52, 70.2),
    _lc("600030.SH", "中信证券", "中信证券股份有限公司", "CITIC Securities Company Limited", "801790", "2003-01-06", "广东", 20, 148.2),
    _lc("300059.SZ", "东方财富", "东方财富信息股份有限公司", "East Money Information Co., Ltd.", "801790", "2010-03-19", "上海", 19, 158.7),
    _lc("000002.SZ", "万科A", "万科企业股份有限公司", "China Vanke Co., Ltd.", "801180", "1991-01-29", "广东", 18, 119.3),
    _lc("002415.SZ", "海康威视", "杭州海康威视数字技术股份有限公司", "Hangzhou Hikvision Digital Technology Co., Ltd.", "801750", "2010-05-28", "浙江", 34, 94.3),
    _lc("600276.SH", "恒瑞医药", "江苏恒瑞医药股份有限公司", "Jiangsu Hengrui Pharmaceuticals Co., Ltd.", "801150", "2000-10-18", "江苏", 38, 63.8),
    _lc("601899.SH", "紫金矿业", "紫金矿业集团股份有限公司", "Zijin Mining Group Co., Ltd.", "801050", "2008-04-25", "福建", 10, 263.3),
    _lc("601857.SH", "中国石油", "中国石油天然气股份有限公司", "PetroChina Company Limited", "801960", "2007-11-05", "北京", 5, 1830.2),
    _lc("601012.SH", "隆基绿能", "隆基绿能科技股份有限公司", "LONGi Green Energy Technology Co., Ltd.", "801730", "2012-04-11", "陕西", 42, 75.8),
    _lc("688111.SH", "金山办公", "北京金山办公软件股份有限公司", "Beijing Kingsoft Office Software, Inc.", "801750", "2019-11-18", "北京", 270, 4.6),
    _lc("601288.SH", "农业银行", "中国农业银行股份有限公司", "Agricultural Bank of China Limited", "801780", "2010-07-15", "北京", 2.9, 3499.8),
    _lc("601988.SH", "中国银行", "中国银行股份有限公司", "Bank of China Limited", "801780", "2006-07-05", "北京", 3.2, 2943.9),
    _lc("601939.SH", "建设银行", "中国建设银行股份有限公司", "China Construction Bank Corporation", "801780", "2007-09-25", "北京", 5.8, 2500.1),
    _lc("600028.SH", "中国石化", "中国石油化工股份有限公司", "China Petroleum & Chemical Corporation", "801960", "2001-08-08", "北京", 4.3, 1193.1),
    _lc("601088.SH", "中国神华", "中国神华能源股份有限公司", "China Shenhua Energy Company Limited", "801950", "2007-10-09", "北京", 28, 198.7),
    _lc("600309.SH", "万华化学", "万华化学集团股份有限公司", "Wanhua Chemical Group Co., Ltd.", "801030", "2001-01-05", "山东", 95, 31.4),
    _lc("600887.SH", "伊利股份", "内蒙古伊利实业集团股份有限公司", "Inner Mongolia Yili Industrial Group Co., Ltd.", "801120", "1996-03-12", "内蒙古", 31, 63.7),
    _lc("601166.SH", "兴业银行", "兴业银行股份有限公司", "Industrial Bank Co., Ltd.", "801780", "2007-02-05", "福建", 18, 207.7),
    _lc("601668.SH", "中国建筑", "中国建筑股份有限公司", "China State Construction Engineering Corporation Limited", "801720", "2009-07-29", "北京", 5.4, 419.0),
    _lc("601628.SH", "中国人寿", "中国人寿保险股份有限公司", "China Life Insurance Company Limited", "801790", "2007-01-09", "北京", 34, 282.6),
    _lc("600809.SH", "山西汾酒", "山西杏花村汾酒厂股份有限公司", "Shanxi Xinghuacun Fen Wine Factory Co., Ltd.", "801120", "1994-01-06", "山西", 280, 12.2),
    _lc("601888.SH", "中国中免", "中国旅游集团中免股份有限公司", "China Tourism Group Duty Free Corporation Limited", "801200", "2009-10-15", "北京", 210, 20.7),
    _lc("600585.SH", "海螺水泥", "安徽海螺水泥股份有限公司", "Anhui Conch Cement Company Limited", "801710", "2002-02-07", "安徽", 28, 53.0),
    _lc("600941.SH", "中国移动", "中国移动有限公司", "China Mobile Limited", "801770", "2022-01-05", "北京", 65, 213.9),
    _lc("601728.SH", "中国电信", "中国电信股份有限公司", "China Telecom Corporation Limited", "801770", "2021-08-20", "北京", 3.6, 915.1),
    _lc("603259.SH", "药明康德", "无锡药明康德新药开发股份有限公司", "WuXi AppTec Co., Ltd.", "801150", "2018-05-08", "江苏", 85, 29.6),
    _lc("600031.SH", "三一重工", "三一重工股份有限公司", "Sany Heavy Industry Co., Ltd.", "801890", "2003-07-03", "北京", 16, 84.9),
    _lc("600690.SH", "海尔智家", "海尔智家股份有限公司", "Haier Smart Home Co., Ltd.", "801110", "1993-11-19", "山东", 24, 94.5),
    _lc("601919.SH", "中远海控", "中远海运控股股份有限公司", "COSCO SHIPPING Holdings Co., Ltd.", "801170", "2007-06-26", "天津", 11, 160.9),
    _lc("688041.SH", "海光信息", "海光信息技术股份有限公司", "Hygon Information Technology Co., Ltd.", "801080", "2022-08-12", "天津", 52, 23.2),
    _lc("688012.SH", "中微公司", "中微半导体设备(上海)股份有限公司", "Advanced Micro-Fabrication Equipment Inc. China", "801080", "2019-07-22", "上海", 100, 6.2),
    _lc("000651.SZ", "格力电器", "珠海格力电器股份有限公司", "Gree Electric Appliances, Inc. of Zhuhai", "801110", "1996-11-18", "广东", 32, 56.3),
    _lc("300760.SZ", "迈瑞医疗", "深圳迈瑞生物医疗电子股份有限公司", "Shenzhen Mindray Bio-Medical Electronics Co., Ltd.", "801150", "2018-10-16", "广东", 310, 12.1),
    _lc("000568.SZ", "泸州老窖", "泸州老窖股份有限公司", "Luzhou Laojiao Co., Ltd.", "801120", "1994-05-09", "四川", 220, 14.7),
    _lc("002475.SZ", "立讯精密", "立讯精密工业股份有限公司", "Luxshare Precision Industry Co., Ltd.", "801080", "2010-09-15", "广东", 32, 71.5),
    _lc("000725.SZ", "京东方A", "京东方科技集团股份有限公司", "BOE Technology Group Co., Ltd.", "801080", "2001-01-12", "北京", 3.6, 382.0),
    _lc("002714.SZ", "牧原股份", "牧原食品股份有限公司", "Muyuan Foods Co., Ltd.", "801010", "2014-01-28", "河南", 50, 54.7),
    _lc("300015.SZ", "爱尔眼科", "爱尔眼科医院集团股份有限公司", "Aier Eye Hospital Group Co., Ltd.", "801150", "2009-10-30", "湖南", 30, 93.3),
    _lc("002352.SZ", "顺丰控股", "顺丰控股股份有限公司", "S.F. Holding Co., Ltd.", "801170", "2010-02-05", "广东", 55, 48.9),
    _lc("000063.SZ", "中兴通讯", "中兴通讯股份有限公司", "ZTE Corporation", "801770", "1997-11-18", "广东", 27, 47.8),
    _lc("300274.SZ", "阳光电源", "阳光电源股份有限公司", "Sungrow Power Supply Co., Ltd.", "801730", "2011-11-02", "安徽", 110, 14.9),
    _lc("300124.SZ", "汇川技术", "深圳市汇川技术股份有限公司", "Shenzhen Inovance Technology Co., Ltd.", "801890", "2010-09-28", "广东", 68, 26.5),
    _lc("002304.SZ", "洋河股份", "江苏洋河酒厂股份有限公司", "Jiangsu Yanghe Brewery Joint-Stock Co., Ltd.", "801120", "2009-11-06", "江苏", 160, 15.1),
    _lc("001979.SZ", "招商蛇口", "招商局蛇口工业区控股股份有限公司", "China Merchants Shekou Industrial Zone Holdings Co., Ltd.", "801180", "2015-12-30", "广东", 13, 90.6),
    _lc("003816.SZ", "中国广核", "中国广核电力股份有限公司", "CGN Power Co., Ltd.", "801160", "2019-08-26", "广东", 2.9, 505.0),
    _lc("301269.SZ", "华大九天", "北京华大九天科技股份有限公司", "Empyrean Technology Co., Ltd.", "801750", "2022-07-29", "北京", 90, 5.4),
    _lc("605499.SH", "东鹏饮料", "东鹏饮料(集团)股份有限公司", "Eastroc Beverage (Group) Co., Ltd.", "801120", "2021-05-27", "广东", 180, 4.0),
    _lc("603288.SH", "海天味业", "佛山市海天调味食品股份有限公司", "Foshan Haitian Flavouring and Food Company Ltd.", "801120", "2014-02-11", "广东", 75, 55.6),
    _lc("600000.SH", "浦发银行", "上海浦东发展银行股份有限公司", "Shanghai Pudong Development Bank Co., Ltd.", "801780", "1999-11-10", "上海", 7.3, 293.5),
    _lc("600104.SH", "上汽集团", "上海汽车集团股份有限公司", "SAIC Motor Corporation Limited", "801880", "1997-11-25", "上海", 14, 116.8),
)

# Two-character words that start generated short names; a region word also sets the province.
NAME_PREFIXES: tuple[tuple[str, str | None], ...] = (
    ("北京", "北京"), ("上海", "上海"), ("天津", "天津"), ("重庆", "重庆"), ("江苏", "江苏"),
    ("浙江", "浙江"), ("安徽", "安徽"), ("福建", "福建"), ("江西", "江西"), ("山东", "山东"),
    ("河南", "河南"), ("湖北", "湖北"), ("湖南", "湖南"), ("广东", "广东"), ("广西", "广西"),
    ("海南", "海南"), ("四川", "四川"), ("贵州", "贵州"), ("云南", "云南"), ("陕西", "陕西"),
    ("甘肃", "甘肃"), ("青海", "青海"), ("宁夏", "宁夏"), ("新疆", "新疆"), ("西藏", "西藏"),
    ("辽宁", "辽宁"), ("吉林", "吉林"), ("河北", "河北"), ("山西", "山西"), ("杭州", "浙江"),
    ("宁波", "浙江"), ("温州", "浙江"), ("苏州", "江苏"), ("无锡", "江苏"), ("常州", "江苏"),
    ("南京", "江苏"), ("合肥", "安徽"), ("厦门", "福建"), ("青岛", "山东"), ("济南", "山东"),
    ("烟台", "山东"), ("大连", "辽宁"), ("沈阳", "辽宁"), ("长春", "吉林"), ("成都", "四川"),
    ("西安", "陕西"), ("武汉", "湖北"), ("长沙", "湖南"), ("广州", "广东"), ("深圳", "广东"),
    ("珠海", "广东"), ("佛山", "广东"), ("东莞", "广东"), ("昆明", "云南"), ("贵阳", "贵州"),
    ("南宁", "广西"), ("兰州", "甘肃"), ("太原", "山西"), ("郑州", "河南"), ("洛阳", "河南"),
    ("徐州", "江苏"), ("绍兴", "浙江"), ("嘉兴", "浙江"), ("湖州", "浙江"), ("台州", "浙江"),
    ("金华", "浙江"), ("泉州", "福建"), ("潍坊", "山东"), ("淄博", "山东"), ("唐山", "河北"),
    ("华锐", None), ("宏达", None), ("永泰", None), ("东华", None), ("恒信", None),
    ("鼎盛", None), ("瑞丰", None), ("中科", None), ("鸿博", None), ("华宇", None),
    ("诺德", None), ("康泰", None), ("安信", None), ("鑫源", None), ("润和", None),
    ("汇金", None), ("博思", None), ("德宏", None), ("凯盛", None), ("隆盛", None),
    ("荣盛", None), ("盛达", None), ("国光", None), ("星辉", None), ("天源", None),
    ("华通", None), ("远大", None), ("金龙", None), ("银河", None), ("新华", None),
    ("恒通", None), ("泰和", None), ("宝鼎", None), ("瑞康", None), ("同和", None),
    ("开元", None), ("佳华", None), ("明阳", None), ("兴发", None), ("合力", None),
    ("双林", None), ("三友", None), ("四方", None), ("五洲", None), ("九洲", None),
    ("百合", None), ("千禾", None), ("万润", None), ("天润", None), ("金发", None),
    ("海峡", None), ("神州", None), ("中天", None), ("东方", None), ("南方", None),
    ("北方", None), ("西部", None), ("长城", None), ("黄河", None), ("昆仑", None),
    ("泰山", None), ("峨眉", None), ("天山", None), ("珠江", None), ("钱江", None),
)

# Provinces that generated companies without a region word are registered in, with weights.
PROVINCE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("广东", 16), ("浙江", 15), ("江苏", 15), ("北京", 9), ("上海", 9), ("山东", 6),
    ("福建", 4), ("安徽", 4), ("四川", 4), ("湖北", 3), ("湖南", 3), ("河南", 2),
    ("辽宁", 2), ("陕西", 2), ("江西", 2), ("天津", 2), ("重庆", 2), ("河北", 2),
)

# (city, province, relative size) for branches and customers.
CITIES: tuple[tuple[str, str, float], ...] = (
    ("上海", "上海", 10), ("北京", "北京", 10), ("深圳", "广东", 8), ("广州", "广东", 6),
    ("杭州", "浙江", 6), ("南京", "江苏", 4), ("苏州", "江苏", 4), ("成都", "四川", 4),
    ("武汉", "湖北", 4), ("重庆", "重庆", 3), ("天津", "天津", 3), ("西安", "陕西", 3),
    ("长沙", "湖南", 3), ("宁波", "浙江", 3), ("青岛", "山东", 3), ("济南", "山东", 2),
    ("郑州", "河南", 2), ("合肥", "安徽", 2), ("福州", "福建", 2), ("厦门", "福建", 2),
    ("沈阳", "辽宁", 2), ("大连", "辽宁", 2), ("昆明", "云南", 1.5), ("南昌", "江西", 1.5),
    ("无锡", "江苏", 1.5), ("东莞", "广东", 1.5), ("佛山", "广东", 1.5), ("温州", "浙江", 1.5),
    ("哈尔滨", "黑龙江", 1.5), ("长春", "吉林", 1), ("石家庄", "河北", 1), ("太原", "山西", 1),
    ("南宁", "广西", 1), ("贵阳", "贵州", 1), ("兰州", "甘肃", 1), ("海口", "海南", 0.8),
    ("乌鲁木齐", "新疆", 0.8), ("呼和浩特", "内蒙古", 0.8), ("银川", "宁夏", 0.5),
    ("西宁", "青海", 0.5),
)

BRANCH_ROADS: tuple[str, ...] = (
    "人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "长江路", "滨江大道", "世纪大道",
    "金融街", "东风路", "胜利路", "复兴路", "文化路", "南京路", "延安路", "黄河路", "北京路",
    "光明路", "五一路", "朝阳路", "友谊路", "团结路", "学府路", "科技路", "湖滨路",
)


@dataclass(frozen=True)
class IndexDef:
    code: str
    name: str
    en_name: str
    publisher: str
    base_date: str
    base_point: float
    # Level on 2022-12-30, the synthetic walk starts there.
    start_level: float
    # Which securities qualify: "all", an exchange ("SSE"/"SZSE") or a board name.
    universe: str
    # Constituents at scale 1 (0 = every qualifying security); `skip` largest are left out.
    size: int
    skip: int = 0


INDEXES: tuple[IndexDef, ...] = (
    IndexDef("000001.SH", "上证指数", "SSE Composite Index", "上海证券交易所", "1990-12-19", 100, 3089.26, "SSE", 0),
    IndexDef("399001.SZ", "深证成指", "SZSE Component Index", "深圳证券信息有限公司", "1994-07-20", 1000, 11015.99, "SZSE", 500),
    IndexDef("000300.SH", "沪深300", "CSI 300 Index", "中证指数有限公司", "2004-12-31", 1000, 3871.63, "all", 300),
    IndexDef("000016.SH", "上证50", "SSE 50 Index", "中证指数有限公司", "2003-12-31", 1000, 2635.38, "SSE", 50),
    IndexDef("000905.SH", "中证500", "CSI 500 Index", "中证指数有限公司", "2004-12-31", 1000, 5935.28, "all", 500, 300),
    IndexDef("399006.SZ", "创业板指", "ChiNext Index", "深圳证券信息有限公司", "2010-05-31", 1000, 2346.77, "创业板", 100),
    IndexDef("000688.SH", "科创50", "STAR 50 Index", "中证指数有限公司", "2019-12-31", 1000, 944.55, "科创板", 50),
)

# (short name, English short name) of real fund management companies.
FUND_COMPANIES: tuple[tuple[str, str], ...] = (
    ("易方达", "E Fund"), ("华夏", "China AMC"), ("广发", "GF"), ("南方", "China Southern"),
    ("嘉实", "Harvest"), ("富国", "Fullgoal"), ("汇添富", "China Universal"), ("博时", "Bosera"),
    ("招商", "China Merchants"), ("工银瑞信", "ICBC Credit Suisse"), ("天弘", "Tianhong"),
    ("鹏华", "Penghua"), ("景顺长城", "Invesco Great Wall"), ("中欧", "Zhong Ou"),
    ("兴证全球", "Aegon-Industrial"), ("交银施罗德", "BOCOM Schroder"), ("银华", "Yinhua"),
    ("华安", "Huaan"), ("国泰", "Guotai"), ("大成", "Dacheng"),
)

# Fund type -> (zh theme, en theme) pairs; the type word ends the fund name.
FUND_THEMES: dict[str, tuple[tuple[str, str], ...]] = {
    "股票型": (("成长精选", "Growth Select"), ("价值优选", "Value Select"),
             ("消费升级", "Consumer Upgrade"), ("医疗健康", "Healthcare"),
             ("新能源", "New Energy"), ("科技创新", "Tech Innovation"),
             ("半导体", "Semiconductor"), ("高端装备", "High-end Equipment"),
             ("红利", "Dividend"), ("沪深300指数增强", "CSI 300 Enhanced Index")),
    "混合型": (("稳健成长", "Steady Growth"), ("均衡配置", "Balanced Allocation"),
             ("蓝筹精选", "Blue Chip Select"), ("核心优势", "Core Advantage"),
             ("先进制造", "Advanced Manufacturing"), ("优质企业", "Quality Enterprise"),
             ("灵活配置", "Flexible Allocation"), ("远见回报", "Vision Return")),
    "债券型": (("纯债", "Pure Bond"), ("信用债", "Credit Bond"), ("短债", "Short-term Bond"),
             ("双债增强", "Dual Bond Enhanced"), ("稳健收益", "Steady Income"),
             ("可转债", "Convertible Bond")),
    "货币型": (("现金宝", "Cash Treasure"), ("现金管理", "Cash Management"), ("天天利", "Daily Income"),
             ("现金增利", "Cash Plus")),
}

FUND_TYPE_EN = {"股票型": "Equity", "混合型": "Hybrid", "债券型": "Bond", "货币型": "Money Market"}
FUND_TYPE_WORD = {"股票型": "股票", "混合型": "混合", "债券型": "债券", "货币型": "货币"}
