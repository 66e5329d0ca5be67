"""Seed the outcome table and the default follow-up plans (editable afterwards).

Both come from the documents distilled in domain.md: the outcomes of a
contact attempt (seeds 000 §2, §4) and who is followed up when (issue 4,
item 2). The call scripts are our own words. Running the seeding again
updates the rows by code; reversing deletes exactly these codes.
"""

from django.db import migrations

# code, label_zh, label_en, category, success, retry minutes, next window,
# try next phone, ends task, patient effect, note required.
# Shortcuts follow the order: 1–9, 0, then letters.
OUTCOMES = [
    ("reached_patient", "接通本人", "Reached the patient", "reached", True, None, False, False, True, "", False),
    ("reached_family", "接通家属", "Reached a family member", "reached", True, None, False, False, True, "", False),
    # The agent books the time the patient asked for; the task waits for it.
    ("not_convenient", "不方便，约定回访", "Not convenient, callback booked", "reached", False, None, False, False, False, "", False),
    ("no_answer", "无人接听", "No answer", "not_reached", False, 120, True, False, False, "", False),
    ("busy", "占线", "Busy", "not_reached", False, 30, False, False, False, "", False),
    # 0 minutes in a different window: the start of the next other call window.
    ("switched_off", "关机", "Switched off", "not_reached", False, 0, True, False, False, "", False),
    ("number_suspended", "停机", "Number suspended", "final", False, None, False, True, False, "number_suspended", False),
    ("number_invalid", "空号/错号", "Empty or wrong number", "final", False, None, False, True, False, "number_invalid", False),
    ("no_phone", "无电话", "No phone on record", "final", False, None, False, False, True, "", False),
    # Refusing this call is not opting out of every future contact.
    ("refused", "拒绝回访", "Refused the follow-up", "final", False, None, False, False, True, "", True),
    ("scam_hangup", "疑为诈骗挂断", "Hung up, thought it a scam", "not_reached", False, 24 * 60, True, False, False, "", False),
    # A family member may help where the patient cannot hear or understand.
    ("communication_barrier", "沟通障碍（听力/语言/方言）", "Communication barrier (hearing, language, dialect)", "final", False, None, False, True, False, "", True),
    ("deceased", "患者已故", "Patient deceased", "final", False, None, False, False, True, "deceased", True),
    ("readmitted", "再次住院", "Readmitted", "final", False, None, False, False, True, "readmitted", False),
    ("transferred", "转院", "Transferred to another hospital", "final", False, None, False, False, True, "transferred", False),
]

SHORTCUTS = "1234567890abcdefghijklmnopqrstuvwxyz"

# --- Call scripts -----------------------------------------------------------
# Placeholders: {patient_title} {patient_name} {hospital} {agent} {department}
# {discharge_date}. Lines in 【】 are notes for the agent, not read aloud.

_OPENING = (
    "{patient_title}您好！我是{hospital}随访中心的{agent}。请问您是{patient_name}本人，"
    "还是{patient_name}的家人？\n"
    "【接听的若不是本人：只说明是医院的例行随访，不提具体病情和诊断。】\n"
    "这次来电想花几分钟了解一下您的恢复情况，请问现在方便说话吗？\n"
    "【不方便：请对方说一个合适的时间，记录为“不方便，约定回访”，按时再打。】\n"
)

_SAFETY = (
    "如果有哪里不舒服，电话里我没办法替医生判断，建议您尽早来院，请医生当面看一看。\n"
    "【不在电话里做诊断，也不建议增减药物。对方说有不适或情况加重时，"
    "请其尽快就诊，并及时报告主治医生或上级医师。】\n"
)

_CLOSING = (
    "您对我们的工作还有什么意见或建议吗？我都会如实记下并转给相关科室。\n"
    "有需要可以随时打医院的服务电话。谢谢您的时间，祝您早日康复，再见！\n"
    "【等对方先挂电话；挂断后马上把情况录入系统。】"
)

SCRIPT_INPATIENT_FIRST = (
    _OPENING
    + "您是{discharge_date}从{department}出院的，回家这几天感觉怎么样？\n"
    "饭量、睡眠、下地活动还好吗？出院带的药有没有按时吃，吃完有没有哪里不舒服？\n"
    "伤口或原来的症状有没有什么变化？心情怎么样？\n"
    + _SAFETY
    + "提醒您按出院医嘱的时间回来复查；复查怎么挂号，我可以再跟您说一遍。\n"
    + _CLOSING
)

SCRIPT_INPATIENT_SATISFACTION = (
    "{patient_title}您好，{hospital}{department}想听听您对这次住院的感受。"
    "问卷大约三分钟，填不填完全由您决定，每一条意见我们都会认真看。谢谢您！"
)

SCRIPT_INPATIENT_TARGETED = (
    _OPENING
    + "您从{department}出院已经一个月左右了，现在身体恢复得怎么样？\n"
    "平时的饮食和活动量怎么安排？药还在坚持吃吗，有没有自己停药或减量？\n"
    "血压、血糖之类需要自己测的指标，最近测得怎么样？\n"
    + _SAFETY
    + "按医生交代的时间复查很重要，需要的话我帮您确认一下复查的日子。\n"
    + _CLOSING
)

SCRIPT_DAY_SURGERY = (
    _OPENING
    + "您前几天在{department}做了门诊手术，现在伤口感觉怎么样？有没有红肿、渗液或者发热？\n"
    "疼得厉害吗？医生开的药和换药、拆线的安排还清楚吗？\n"
    + _SAFETY
    + _CLOSING
)

SCRIPT_MATERNITY = (
    _OPENING
    + "您和宝宝是{discharge_date}出院的，这几天妈妈身体恢复得怎么样？伤口、恶露、乳房有没有不舒服？\n"
    "宝宝吃奶、睡觉、大小便怎么样？皮肤黄不黄？\n"
    "家里有人帮忙照顾吗？心情还好吗？\n"
    + _SAFETY
    + "别忘了产后复查和宝宝的体检、预防接种，时间我可以再跟您确认一下。\n"
    + _CLOSING
)

SCRIPT_SPECIALIST_FIRST_VISIT = (
    _OPENING
    + "您一周前第一次来{department}看诊，回去以后情况有没有好转？\n"
    "医生开的检查都做了吗？药吃起来有没有不舒服？\n"
    + _SAFETY
    + "需要复诊的话，我可以告诉您怎么预约。\n"
    + _CLOSING
)

SCRIPT_GENERAL_FIRST_VISIT = (
    _OPENING
    + "您前些天来{department}看过病，现在感觉怎么样？症状减轻了吗？\n"
    "医生交代的事项，比如吃药、休息、复查，还有不清楚的地方吗？\n"
    + _SAFETY
    + _CLOSING
)

SCRIPT_HEALTH_CHECK = (
    _OPENING
    + "您在我院体检，有几项结果需要再留意一下。报告您拿到了吗？医生的建议看明白了吗？\n"
    "建议您到相应的专科复查一次，请问您打算什么时候来？需要的话我帮您说明挂哪个科。\n"
    "【只说“需要复查的项目”，不在电话里解读结果、不下结论。】\n"
    + _SAFETY
    + _CLOSING
)

ABNORMAL_FINDING_KINDS = [
    "lipids",
    "glucose",
    "blood_pressure",
    "liver_function",
    "kidney_function",
    "uric_acid",
    "thyroid",
    "imaging",
    "other",
]

# code, name, description, priority, encounter kinds, tags, touchpoints.
# Touchpoint: code, name, anchor, offset days, window (working days), channel,
# condition, questionnaire, script, repeat every (days), repeat max.
PLANS = [
    (
        "inpatient-discharge",
        "出院患者随访",
        "出院后第3天首次电话随访，第15天发送满意度问卷，慢性病和手术患者第30天再做一次针对性电话随访。",
        0,
        ["inpatient"],
        [],
        [
            ("first-call", "出院首次电话随访", "discharge", 3, 4, "phone", "", "", SCRIPT_INPATIENT_FIRST, None, 0),
            ("satisfaction", "住院满意度问卷", "discharge", 15, 10, "web", "", "inpatient-satisfaction", SCRIPT_INPATIENT_SATISFACTION, None, 0),
            ("targeted-call", "出院一个月针对性随访", "discharge", 30, 5, "phone", "chronic_or_surgical", "", SCRIPT_INPATIENT_TARGETED, None, 0),
        ],
    ),
    (
        "outpatient-surgery",
        "门诊手术随访",
        "门诊（日间）手术后一周内电话随访。",
        0,
        ["day_surgery"],
        [],
        [
            ("first-call", "术后电话随访", "procedure", 1, 5, "phone", "", "", SCRIPT_DAY_SURGERY, None, 0),
        ],
    ),
    (
        "maternity-newborn",
        "产妇与新生儿随访",
        "产妇和新生儿出院后一周内电话随访。",
        0,
        ["maternity", "newborn"],
        [],
        [
            ("first-call", "出院首次电话随访", "discharge", 3, 4, "phone", "", "", SCRIPT_MATERNITY, None, 0),
        ],
    ),
    (
        "specialist-first-visit",
        "专科门诊初诊随访",
        "专科门诊初诊后第7天电话随访。本计划与“基础科室初诊随访”的匹配条件相同，"
        "由“科室”列表决定哪些初诊属于专科：请管理员在此填写专科科室（含下级科室）。"
        "科室为空时本计划适用于所有科室，并因优先级较高而取代基础科室计划。",
        10,
        ["outpatient"],
        ["初诊"],
        [
            ("first-call", "初诊后电话随访", "visit", 7, 3, "phone", "", "", SCRIPT_SPECIALIST_FIRST_VISIT, None, 0),
        ],
    ),
    (
        "general-first-visit",
        "基础科室初诊随访",
        "基础科室初诊后第10天电话随访。与“专科门诊初诊随访”重叠时以优先级高者为准；"
        "请管理员在此填写基础科室，并在专科计划中填写专科科室，两者才能分开。",
        5,
        ["outpatient"],
        ["初诊"],
        [
            ("first-call", "初诊后电话随访", "visit", 10, 3, "phone", "", "", SCRIPT_GENERAL_FIRST_VISIT, None, 0),
        ],
    ),
    (
        "health-check-abnormal",
        "体检异常随访",
        "体检有任一异常结果（标签中任意一项）时，7天内电话随访，此后每30天一次，"
        "直至有复查就诊记录，最多6次。",
        0,
        ["health_check"],
        ABNORMAL_FINDING_KINDS,
        [
            ("abnormal-call", "体检异常针对性随访", "visit", 1, 5, "phone", "", "", SCRIPT_HEALTH_CHECK, 30, 6),
        ],
    ),
]


def seed(apps, schema_editor):
    Outcome = apps.get_model("followups", "Outcome")
    Plan = apps.get_model("followups", "Plan")
    Touchpoint = apps.get_model("followups", "Touchpoint")

    for position, row in enumerate(OUTCOMES):
        (code, label_zh, label_en, category, success, retry, next_window, next_phone, ends,
         effect, note_required) = row
        Outcome.objects.update_or_create(
            code=code,
            defaults={
                "label_zh": label_zh,
                "label_en": label_en,
                "category": category,
                "counts_as_success": success,
                "retry_after_minutes": retry,
                "next_window": next_window,
                "try_next_phone": next_phone,
                "ends_task": ends,
                "patient_effect": effect,
                "note_required": note_required,
                "shortcut": SHORTCUTS[position],
                "is_active": True,
                "sort_order": (position + 1) * 10,
            },
        )

    for code, name, description, priority, kinds, tags, touchpoints in PLANS:
        plan, _ = Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "is_active": True,
                "priority": priority,
                "encounter_kinds": kinds,
                "tags": tags,
            },
        )
        for position, tp in enumerate(touchpoints):
            (tp_code, tp_name, anchor, offset, window, channel, condition, questionnaire,
             script, repeat_every, repeat_max) = tp
            Touchpoint.objects.update_or_create(
                plan=plan,
                code=tp_code,
                defaults={
                    "name": tp_name,
                    "anchor": anchor,
                    "offset_days": offset,
                    "window_days": window,
                    "channel": channel,
                    "condition": condition,
                    "questionnaire_code": questionnaire,
                    "script": script,
                    "call_windows": [],
                    "max_attempts": 3,
                    "repeat_every_days": repeat_every,
                    "repeat_max": repeat_max,
                    "position": position,
                },
            )


def unseed(apps, schema_editor):
    Outcome = apps.get_model("followups", "Outcome")
    Plan = apps.get_model("followups", "Plan")
    Touchpoint = apps.get_model("followups", "Touchpoint")

    codes = [plan[0] for plan in PLANS]
    Touchpoint.objects.filter(plan__code__in=codes).delete()
    Plan.objects.filter(code__in=codes).delete()
    Outcome.objects.filter(code__in=[row[0] for row in OUTCOMES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
