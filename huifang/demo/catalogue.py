"""What the demo hospital looks like: its departments and the cases they treat.

Diagnoses carry ICD-10 codes, operations ICD-9-CM-3 codes, as a Chinese
hospital's information system exports them. The texts are written for the
demo; they describe ordinary care, not any real patient.
"""

from dataclasses import dataclass

CAMPUS_CODE = "HQ"
CAMPUS_NAME = "本院区"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    wards: tuple[tuple[str, str], ...] = ()


# Departments under the campus, each with its wards (体检中心 has no beds).
DEPARTMENTS: tuple[Unit, ...] = (
    Unit(
        "NK",
        "内科",
        (("NK-XXG", "心血管内科病区"), ("NK-HX", "呼吸内科病区"), ("NK-NFM", "内分泌科病区")),
    ),
    Unit("WK", "外科", (("WK-PW", "普外科病区"), ("WK-GK", "骨科病区"), ("WK-MN", "泌尿外科病区"))),
    Unit("FCK", "妇产科", (("FCK-CK", "产科病区"), ("FCK-FK", "妇科病区"))),
    Unit("EK", "儿科", (("EK-EK", "儿科病区"), ("EK-XSE", "新生儿科病区"))),
    Unit("YK", "眼科", (("YK-BQ", "眼科病区"),)),
    Unit("TJZX", "体检中心"),
)
OFFICES: tuple[Unit, ...] = (Unit("KFZX", "客服中心"), Unit("ZKB", "质控办"))

Code = tuple[str, str]  # (code, Chinese name)

HTN: Code = ("I10", "原发性高血压")
T2DM: Code = ("E11.9", "2型糖尿病")
HLP: Code = ("E78.5", "高脂血症")
FATTY_LIVER: Code = ("K76.0", "脂肪肝")
CHD: Code = ("I25.1", "冠状动脉粥样硬化性心脏病")
AF: Code = ("I48", "心房颤动")
OSTEOPOROSIS: Code = ("M81.9", "骨质疏松症")
CKD: Code = ("N18.9", "慢性肾脏病")
GDM: Code = ("O24.4", "妊娠期糖尿病")
GESTATIONAL_HTN: Code = ("O13", "妊娠期高血压")
PREGNANCY_ANAEMIA: Code = ("O99.0", "妊娠合并贫血")


@dataclass(frozen=True)
class Case:
    """One kind of patient a ward or clinic sees, with the texts of its record."""

    code: str
    name: str
    weight: int
    complaint: str
    treatment: str
    orders: str = ""
    medication: str = ""
    procedure: Code | None = None
    stay: tuple[int, int] = (3, 8)
    ages: tuple[int, int] = (30, 85)
    sex: str = ""
    comorbidities: tuple[Code, ...] = ()


_CARDIO_ORDERS = "低盐低脂饮食，戒烟限酒；坚持服药，不可自行停药；注意有无黑便、牙龈出血；"
_DAPT = "阿司匹林肠溶片 100mg 每日一次；硫酸氢氯吡格雷片 75mg 每日一次；"
_STATIN_BB = "阿托伐他汀钙片 20mg 每晚一次；酒石酸美托洛尔片 25mg 每日两次"
_EYE_DROPS = "妥布霉素地塞米松滴眼液 每次1滴 每日四次；普拉洛芬滴眼液 每次1滴 每日四次"
_WOUND = "保持切口清洁干燥，切口红肿、渗液或发热及时就诊；"

# In-patient cases by ward code.
WARD_CASES: dict[str, tuple[Case, ...]] = {
    "NK-XXG": (
        Case(
            code="I25.1",
            name="冠状动脉粥样硬化性心脏病",
            weight=30,
            complaint="反复胸闷、胸痛3个月，加重2天",
            treatment="冠状动脉造影示前降支近段狭窄85%，行经皮冠状动脉药物洗脱支架植入术，术后双联抗血小板、调脂治疗",
            orders=_CARDIO_ORDERS
            + "双联抗血小板治疗12个月；出院1个月后心内科门诊复诊，复查血脂、肝功能",
            medication=_DAPT + _STATIN_BB,
            procedure=("36.07", "经皮冠状动脉药物洗脱支架植入术"),
            stay=(3, 8),
            ages=(45, 85),
            comorbidities=(HTN, T2DM, HLP),
        ),
        Case(
            code="I10",
            name="原发性高血压",
            weight=20,
            complaint="头晕、头痛2周，血压最高180/110mmHg",
            treatment="完善靶器官损害评估，调整降压方案，血压控制在130/80mmHg左右",
            orders="低盐饮食，每日食盐少于5克；每日早晚测血压并记录；规律服药；2周后心内科门诊复诊",
            medication="苯磺酸氨氯地平片 5mg 每日一次；缬沙坦胶囊 80mg 每日一次",
            stay=(3, 7),
            ages=(35, 85),
            comorbidities=(T2DM, HLP, CKD),
        ),
        Case(
            code="I50.9",
            name="心力衰竭",
            weight=12,
            complaint="活动后气促1年，双下肢水肿1周，夜间不能平卧",
            treatment="利尿、扩血管、改善心室重构治疗，气促缓解，水肿消退",
            orders="限盐限水，每日晨起称体重，3天内增加2公斤以上及时就诊；1周后门诊复查电解质、肾功能",
            medication=(
                "呋塞米片 20mg 每日一次；螺内酯片 20mg 每日一次；沙库巴曲缬沙坦钠片 50mg 每日两次"
            ),
            stay=(5, 14),
            ages=(55, 90),
            comorbidities=(CHD, HTN, AF),
        ),
        Case(
            code="I48",
            name="心房颤动",
            weight=10,
            complaint="阵发性心悸2年，再发3天",
            treatment="控制心室率、抗凝治疗，评估射频消融指征",
            orders="按时服用抗凝药，注意有无出血；避免饮酒和浓茶；1个月后心内科门诊复诊",
            medication="利伐沙班片 20mg 每日一次（随餐）；酒石酸美托洛尔片 25mg 每日两次",
            stay=(3, 7),
            ages=(50, 88),
            comorbidities=(HTN,),
        ),
        Case(
            code="I21.9",
            name="急性心肌梗死",
            weight=6,
            complaint="突发胸骨后压榨样疼痛4小时",
            treatment="急诊冠状动脉造影，行经皮冠状动脉介入治疗开通梗死相关血管，术后CCU监护",
            orders=_CARDIO_ORDERS + "1个月内避免剧烈活动，循序渐进心脏康复；2周后心内科门诊复诊",
            medication="阿司匹林肠溶片 100mg 每日一次；替格瑞洛片 90mg 每日两次；" + _STATIN_BB,
            procedure=("36.07", "经皮冠状动脉药物洗脱支架植入术"),
            stay=(7, 12),
            ages=(40, 85),
            comorbidities=(HTN, HLP),
        ),
    ),
    "NK-HX": (
        Case(
            code="J18.9",
            name="肺炎",
            weight=30,
            complaint="发热、咳嗽、咳黄痰5天，最高体温39.2℃",
            treatment="头孢曲松钠静滴抗感染，化痰及对症支持治疗，体温正常，复查胸部CT病灶吸收",
            orders="注意休息，多饮水，避免受凉；2周后复查胸部CT；再发热、胸痛、气促及时就诊",
            medication="盐酸莫西沙星片 0.4g 每日一次（共5天）；盐酸氨溴索片 30mg 每日三次",
            stay=(5, 10),
            ages=(18, 90),
            comorbidities=(HTN, T2DM),
        ),
        Case(
            code="J44.1",
            name="慢性阻塞性肺疾病急性加重",
            weight=22,
            complaint="反复咳嗽、咳痰、喘息10余年，加重1周",
            treatment="抗感染、雾化平喘、低流量吸氧治疗，喘息缓解",
            orders="戒烟；坚持规律吸入药物，掌握吸入装置用法；家庭氧疗每日15小时以上；1个月后复查肺功能",
            medication=(
                "噻托溴铵粉吸入剂 18μg 每日一次；"
                "布地奈德福莫特罗吸入粉雾剂 160/4.5μg 每次1吸 每日两次"
            ),
            stay=(7, 14),
            ages=(55, 90),
            sex="M",
            comorbidities=(HTN, ("I27.9", "肺源性心脏病")),
        ),
        Case(
            code="J45.9",
            name="支气管哮喘",
            weight=8,
            complaint="发作性喘息、胸闷3天",
            treatment="雾化吸入支气管扩张剂及糖皮质激素，症状缓解",
            orders="避免接触过敏原和冷空气；随身携带急救吸入剂；1个月后呼吸科门诊复诊",
            medication=(
                "布地奈德福莫特罗吸入粉雾剂 160/4.5μg 每次1吸 每日两次；孟鲁司特钠片 10mg 每晚一次"
            ),
            stay=(4, 8),
            ages=(18, 70),
        ),
        Case(
            code="C34.9",
            name="肺恶性肿瘤",
            weight=12,
            complaint="咳嗽、痰中带血1个月",
            treatment="胸部增强CT及支气管镜活检明确诊断，完成一周期化疗，过程顺利",
            orders="3周后返院行下一周期化疗；化疗后第7天、第14天复查血常规；注意口腔卫生，发热及时就诊",
            medication="盐酸昂丹司琼片 8mg 恶心时服用；地榆升白片 0.2g 每日三次",
            stay=(5, 12),
            ages=(45, 85),
        ),
        Case(
            code="J47",
            name="支气管扩张症",
            weight=6,
            complaint="反复咳嗽、咳脓痰5年，咯血2天",
            treatment="抗感染、止血、体位引流治疗",
            orders="坚持体位引流排痰；咯血增多立即就诊；1个月后呼吸科门诊复诊",
            medication="阿莫西林克拉维酸钾片 457mg 每日两次（共7天）",
            stay=(5, 10),
            ages=(30, 80),
        ),
    ),
    "NK-NFM": (
        Case(
            code="E11.9",
            name="2型糖尿病",
            weight=35,
            complaint="口干、多饮、多尿3个月，体重下降5公斤",
            treatment="饮食及运动指导，调整降糖方案，血糖控制达标",
            orders="糖尿病饮食，定时定量；每日监测空腹及餐后2小时血糖并记录；警惕低血糖，随身携带糖果；"
            "3个月后复查糖化血红蛋白",
            medication=(
                "盐酸二甲双胍片 0.5g 每日三次（餐中）；阿卡波糖片 50mg 每日三次（随第一口饭嚼服）"
            ),
            stay=(5, 10),
            ages=(30, 85),
            comorbidities=(HTN, HLP, FATTY_LIVER),
        ),
        Case(
            code="E11.9",
            name="2型糖尿病",
            weight=15,
            complaint="血糖控制不佳半年，空腹血糖12mmol/L",
            treatment="胰岛素强化治疗，教会患者及家属胰岛素注射和血糖监测",
            orders="胰岛素冰箱冷藏保存，注射部位轮换；每日监测血糖4次；2周后内分泌科门诊调整剂量",
            medication="门冬胰岛素注射液 每餐前6U 皮下注射；甘精胰岛素注射液 12U 睡前皮下注射",
            stay=(7, 12),
            ages=(40, 85),
            comorbidities=(HTN, CKD),
        ),
        Case(
            code="E05.0",
            name="毒性弥漫性甲状腺肿",
            weight=10,
            complaint="心悸、多汗、手抖、消瘦2个月",
            treatment="抗甲状腺药物治疗，控制心率",
            orders="忌碘饮食，少吃海带、紫菜；注意休息；每2–4周复查甲状腺功能和血常规，发热、咽痛立即查血常规",
            medication="甲巯咪唑片 10mg 每日一次；盐酸普萘洛尔片 10mg 每日三次",
            stay=(4, 8),
            ages=(18, 60),
        ),
    ),
    "WK-PW": (
        Case(
            code="K80.2",
            name="胆囊结石",
            weight=25,
            complaint="反复右上腹疼痛1年，进食油腻后加重",
            treatment="全麻下行腹腔镜胆囊切除术，术后恢复顺利",
            orders="低脂饮食1个月，少量多餐；"
            + _WOUND
            + "皮肤、巩膜发黄及时就诊；2周后普外科门诊复查",
            medication="",
            procedure=("51.23", "腹腔镜胆囊切除术"),
            stay=(3, 6),
            ages=(25, 80),
        ),
        Case(
            code="K35.8",
            name="急性阑尾炎",
            weight=15,
            complaint="转移性右下腹痛1天",
            treatment="急诊全麻下行腹腔镜阑尾切除术，术后抗感染治疗",
            orders="1个月内避免剧烈运动和重体力劳动；" + _WOUND + "1周后门诊复查切口",
            medication="",
            procedure=("47.01", "腹腔镜阑尾切除术"),
            stay=(3, 6),
            ages=(12, 70),
        ),
        Case(
            code="K40.9",
            name="腹股沟疝",
            weight=10,
            complaint="右侧腹股沟区可复性肿物2年",
            treatment="腰硬联合麻醉下行右侧腹股沟疝无张力修补术",
            orders="3个月内避免提重物、用力咳嗽及便秘；" + _WOUND + "1周后门诊复查",
            medication="",
            procedure=("53.05", "腹股沟疝无张力修补术"),
            stay=(2, 4),
            ages=(40, 85),
            sex="M",
        ),
        Case(
            code="C16.9",
            name="胃恶性肿瘤",
            weight=10,
            complaint="上腹部隐痛不适3个月，伴食欲下降、消瘦",
            treatment="胃镜活检确诊，全麻下行腹腔镜根治性远端胃大部切除术，术后恢复顺利",
            orders="少量多餐，由流质逐步过渡到软食；餐后平卧20分钟；等待病理结果，2周后门诊决定后续治疗",
            medication="奥美拉唑肠溶胶囊 20mg 每日一次；肠内营养粉剂 每次6勺 每日三次",
            procedure=("43.7", "腹腔镜根治性远端胃大部切除术"),
            stay=(10, 15),
            ages=(45, 85),
        ),
        Case(
            code="C50.9",
            name="乳腺恶性肿瘤",
            weight=10,
            complaint="发现左乳肿物1个月",
            treatment="空芯针穿刺活检确诊，全麻下行左乳癌改良根治术",
            orders="术侧上肢避免测血压、抽血、提重物，循序渐进做患肢功能锻炼；记录引流量；"
            "2周后门诊拔管并确定后续治疗方案",
            medication="",
            procedure=("85.43", "乳腺癌改良根治术"),
            stay=(7, 12),
            ages=(35, 75),
            sex="F",
        ),
        Case(
            code="K56.7",
            name="肠梗阻",
            weight=6,
            complaint="腹痛、腹胀，停止排气排便2天",
            treatment="禁食、胃肠减压、补液等保守治疗，症状缓解",
            orders="少渣饮食，少量多餐，保持大便通畅；再出现腹痛、腹胀、呕吐及时就诊",
            medication="",
            stay=(5, 10),
            ages=(40, 90),
        ),
    ),
    "WK-GK": (
        Case(
            code="S72.0",
            name="股骨颈骨折",
            weight=18,
            complaint="跌倒致右髋部疼痛、活动受限1天",
            treatment="腰硬联合麻醉下行右侧人工股骨头置换术，术后康复训练",
            orders="3个月内避免患肢内收内旋、坐矮凳及跷二郎腿；助行器辅助逐步负重行走，防跌倒；"
            "术后1个月骨科门诊复查X线",
            medication="利伐沙班片 10mg 每日一次（共35天）；碳酸钙D3片 600mg 每日一次；"
            "阿仑膦酸钠片 70mg 每周一次（晨起空腹）",
            procedure=("81.52", "人工股骨头置换术"),
            stay=(7, 15),
            ages=(65, 95),
            comorbidities=(HTN, OSTEOPOROSIS, T2DM),
        ),
        Case(
            code="M17.9",
            name="膝关节骨性关节炎",
            weight=12,
            complaint="双膝关节疼痛5年，加重伴行走困难半年",
            treatment="腰硬联合麻醉下行左侧全膝关节置换术，术后康复锻炼",
            orders="坚持股四头肌及屈伸功能锻炼；使用助行器，防跌倒；术后1个月骨科门诊复查",
            medication="利伐沙班片 10mg 每日一次（共14天）；塞来昔布胶囊 200mg 每日一次",
            procedure=("81.54", "全膝关节置换术"),
            stay=(7, 12),
            ages=(55, 85),
            comorbidities=(HTN, OSTEOPOROSIS),
        ),
        Case(
            code="M51.2",
            name="腰椎间盘突出症",
            weight=12,
            complaint="腰痛伴左下肢放射痛3个月",
            treatment="局麻下行经皮椎间孔镜下腰椎髓核摘除术",
            orders="佩戴腰围3个月，避免弯腰提重物及久坐；6周后逐步锻炼腰背肌；1个月后门诊复查",
            medication="甲钴胺片 0.5mg 每日三次",
            procedure=("80.51", "经皮椎间孔镜下腰椎髓核摘除术"),
            stay=(4, 8),
            ages=(30, 70),
        ),
        Case(
            code="S52.5",
            name="桡骨远端骨折",
            weight=8,
            complaint="摔伤致右腕部肿痛、畸形2小时",
            treatment="臂丛麻醉下行桡骨远端骨折切开复位钢板内固定术",
            orders="抬高患肢，主动活动手指；4周后开始腕关节功能锻炼；术后2周拆线，1个月复查X线",
            medication="",
            procedure=("79.32", "桡骨骨折切开复位内固定术"),
            stay=(3, 7),
            ages=(20, 85),
        ),
    ),
    "WK-MN": (
        Case(
            code="N20.1",
            name="输尿管结石",
            weight=15,
            complaint="左侧腰部绞痛伴肉眼血尿1天",
            treatment="腰麻下行输尿管镜下钬激光碎石取石术，留置双J管",
            orders="每日饮水2000–3000毫升；双J管需在1个月后返院拔除，切勿遗忘；发热、腰痛加重及时就诊",
            medication="盐酸坦索罗辛缓释胶囊 0.2mg 每晚一次",
            procedure=("56.0", "输尿管镜下钬激光碎石取石术"),
            stay=(3, 6),
            ages=(25, 70),
        ),
        Case(
            code="N40",
            name="前列腺增生",
            weight=12,
            complaint="尿频、夜尿增多伴排尿困难2年",
            treatment="腰麻下行经尿道前列腺电切术",
            orders="多饮水，避免憋尿、久坐及饮酒；1个月内避免骑车和重体力活动；术后1个月门诊复查",
            medication="非那雄胺片 5mg 每日一次",
            procedure=("60.29", "经尿道前列腺电切术"),
            stay=(5, 8),
            ages=(55, 88),
            sex="M",
            comorbidities=(HTN,),
        ),
    ),
    "FCK-CK": (
        Case(
            code="O80",
            name="单胎顺产",
            weight=55,
            complaint="停经39周余，规律下腹痛6小时",
            treatment="经阴道分娩一活婴，会阴裂伤缝合，产后恢复良好",
            orders="保持会阴清洁；坚持母乳喂养，按需哺乳；产后42天母婴一同门诊复查；恶露增多、发热及时就诊",
            medication="",
            stay=(2, 4),
            ages=(20, 42),
            sex="F",
            comorbidities=(GDM, PREGNANCY_ANAEMIA),
        ),
        Case(
            code="O82",
            name="剖宫产单胎分娩",
            weight=40,
            complaint="停经39周，瘢痕子宫，要求手术终止妊娠",
            treatment="腰硬联合麻醉下行子宫下段剖宫产术，娩出一活婴，术后恢复良好",
            orders="保持腹部切口清洁干燥；6周内禁盆浴及性生活，避免提重物；坚持母乳喂养；产后42天复查",
            medication="",
            procedure=("74.1", "子宫下段剖宫产术"),
            stay=(4, 6),
            ages=(22, 42),
            sex="F",
            comorbidities=(GDM, GESTATIONAL_HTN, PREGNANCY_ANAEMIA),
        ),
    ),
    "FCK-FK": (
        Case(
            code="D25.9",
            name="子宫平滑肌瘤",
            weight=20,
            complaint="体检发现子宫肌瘤2年，月经量增多半年",
            treatment="全麻下行腹腔镜子宫肌瘤剔除术",
            orders="1个月内禁盆浴及性生活；避孕1–2年；1个月后妇科门诊复查",
            medication="",
            procedure=("68.29", "腹腔镜子宫肌瘤剔除术"),
            stay=(4, 7),
            ages=(30, 55),
            sex="F",
        ),
        Case(
            code="N83.2",
            name="卵巢囊肿",
            weight=15,
            complaint="体检发现右侧卵巢囊肿3个月",
            treatment="全麻下行腹腔镜右侧卵巢囊肿剥除术",
            orders="1个月内禁盆浴及性生活；术后1个月妇科门诊复查超声",
            medication="",
            procedure=("65.25", "腹腔镜卵巢囊肿剥除术"),
            stay=(3, 6),
            ages=(18, 50),
            sex="F",
        ),
    ),
    "EK-EK": (
        Case(
            code="J18.0",
            name="支气管肺炎",
            weight=30,
            complaint="发热、咳嗽4天，伴气促1天",
            treatment="头孢呋辛静滴抗感染，雾化吸入、拍背排痰",
            orders="多饮水，保持室内空气流通，避免去人多的场所；1周后儿科门诊复诊",
            medication="阿奇霉素干混悬剂 按体重10mg/kg 每日一次（共3天）",
            stay=(5, 8),
            ages=(0, 6),
        ),
        Case(
            code="J21.9",
            name="急性毛细支气管炎",
            weight=10,
            complaint="咳嗽、喘息3天",
            treatment="雾化吸入、吸痰、保持呼吸道通畅",
            orders="少量多次喂养，抬高头肩部；呼吸急促、吃奶差及时就诊；1周后复诊",
            medication="",
            stay=(4, 7),
            ages=(0, 1),
        ),
        Case(
            code="A08.0",
            name="轮状病毒性肠炎",
            weight=15,
            complaint="腹泻、呕吐2天，大便每日8–10次",
            treatment="补液纠正脱水，口服补液盐、蒙脱石散",
            orders="继续母乳或日常饮食，少量多餐；注意尿量和精神状态，尿少、精神差及时就诊",
            medication="口服补液盐散（III） 少量多次口服；蒙脱石散 1袋 每日三次",
            stay=(3, 5),
            ages=(0, 3),
        ),
    ),
    "EK-XSE": (
        Case(
            code="P59.9",
            name="新生儿黄疸",
            weight=45,
            complaint="生后3天，皮肤黄染进行性加重1天",
            treatment="蓝光照射治疗，监测经皮胆红素，黄疸消退",
            orders="按需母乳喂养，保证奶量；居家观察皮肤黄染，出院3天后复查经皮胆红素",
            medication="",
            stay=(3, 6),
        ),
        Case(
            code="P07.3",
            name="早产儿",
            weight=15,
            complaint="胎龄34周早产，生后气促、吃奶差",
            treatment="暖箱保暖，鼻导管吸氧，逐步经口喂养",
            orders="注意保暖，按需喂养，记录奶量和体重；出院1周后新生儿门诊复诊，按时眼底筛查",
            medication="",
            stay=(8, 15),
        ),
        Case(
            code="P22.1",
            name="新生儿暂时性呼吸增快",
            weight=10,
            complaint="生后气促、呻吟2小时",
            treatment="吸氧、监护，呼吸平稳后停氧",
            orders="注意保暖，按需喂养；呼吸急促、口周发青及时就诊",
            medication="",
            stay=(3, 6),
        ),
        Case(
            code="P36.9",
            name="新生儿败血症",
            weight=8,
            complaint="生后5天，反应差、吃奶少、发热1天",
            treatment="抗感染治疗，血培养转阴",
            orders="注意手卫生和脐部护理；体温异常、吃奶差及时就诊；出院1周后复诊",
            medication="",
            stay=(7, 14),
        ),
    ),
    "YK-BQ": (
        Case(
            code="H25.9",
            name="老年性白内障",
            weight=20,
            complaint="双眼视物模糊2年，右眼加重半年",
            treatment="表麻下行右眼白内障超声乳化吸除+人工晶体植入术",
            orders="术眼避免揉压、进水，2周内勿弯腰低头用力；按时滴眼药；术后1天、1周、1个月复查",
            medication=_EYE_DROPS,
            procedure=("13.41", "白内障超声乳化吸除+人工晶体植入术"),
            stay=(2, 3),
            ages=(55, 90),
        ),
        Case(
            code="H40.1",
            name="原发性开角型青光眼",
            weight=10,
            complaint="双眼视物模糊、眼胀1年",
            treatment="局麻下行左眼小梁切除术，眼压控制正常",
            orders="按时滴眼药，避免一次大量饮水；勿在暗处久留；1周后眼科门诊复查眼压",
            medication="布林佐胺滴眼液 每次1滴 每日两次",
            procedure=("12.64", "小梁切除术"),
            stay=(3, 6),
            ages=(40, 85),
        ),
        Case(
            code="H33.0",
            name="孔源性视网膜脱离",
            weight=8,
            complaint="右眼前黑影遮挡1周",
            treatment="局麻下行右眼玻璃体切割+视网膜复位+硅油填充术",
            orders="严格俯卧位，每日16小时以上，持续2周；避免剧烈运动；3个月后返院取出硅油",
            medication=_EYE_DROPS,
            procedure=("14.74", "玻璃体切割术"),
            stay=(5, 8),
            ages=(30, 75),
        ),
    ),
}

# Day surgery (in, operated and out within 24 hours), by department code.
DAY_SURGERY_CASES: dict[str, tuple[Case, ...]] = {
    "YK": (
        Case(
            code="H25.9",
            name="老年性白内障",
            weight=70,
            complaint="右眼视物模糊1年",
            treatment="日间手术：表麻下行右眼白内障超声乳化吸除+人工晶体植入术",
            orders="术眼避免揉压、进水；按时滴眼药；术后第1天、1周、1个月复查",
            medication=_EYE_DROPS,
            procedure=("13.41", "白内障超声乳化吸除+人工晶体植入术"),
            stay=(0, 1),
            ages=(55, 90),
        ),
        Case(
            code="H11.0",
            name="翼状胬肉",
            weight=30,
            complaint="左眼内眦部肉样组织生长2年",
            treatment="日间手术：局麻下行左眼翼状胬肉切除+结膜瓣转移术",
            orders="避免风沙及强光刺激，外出戴太阳镜；术后7–10天拆线",
            medication=_EYE_DROPS,
            procedure=("11.32", "翼状胬肉切除+结膜瓣转移术"),
            stay=(0, 1),
            ages=(35, 80),
        ),
    ),
    "WK": (
        Case(
            code="K40.9",
            name="腹股沟疝",
            weight=25,
            complaint="左侧腹股沟区可复性肿物1年",
            treatment="日间手术：全麻下行腹腔镜腹股沟疝修补术",
            orders="3个月内避免提重物及用力咳嗽；" + _WOUND + "1周后门诊复查",
            medication="",
            procedure=("53.05", "腹腔镜腹股沟疝修补术"),
            stay=(0, 1),
            ages=(40, 85),
            sex="M",
        ),
        Case(
            code="D17.9",
            name="脂肪瘤",
            weight=25,
            complaint="发现背部皮下肿物3年",
            treatment="日间手术：局麻下行体表肿物切除术，送病理",
            orders=_WOUND + "7天后拆线，1周后门诊看病理结果",
            medication="",
            procedure=("86.3", "体表肿物切除术"),
            stay=(0, 0),
            ages=(20, 75),
        ),
        Case(
            code="I83.9",
            name="下肢静脉曲张",
            weight=20,
            complaint="左下肢静脉迂曲扩张10年，久站后酸胀",
            treatment="日间手术：腰麻下行大隐静脉高位结扎+剥脱术",
            orders="穿医用弹力袜1–3个月；抬高患肢，早期下床活动",
            medication="",
            procedure=("38.59", "大隐静脉高位结扎+剥脱术"),
            stay=(0, 1),
            ages=(40, 80),
        ),
        Case(
            code="K64.9",
            name="混合痔",
            weight=20,
            complaint="便血、肛门肿物脱出1年",
            treatment="日间手术：腰麻下行混合痔外剥内扎术",
            orders="多饮水、多吃蔬菜，保持大便通畅；便后温水坐浴；出血多及时就诊",
            medication="",
            procedure=("49.46", "痔切除术"),
            stay=(0, 1),
            ages=(25, 75),
        ),
    ),
}

# Out-patient cases by department code.
CLINIC_CASES: dict[str, tuple[Case, ...]] = {
    "NK": (
        Case(
            code="I10",
            name="原发性高血压",
            weight=20,
            complaint="头晕1周，自测血压偏高",
            treatment="处方：苯磺酸氨氯地平片 5mg 每日一次；低盐饮食，家庭自测血压",
            ages=(35, 85),
        ),
        Case(
            code="E11.9",
            name="2型糖尿病",
            weight=20,
            complaint="口干、多饮1个月，空腹血糖8.6mmol/L",
            treatment="处方：盐酸二甲双胍片 0.5g 每日三次；糖尿病饮食教育",
            ages=(30, 85),
        ),
        Case(
            code="J06.9",
            name="急性上呼吸道感染",
            weight=25,
            complaint="咽痛、流涕、低热2天",
            treatment="处方：连花清瘟胶囊 4粒 每日三次；多饮水，注意休息",
            ages=(18, 80),
        ),
        Case(
            code="K29.5",
            name="慢性胃炎",
            weight=15,
            complaint="上腹胀痛、反酸1个月",
            treatment="处方：雷贝拉唑钠肠溶片 10mg 每日一次；规律饮食，建议胃镜检查",
            ages=(25, 80),
        ),
        Case(
            code="E78.5",
            name="高脂血症",
            weight=10,
            complaint="体检发现血脂升高",
            treatment="处方：阿托伐他汀钙片 20mg 每晚一次；低脂饮食，6周后复查血脂",
            ages=(35, 80),
        ),
        Case(
            code="J20.9",
            name="急性支气管炎",
            weight=10,
            complaint="咳嗽、咳痰1周",
            treatment="处方：盐酸氨溴索片 30mg 每日三次；多饮水，避免受凉",
            ages=(18, 85),
        ),
    ),
    "WK": (
        Case(
            code="S93.4",
            name="踝关节扭伤",
            weight=15,
            complaint="扭伤致右踝肿痛1天",
            treatment="冰敷、弹力绷带固定，抬高患肢；1周后复诊",
            ages=(15, 60),
        ),
        Case(
            code="M54.5",
            name="下背痛",
            weight=15,
            complaint="腰痛2周，久坐后加重",
            treatment="处方：塞来昔布胶囊 200mg 每日一次；腰背肌锻炼，避免久坐",
            ages=(25, 75),
        ),
        Case(
            code="L02.9",
            name="皮肤脓肿",
            weight=10,
            complaint="背部红肿疼痛3天",
            treatment="局麻下脓肿切开引流，隔日换药",
            ages=(18, 75),
        ),
        Case(
            code="S61.9",
            name="手部开放性伤口",
            weight=10,
            complaint="刀割伤左手示指30分钟",
            treatment="清创缝合，注射破伤风抗毒素；7天后拆线",
            ages=(18, 70),
        ),
        Case(
            code="K80.2",
            name="胆囊结石",
            weight=10,
            complaint="体检发现胆囊结石，偶有右上腹隐痛",
            treatment="低脂饮食，建议择期手术",
            ages=(30, 80),
        ),
        Case(
            code="N20.0",
            name="肾结石",
            weight=10,
            complaint="左侧腰痛3天",
            treatment="处方：盐酸坦索罗辛缓释胶囊 0.2mg 每晚一次；多饮水，1个月后复查超声",
            ages=(25, 70),
        ),
    ),
    "FCK": (
        Case(
            code="Z34.9",
            name="正常妊娠监督",
            weight=30,
            complaint="停经28周，定期产前检查",
            treatment="产科检查未见异常，预约下次产检",
            ages=(20, 42),
            sex="F",
        ),
        Case(
            code="N76.0",
            name="急性阴道炎",
            weight=15,
            complaint="白带增多伴外阴瘙痒5天",
            treatment="处方：克霉唑阴道片 0.5g 单次",
            ages=(20, 55),
            sex="F",
        ),
        Case(
            code="N92.6",
            name="月经紊乱",
            weight=10,
            complaint="月经周期不规律半年",
            treatment="性激素六项、盆腔超声检查；1周后复诊",
            ages=(16, 50),
            sex="F",
        ),
        Case(
            code="N60.1",
            name="乳腺囊性增生病",
            weight=10,
            complaint="经前双乳胀痛半年",
            treatment="乳腺超声检查；调畅情志，3个月后复查",
            ages=(25, 55),
            sex="F",
        ),
    ),
    "EK": (
        Case(
            code="J06.9",
            name="急性上呼吸道感染",
            weight=35,
            complaint="发热、流涕1天",
            treatment="对症退热，多饮水；体温超过38.5℃口服布洛芬混悬液",
            ages=(0, 14),
        ),
        Case(
            code="J20.9",
            name="急性支气管炎",
            weight=15,
            complaint="咳嗽5天，有痰",
            treatment="处方：氨溴索口服溶液 每次2.5ml 每日两次",
            ages=(1, 14),
        ),
        Case(
            code="A09.9",
            name="急性胃肠炎",
            weight=15,
            complaint="呕吐、腹泻1天",
            treatment="口服补液盐，清淡饮食；尿少、精神差及时就诊",
            ages=(0, 14),
        ),
        Case(
            code="J02.9",
            name="急性咽炎",
            weight=10,
            complaint="咽痛、低热2天",
            treatment="多饮水，清淡饮食，对症处理",
            ages=(3, 14),
        ),
        Case(
            code="L30.9",
            name="湿疹",
            weight=10,
            complaint="面部、四肢皮疹伴瘙痒2周",
            treatment="处方：丁酸氢化可的松乳膏 外用 每日两次；加强保湿",
            ages=(0, 6),
        ),
    ),
    "YK": (
        Case(
            code="H52.1",
            name="近视",
            weight=20,
            complaint="看远处模糊半年",
            treatment="验光配镜，注意用眼卫生，半年后复查视力",
            ages=(6, 40),
        ),
        Case(
            code="H10.9",
            name="结膜炎",
            weight=15,
            complaint="双眼红、分泌物增多3天",
            treatment="处方：左氧氟沙星滴眼液 每次1滴 每日四次",
            ages=(5, 80),
        ),
        Case(
            code="H04.1",
            name="干眼症",
            weight=15,
            complaint="双眼干涩、异物感3个月",
            treatment="处方：玻璃酸钠滴眼液 每次1滴 每日四次；减少连续用眼时间",
            ages=(20, 80),
        ),
        Case(
            code="H25.9",
            name="老年性白内障",
            weight=15,
            complaint="双眼视物模糊1年",
            treatment="裂隙灯检查，建议择期白内障手术",
            ages=(55, 90),
        ),
    ),
}

HEALTH_CHECK_DIAGNOSIS: Code = ("Z00.0", "健康查体")

# Abnormal health-check findings: (kind, text, value ranges (low, high, decimals)).
FINDINGS: tuple[tuple[str, str, tuple[tuple[float, float, int], ...]], ...] = (
    ("lipids", "总胆固醇 {} mmol/L 偏高", ((5.8, 8.2, 1),)),
    ("lipids", "甘油三酯 {} mmol/L 偏高", ((2.3, 6.5, 2),)),
    ("lipids", "低密度脂蛋白胆固醇 {} mmol/L 偏高", ((3.8, 5.6, 2),)),
    ("glucose", "空腹血糖 {} mmol/L 偏高", ((6.2, 11.5, 1),)),
    ("glucose", "糖化血红蛋白 {}% 偏高", ((6.2, 9.8, 1),)),
    ("blood_pressure", "血压 {}/{} mmHg 偏高", ((142, 178, 0), (90, 108, 0))),
    ("liver_function", "谷丙转氨酶 {} U/L 偏高", ((56, 180, 0),)),
    ("liver_function", "γ-谷氨酰转移酶 {} U/L 偏高", ((65, 210, 0),)),
    ("kidney_function", "血肌酐 {} μmol/L 偏高", ((112, 180, 0),)),
    ("uric_acid", "血尿酸 {} μmol/L 偏高", ((430, 620, 0),)),
    ("thyroid", "促甲状腺激素 {} mIU/L 偏高", ((4.8, 12.0, 2),)),
    ("imaging", "腹部超声：脂肪肝（轻度）", ()),
    ("imaging", "甲状腺超声：右叶结节 {}×{}cm，TI-RADS 3类", ((0.6, 1.5, 1), (0.4, 1.0, 1))),
    ("imaging", "胸部CT：右肺上叶磨玻璃结节 {}mm，建议3个月后复查", ((4, 9, 0),)),
    ("other", "血红蛋白 {} g/L 偏低", ((85, 108, 0),)),
    ("other", "碳13呼气试验阳性（幽门螺杆菌感染）", ()),
)

# The out-patient diagnosis when a health-check finding is re-checked in 内科.
RECHECK_DIAGNOSES: dict[str, Code] = {
    "lipids": HLP,
    "glucose": ("R73.9", "高血糖症"),
    "blood_pressure": HTN,
    "liver_function": ("R74.0", "转氨酶升高"),
    "kidney_function": ("R94.4", "肾功能检查结果异常"),
    "uric_acid": ("E79.0", "高尿酸血症"),
    "thyroid": ("E03.9", "甲状腺功能减退症"),
}
