"""The built-in questionnaires, written for Huifang, each as active version 1.

Codes match the follow-up plans' touchpoints (``inpatient-satisfaction``)
and name the other populations. A hospital edits them in the builder:
every edit makes a new version, so these rows stay as answered.
"""

from django.db import migrations


def Q(code, kind, text, req=True, dim="", opts=None, cond=None, fb=None, rf=None, agent=False, hint=""):
    return {
        "code": code,
        "kind": kind,
        "text": text,
        "required": req,
        "dimension": dim,
        "options": [{"value": v, "label": l} for v, l in (opts or [])],
        "condition": cond or {},
        "feedback_values": fb or [],
        "red_flag_values": rf or [],
        "agent_only": agent,
        "help_text": hint,
    }


def when(item, value, op="eq"):
    return {"combine": "all", "rules": [{"item": item, "op": op, "value": value}]}


def any_of(*rules):
    return {"combine": "any", "rules": [{"item": i, "op": op, "value": v} for i, op, v in rules]}


ANSWERED_BY = Q(
    "answered-by",
    "single",
    "接听人",
    opts=[("self", "患者本人"), ("family", "家属"), ("other", "其他人")],
    agent=True,
)
LOW5 = [1, 2]  # 不太满意、不满意: opens a feedback case
LOW3 = [1]  # 不满意
SUGGESTION = Q(
    "suggestion",
    "text",
    "您对我们的工作还有什么意见或建议？",
    req=False,
    fb=["*"],
    hint="如有具体的人和事，请尽量写明科室和时间，便于我们改进。",
)
SAT5_DIMENSIONS = [
    ("sat-doctors", "doctors", "您对医生的服务满意吗？"),
    ("sat-nurses", "nurses", "您对护士的服务满意吗？"),
    ("sat-attitude", "attitude", "您对医务人员的服务态度满意吗？"),
    ("sat-technique", "technique", "您对医务人员的技术水平满意吗？"),
    ("sat-education", "education", "医务人员向您讲解病情、用药和注意事项，您满意吗？"),
    ("sat-cost", "cost", "您对收费是否清楚合理满意吗？"),
    ("sat-environment", "environment", "您对病区环境和卫生满意吗？"),
    ("sat-food", "food", "您对医院提供的饮食满意吗？"),
    ("sat-process", "process", "您对办理入院、检查和出院的流程满意吗？"),
]

QUESTIONNAIRES = [
    (
        "inpatient-discharge",
        "出院患者随访问卷",
        "出院后电话随访使用：了解恢复、用药和预警症状，宣教复查，调查各方面满意度，收集意见建议。",
        [
            ANSWERED_BY,
            Q("recovery", "single", "您出院后身体恢复得怎么样？",
              opts=[("good", "恢复良好"), ("same", "和出院时差不多"), ("worse", "比出院时差")],
              rf=["worse"]),
            Q("worse-detail", "text", "请说说哪里不舒服、从什么时候开始的。",
              cond=when("recovery", "worse"), rf=["*"]),
            Q("medication", "single", "出院带的药，您是按医嘱按时服用的吗？",
              opts=[("yes", "按时服用"), ("sometimes", "有时忘记"), ("stopped", "自行停药了"), ("none", "没有带药")]),
            Q("medication-why", "text", "请问停药或漏服的原因是什么？",
              cond=any_of(("medication", "eq", "sometimes"), ("medication", "eq", "stopped"))),
            Q("warning-signs", "multiple", "最近有没有出现以下情况？（可多选）", req=False,
              opts=[("fever", "发热（38.5℃以上）"), ("chest-pain", "胸痛或胸闷"),
                    ("breath", "呼吸困难"), ("bleeding", "出血或伤口渗液"),
                    ("none", "都没有")],
              rf=["fever", "chest-pain", "breath", "bleeding"]),
            Q("recheck-known", "yesno", "您知道什么时候回医院复查吗？", dim="education"),
            *[Q(code, "satisfaction5", text, dim=dim, fb=LOW5) for code, dim, text in SAT5_DIMENSIONS],
            Q("sat-overall", "satisfaction5", "总的来说，您对这次住院满意吗？", dim="overall", fb=LOW5),
            Q("dissatisfied-why", "text", "请告诉我们哪里让您不满意，我们会转给相关科室改进。",
              cond=any_of(("sat-overall", "lte", 2), ("sat-attitude", "lte", 2)), fb=["*"]),
            SUGGESTION,
        ],
    ),
    (
        "outpatient",
        "门诊患者随访问卷",
        "门诊就诊后随访使用：了解病情变化、用药与复诊，调查门诊服务满意度。",
        [
            ANSWERED_BY,
            Q("condition", "single", "看病以后，您的症状有变化吗？",
              opts=[("better", "好转"), ("same", "没有变化"), ("worse", "加重")], rf=["worse"]),
            Q("worse-detail", "text", "请说说症状加重的情况。", cond=when("condition", "worse"), rf=["*"]),
            Q("medication", "yesno", "医生开的药您是按说明服用的吗？", req=False),
            Q("wait-minutes", "number", "从挂号到看上医生，大约等了多少分钟？", req=False, dim="process"),
            Q("sat-doctors", "satisfaction5", "您对接诊医生满意吗？", dim="doctors", fb=LOW5),
            Q("sat-explain", "satisfaction5", "医生把病情和用药讲清楚了吗？您满意吗？", dim="education", fb=LOW5),
            Q("sat-process", "satisfaction5", "您对挂号、缴费、取药等流程满意吗？", dim="process", fb=LOW5),
            Q("sat-environment", "satisfaction5", "您对门诊环境和秩序满意吗？", dim="environment", fb=LOW5),
            Q("sat-overall", "satisfaction3", "总体来说，您对这次门诊就医满意吗？", dim="overall", fb=LOW3),
            SUGGESTION,
        ],
    ),
    (
        "surgery",
        "手术患者随访问卷",
        "手术（含日间手术）后随访使用：伤口、疼痛、发热等情况，术后注意事项和满意度。",
        [
            ANSWERED_BY,
            Q("wound", "single", "手术伤口现在怎么样？",
              opts=[("healed", "已愈合"), ("healing", "正在愈合，无异常"),
                    ("red", "红肿、疼痛加重"), ("discharge", "有渗液或流脓")],
              rf=["red", "discharge"]),
            Q("pain", "rating10", "现在伤口疼痛的程度，0 表示不痛，10 表示最痛，您打几分？",
              hint="只记录疼痛程度，不计入满意度。", rf=[7, 8, 9, 10]),
            Q("fever", "yesno", "术后有没有发热（38.5℃以上）？", rf=["yes"]),
            Q("stitches-date", "date", "拆线或换药约在哪一天？", req=False),
            Q("instructions", "yesno", "术后饮食、活动和复查的注意事项，医护人员跟您讲清楚了吗？", dim="education"),
            Q("sat-technique", "satisfaction5", "您对手术医生的技术满意吗？", dim="technique", fb=LOW5),
            Q("sat-nurses", "satisfaction5", "您对术后护理满意吗？", dim="nurses", fb=LOW5),
            Q("sat-overall", "satisfaction5", "总的来说，您对这次手术治疗满意吗？", dim="overall", fb=LOW5),
            SUGGESTION,
        ],
    ),
    (
        "maternity-newborn",
        "产妇与新生儿随访问卷",
        "产妇和新生儿出院后一周内随访使用：母亲恢复、喂养、新生儿黄疸和脐部情况，满意度。",
        [
            ANSWERED_BY,
            Q("mother-bleeding", "single", "产后恶露（出血）的情况怎么样？",
              opts=[("normal", "逐渐减少"), ("much", "量多或有大血块"), ("smell", "有异味")],
              rf=["much", "smell"]),
            Q("mother-mood", "frequency4", "最近一周，您是否觉得心情低落、容易哭？",
              rf=[3, 4], hint="经常或总是如此时，我们会请医生与您联系。"),
            Q("feeding", "single", "宝宝现在怎么喂养？",
              opts=[("breast", "纯母乳"), ("mixed", "混合喂养"), ("formula", "人工喂养")]),
            Q("feeding-trouble", "yesno", "母乳喂养有没有遇到困难（奶少、乳房胀痛等）？",
              cond=any_of(("feeding", "eq", "breast"), ("feeding", "eq", "mixed"))),
            Q("jaundice", "single", "宝宝皮肤发黄（黄疸）的情况？",
              opts=[("none", "没有或已消退"), ("mild", "轻微，在减轻"), ("worse", "越来越黄")],
              rf=["worse"]),
            Q("navel", "yesno", "宝宝脐部有没有红肿、渗液？", rf=["yes"]),
            Q("sat-nurses", "satisfaction5", "您对产科和新生儿护理满意吗？", dim="nurses", fb=LOW5),
            Q("sat-education", "satisfaction5", "您对出院时的育儿和产后指导满意吗？", dim="education", fb=LOW5),
            Q("sat-overall", "satisfaction5", "总的来说，您对这次住院分娩满意吗？", dim="overall", fb=LOW5),
            SUGGESTION,
        ],
    ),
    (
        "health-check-recheck",
        "体检异常复查随访问卷",
        "体检结果异常者的针对性随访使用：是否知晓结果、是否复查，复查前提醒。",
        [
            ANSWERED_BY,
            Q("knows-result", "yesno", "您已经知道这次体检有需要复查的项目了吗？"),
            Q("rechecked", "single", "您去复查或专科就诊了吗？",
              opts=[("done", "已经复查"), ("booked", "已经预约"), ("not-yet", "还没有"),
                    ("elsewhere", "在其他医院复查了")]),
            Q("recheck-date", "date", "预约的复查日期是哪天？", cond=when("rechecked", "booked")),
            Q("not-yet-why", "single", "还没复查的主要原因是？", cond=when("rechecked", "not-yet"),
              opts=[("busy", "工作忙没时间"), ("no-need", "觉得没必要"), ("cost", "担心费用"),
                    ("unsure", "不知道去哪个科")]),
            Q("want-booking", "yesno", "需要我们帮您预约复查吗？", cond=when("rechecked", "not-yet")),
            Q("symptoms", "yesno", "最近有没有因为这个问题感到不舒服？", rf=["yes"]),
            Q("sat-explain", "satisfaction5", "您对体检报告的解读和说明满意吗？", dim="education", fb=LOW5),
            SUGGESTION,
        ],
    ),
    (
        "complaint-verification",
        "投诉处理回访核实问卷",
        "投诉或建议经科室处理后回访患者核实使用：问题是否解决，对处理是否满意。",
        [
            ANSWERED_BY,
            Q("contacted", "yesno", "科室是否已经就您反映的问题与您联系过？"),
            Q("resolved", "single", "您反映的问题解决了吗？",
              opts=[("yes", "已经解决"), ("partly", "部分解决"), ("no", "没有解决")],
              fb=["partly", "no"]),
            Q("still-open", "text", "还有哪些没有解决？", cond=any_of(("resolved", "eq", "partly"), ("resolved", "eq", "no")),
              fb=["*"]),
            Q("sat-handling", "satisfaction3", "您对这次处理的结果满意吗？", dim="attitude", fb=LOW3),
            Q("sat-speed", "satisfaction3", "您对处理的速度满意吗？", dim="process", fb=LOW3),
            Q("may-close", "yesno", "这件事我们可以结案了吗？", agent=True),
            SUGGESTION,
        ],
    ),
    (
        "inpatient-satisfaction",
        "住院患者满意度调查",
        "参照全国医院满意度调查的住院患者问卷方式编写：以就医经历（从未/有时/经常/总是）"
        "和满意程度（五级）评价医生、护士、环境、饮食、费用和流程。出院后第15天通过短信链接发送。",
        [
            Q("exp-doctor-explain", "frequency4", "住院期间，医生用您听得懂的方式解释病情和治疗吗？", dim="doctors", fb=[1]),
            Q("exp-doctor-listen", "frequency4", "住院期间，医生认真听您说话吗？", dim="doctors", fb=[1]),
            Q("exp-nurse-respect", "frequency4", "住院期间，护士对您礼貌、尊重吗？", dim="nurses", fb=[1]),
            Q("exp-nurse-call", "frequency4", "您按呼叫铃后，护士能及时来处理吗？", dim="nurses", fb=[1]),
            Q("exp-privacy", "frequency4", "检查和治疗时，医务人员注意保护您的隐私吗？", dim="attitude", fb=[1]),
            Q("exp-drug-explain", "frequency4", "用新药之前，医务人员告诉您药的作用和可能的不良反应吗？", dim="education"),
            Q("exp-bills", "frequency4", "您能清楚地查到每天的费用明细吗？", dim="cost"),
            Q("sat-ward-clean", "satisfaction5", "您对病房和卫生间的清洁满意吗？", dim="environment", fb=LOW5),
            Q("sat-quiet", "satisfaction5", "您对夜间病区的安静程度满意吗？", dim="environment", fb=LOW5),
            Q("sat-food", "satisfaction5", "您对住院期间的饮食满意吗？", dim="food", fb=LOW5),
            Q("sat-admission", "satisfaction5", "您对办理入院手续满意吗？", dim="process", fb=LOW5),
            Q("sat-discharge", "satisfaction5", "您对办理出院和结算满意吗？", dim="process", fb=LOW5),
            Q("sat-cost", "satisfaction5", "您对住院费用是否合理满意吗？", dim="cost", fb=LOW5),
            Q("red-envelope", "yesno", "住院期间，是否有医务人员向您索要或暗示收受红包、礼品？", fb=["yes"]),
            Q("sat-overall", "satisfaction5", "总的来说，您对这次住院满意吗？", dim="overall", fb=LOW5),
            Q("recommend", "yesno", "您愿意向亲友推荐我们医院吗？", dim="overall"),
            SUGGESTION,
        ],
    ),
    (
        "inpatient-hcahps",
        "住院就医体验调查（国际通用维度）",
        "参照 HCAHPS 的维度编写：护士沟通、医生沟通、响应及时、用药说明、出院信息、环境，"
        "以及 0–10 分的总体评分和推荐意愿，可计算“最高等级占比”和净推荐值。",
        [
            Q("nurse-courtesy", "frequency4", "住院期间，护士对您礼貌、尊重的情况如何？", dim="nurses"),
            Q("nurse-listen", "frequency4", "护士认真倾听您的情况如何？", dim="nurses"),
            Q("nurse-explain", "frequency4", "护士用您能理解的方式解释事情的情况如何？", dim="nurses"),
            Q("doctor-courtesy", "frequency4", "医生对您礼貌、尊重的情况如何？", dim="doctors"),
            Q("doctor-listen", "frequency4", "医生认真倾听您的情况如何？", dim="doctors"),
            Q("doctor-explain", "frequency4", "医生用您能理解的方式解释事情的情况如何？", dim="doctors"),
            Q("needed-help", "yesno", "住院期间，您是否需要按呼叫铃或请人帮忙？"),
            Q("help-soon", "frequency4", "需要帮助时，您能及时得到帮助的情况如何？", dim="attitude",
              cond=when("needed-help", "yes")),
            Q("new-medicine", "yesno", "住院期间，是否给您用了以前没用过的药？"),
            Q("medicine-purpose", "frequency4", "用新药前，医务人员告诉您这个药是治什么的吗？", dim="education",
              cond=when("new-medicine", "yes")),
            Q("medicine-side-effects", "frequency4", "用新药前，医务人员用您能理解的方式讲了可能的副作用吗？",
              dim="education", cond=when("new-medicine", "yes")),
            Q("clean", "frequency4", "您的病房和卫生间保持干净的情况如何？", dim="environment"),
            Q("quiet", "frequency4", "晚上病房周围保持安静的情况如何？", dim="environment"),
            Q("discharge-help", "yesno", "出院前，医务人员是否和您谈过出院后需要的帮助？", dim="education"),
            Q("discharge-symptoms", "yesno", "您是否拿到了出院后需要注意哪些症状的书面说明？", dim="education"),
            Q("overall-rating", "rating10", "如果 0 表示最差、10 表示最好，您给这次住院打几分？",
              dim="overall", fb=[0, 1, 2, 3, 4]),
            Q("recommend", "rating10", "您有多大可能向亲友推荐我们医院？0 表示完全不会，10 表示一定会。",
              dim="overall"),
            SUGGESTION,
        ],
    ),
]


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Item = apps.get_model("surveys", "Item")
    for code, title, description, items in QUESTIONNAIRES:
        if Questionnaire.objects.filter(code=code).exists():
            continue
        questionnaire = Questionnaire.objects.create(
            code=code,
            version=1,
            title=title,
            description=description,
            status="active",
            is_builtin=True,
        )
        Item.objects.bulk_create(
            [Item(questionnaire=questionnaire, position=position, **item) for position, item in enumerate(items)]
        )


def unseed(apps, schema_editor):
    Questionnaire = apps.get_model("surveys", "Questionnaire")
    Questionnaire.objects.filter(
        code__in=[row[0] for row in QUESTIONNAIRES], is_builtin=True, responses__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
