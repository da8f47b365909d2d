"""Short bilingual labels of the model parameters (``commsim.params``), for sensitivity
figures and the brief's list of assumptions. Meanings, units and sources stay in the parameter
table; a parameter without a label here (a policy's or a plugin's) is shown by its name.
"""

from __future__ import annotations

from commsim.report.vocab import Lang, ScenarioTitles

PARAM_LABELS: dict[str, tuple[str, str]] = {
    "persons_per_household": ("Persons per household", "户均人口"),
    "income_minimum_yuan_month": ("Income, minimum-income households", "低保户收入"),
    "income_low_yuan_month": ("Income, low-income households", "低收入户收入"),
    "income_middle_yuan_month": ("Income, middle-income households", "中等收入户收入"),
    "income_high_yuan_month": ("Income, high-income households", "高收入户收入"),
    "income_sd_log": ("Income spread within a class", "组内收入离散度"),
    "neighbour_ties": ("Neighbour ties per household", "户均邻里联系数"),
    "satisfaction_initial_mean": ("Initial satisfaction", "初始满意度"),
    "trust_initial_mean": ("Initial trust in the firm", "初始信任度"),
    "belonging_commercial": ("Belonging, commercial estates", "商品房小区归属感"),
    "belonging_old": ("Belonging, old estates", "老旧小区归属感"),
    "belonging_resettlement": ("Belonging, resettlement estates", "安置小区归属感"),
    "belonging_work_unit": ("Belonging, work-unit estates", "单位小区归属感"),
    "firm_cost_ratio": ("Firm's cost as a share of the fee", "物业成本占收费比例"),
    "firm_fixed_cost_share": ("Firm's fixed-cost share", "物业固定成本比例"),
    "firm_target_margin": ("Firm's target margin", "物业目标利润率"),
    "firm_revenue_smoothing": ("Firm's revenue expectation weight", "物业收入预期权重"),
    "firm_scale_elasticity": ("Economies of scale", "规模经济弹性"),
    "firm_scale_reference_area_m2": ("Reference managed area", "规模参照面积"),
    "supervision_margin_capture": ("Margin spent under supervision", "监督下用于服务的利润份额"),
    "supervision_efficiency_gain": ("Efficiency gained from supervision", "监督带来的服务效率"),
    "infrastructure_commercial": ("Facilities, commercial estates", "商品房小区设施条件"),
    "infrastructure_old": ("Facilities, old estates", "老旧小区设施条件"),
    "infrastructure_resettlement": ("Facilities, resettlement estates", "安置小区设施条件"),
    "infrastructure_work_unit": ("Facilities, work-unit estates", "单位小区设施条件"),
    "failure_prob_max": ("Failure chance at zero quality", "零质量时故障概率"),
    "failure_prob_min": ("Failure chance at full quality", "满质量时故障概率"),
    "failure_quality_exponent": ("Curvature of failures in quality", "故障-质量曲率"),
    "self_management_fee_share": ("Fee under self-management", "业主自管收费比例"),
    "self_management_cost_ratio": ("Cost of self-management", "业主自管成本"),
    "self_management_quality_cap": ("Quality cap of self-management", "业主自管质量上限"),
    "unmanaged_quality": ("Quality with no management", "无人管理时服务质量"),
    "complaint_propensity": ("Complaint propensity", "投诉倾向"),
    "complaint_dissatisfaction_gain": ("Dissatisfaction boost to complaints", "不满对投诉的放大"),
    "firm_complaint_hours_per_household": ("Firm complaint-desk hours", "物业投诉处理工时"),
    "oc_members": ("Owners' committee members", "业委会成员数"),
    "oc_hours_per_member_month": ("Owners' committee volunteer hours", "业委会成员志愿工时"),
    "street_hours_per_1000_households": ("Street-office hours for complaints", "街道投诉处理工时"),
    "hours_per_complaint_firm": ("Hours per complaint, firm", "物业每件投诉工时"),
    "hours_per_complaint_committee": ("Hours per complaint, committee", "委员会每件投诉工时"),
    "hours_per_complaint_community": ("Hours per complaint, community", "社区每件投诉工时"),
    "hours_per_complaint_street": ("Hours per complaint, street office", "街道每件投诉工时"),
    "hours_per_complaint_hotline": ("Hours per complaint, hotline", "热线每件投诉工时"),
    "resolve_prob_firm": ("Resolution chance, firm", "物业解决投诉概率"),
    "resolve_prob_owners_committee": ("Resolution chance, owners' committee", "业委会解决投诉概率"),
    "resolve_prob_residents_committee": ("Resolution chance, residents' committee", "居委会解决投诉概率"),
    "resolve_prob_community": ("Resolution chance, community", "社区协调解决概率"),
    "resolve_prob_street": ("Resolution chance, street office", "街道解决投诉概率"),
    "resolve_prob_hotline": ("Resolution chance, hotline", "热线解决投诉概率"),
    "escalate_prob": ("Chance to escalate a complaint", "投诉升级概率"),
    "max_wait_months": ("Months before escalating", "升级前等待月数"),
    "satisfaction_adjust_rate": ("Satisfaction adjustment rate", "满意度调整速度"),
    "satisfaction_failure_drop": ("Satisfaction lost per failure", "故障导致的满意度下降"),
    "satisfaction_wait_drop": ("Satisfaction lost per month waiting", "等待导致的满意度下降"),
    "satisfaction_resolve_gain": ("Satisfaction regained on resolution", "投诉解决后的满意度回升"),
    "satisfaction_abandon_drop": ("Satisfaction lost on giving up", "放弃投诉的满意度下降"),
    "trust_adjust_rate": ("Trust adjustment rate", "信任调整速度"),
    "trust_failure_drop": ("Trust lost per failure", "故障导致的信任下降"),
    "trust_resolve_gain": ("Trust regained on resolution", "投诉解决后的信任回升"),
    "trust_escalation_drop": ("Trust lost per escalation", "投诉升级导致的信任下降"),
    "trust_abandon_drop": ("Trust lost on giving up", "放弃投诉的信任下降"),
    "pay_intercept": ("Baseline willingness to pay", "基础缴费意愿"),
    "pay_beta_satisfaction": ("Effect of satisfaction on paying", "满意度对缴费的影响"),
    "pay_beta_trust": ("Effect of trust on paying", "信任对缴费的影响"),
    "pay_beta_norm": ("Effect of neighbours paying", "邻里缴费规范的影响"),
    "pay_beta_belonging": ("Effect of belonging on paying", "归属感对缴费的影响"),
    "pay_beta_burden": ("Effect of fee burden on paying", "缴费负担的影响"),
    "pay_beta_arrears": ("Habit of not paying", "欠费惯性"),
    "pay_arrears_cap_months": ("Cap on the arrears habit", "欠费惯性上限月数"),
    "pay_tenant_shift": ("Tenants' willingness to pay", "租户缴费意愿差异"),
    "pay_absentee_shift": ("Absent owners' willingness to pay", "空置房业主缴费意愿差异"),
    "pay_shift_old": ("Willingness to pay, old estates", "老旧小区缴费意愿差异"),
    "pay_shift_resettlement": ("Willingness to pay, resettlement estates", "安置小区缴费意愿差异"),
    "norm_estate_weight": ("Weight of the estate's payment norm", "小区缴费规范权重"),
    "participation_threshold_young": ("Participation threshold, young", "青年参与门槛"),
    "participation_threshold_middle": ("Participation threshold, middle-aged", "中年参与门槛"),
    "participation_threshold_retired": ("Participation threshold, retired", "退休居民参与门槛"),
    "participation_threshold_concentration": ("Spread of participation thresholds", "参与门槛集中度"),
    "participation_social_weight": ("Pull of neighbours taking part", "邻里参与的带动作用"),
    "participation_belonging_weight": ("Pull of belonging on taking part", "归属感对参与的作用"),
    "participation_grievance_weight": ("Pull of grievance on taking part", "不满对参与的作用"),
    "participation_noise_sd": ("Spontaneous participation", "自发参与波动"),
    "belonging_participation_gain": ("Belonging gained by taking part", "参与带来的归属感"),
    "belonging_satisfaction_weight": ("Belonging drift with satisfaction", "满意度对归属感的作用"),
    "belonging_relaxation": ("Belonging relaxation rate", "归属感回归速度"),
    "tie_rewire_prob": ("Tie rewiring chance", "邻里联系重连概率"),
    "oc_occupancy_threshold": ("Occupancy needed for a committee", "成立业委会的入住率门槛"),
    "oc_initiators_needed": ("Active owners needed for a committee", "成立业委会所需积极业主"),
    "oc_formation_hazard": ("Committee formation chance", "业委会成立概率"),
    "oc_formation_factor_old": ("Committee formation, old estates", "老旧小区业委会成立系数"),
    "oc_formation_factor_resettlement": ("Committee formation, resettlement estates", "安置小区业委会成立系数"),
    "oc_formation_factor_work_unit": ("Committee formation, work-unit estates", "单位小区业委会成立系数"),
    "oc_dissolution_hazard": ("Committee lapse chance", "业委会解散概率"),
    "oc_activity_scale": ("Participation for an active committee", "业委会充分运转所需参与率"),
    "dismissal_trigger_satisfaction": ("Satisfaction that triggers a dismissal vote", "触发解聘表决的满意度"),
    "dismissal_trigger_months": ("Months below the trigger", "低于触发线的月数"),
    "vote_cooldown_months": ("Months between votes", "表决间隔月数"),
    "vote_turnout_intercept": ("Vote turnout", "表决参与率"),
    "vote_turnout_retired_shift": ("Turnout of retired owners", "退休业主投票差异"),
    "vote_turnout_young_shift": ("Turnout of young owners", "青年业主投票差异"),
    "vote_turnout_dissatisfaction": ("Turnout from dissatisfaction", "不满对投票的作用"),
    "vote_turnout_absentee_shift": ("Turnout of absent owners", "空置房业主投票差异"),
    "vote_consent_steepness": ("Steepness of consent to dismiss", "解聘同意陡度"),
    "vote_rule": ("Legal voting thresholds", "表决法定门槛"),
    "firm_initial_cash_months": ("Firm's cash reserve", "物业现金储备"),
    "firm_exit_loss_months": ("Loss months before a firm exits", "物业退出前亏损月数"),
    "firm_entry_hazard": ("Chance to hire a firm", "选聘物业概率"),
    "trust_new_firm": ("Trust in a new firm", "对新物业的信任"),
    "staffing_norm": ("Community-worker staffing norm", "社区工作者配备标准"),
    "worker_hours_month": ("Worker hours a month", "社区工作者月工时"),
    "worker_pay_yuan_month": ("Worker pay", "社区工作者月薪"),
    "admin_hours_per_household": ("Administrative hours per household", "每户行政事务工时"),
    # households v2 (issue 11)
    "payment_model": ("Payment submodel", "缴费子模型"),
    "satisfaction_model": ("Satisfaction submodel", "满意度子模型"),
    "stance_review_rate": ("Payers reconsidering a month", "缴费户每月重新考虑概率"),
    "stance_refuser_review_rate": ("Refusers reconsidering a month", "拒缴户每月重新考虑概率"),
    "stance_regular_cut": ("Cut to pay regularly", "按时缴费阈值"),
    "stance_refusal_cut": ("Cut to refuse", "拒缴阈值"),
    "stance_return_margin": ("Hysteresis of refusal", "拒缴滞后幅度"),
    "pay_regular_lapse": ("Regular payers' lapses", "按时缴费户偶尔漏缴概率"),
    "stance_initial_arrears_max_months": ("Initial refusers' arrears", "初始拒缴户欠费月数上限"),
    "pay_beta_recruit": ("Pull of organised refusal", "集体拒缴动员效应"),
    "refusal_campaign_weight": ("Weight of the estate campaign", "小区拒缴动员权重"),
    "refusal_group_min": ("Refusers needed for a group", "形成拒缴群体所需户数"),
    "expectation_reference_fee": ("Reference fee for expectations", "期望参照物业费"),
    "expectation_reference_quality": ("Quality expected at the reference fee", "参照费用下的期望质量"),
    "expectation_fee_elasticity": ("Fee elasticity of expectations", "期望对收费的弹性"),
    "expectation_floor": ("Lowest expected quality", "最低期望质量"),
    "expectation_shift_old": ("Expectations, old estates", "老旧小区期望调整"),
    "expectation_shift_resettlement": ("Expectations, resettlement estates", "安置小区期望调整"),
    "expectation_experience_weight": ("Weight of experience in expectations", "经验在期望中的权重"),
    "expectation_adapt_rate": ("Adaptation of expectations", "期望适应速度"),
    "satisfaction_neutral": ("Satisfaction when service meets expectations", "服务符合期望时的满意度"),
    "satisfaction_vfm_sensitivity": ("Sensitivity to value for money", "对性价比的敏感度"),
    "complaint_propensity_cv": ("Spread of propensity to complain", "投诉倾向离散度"),
    "complaint_refuser_factor": ("Complaints of refusers", "拒缴户投诉倍数"),
    "collection_reminder_months": ("Arrears before reminders", "催缴前欠费月数"),
    "collection_reminder_hours": ("Staff time per reminder", "每次催缴工时"),
    "collection_reminder_effect": ("Effect of a reminder", "催缴效果"),
    "collection_reminder_satisfaction_drop": ("Satisfaction lost to a reminder", "催缴导致的满意度下降"),
    "collection_legal_months": ("Arrears before a suit", "起诉前欠费月数"),
    "collection_legal_prob": ("Chance of a suit a month", "每月起诉概率"),
    "collection_legal_cost_yuan": ("Cost of a suit", "每起诉讼成本"),
    "collection_legal_hours": ("Staff time per suit", "每起诉讼工时"),
    "collection_legal_return_prob": ("Sued refusers paying again", "被诉拒缴户恢复缴费概率"),
    "collection_recovery_cap_months": ("Most months a suit recovers", "诉讼可追缴月数上限"),
    "collection_legal_satisfaction_drop": ("Satisfaction lost to a suit", "诉讼导致的满意度下降"),
    "collection_legal_trust_drop": ("Trust lost to a suit", "诉讼导致的信任下降"),
    "firm_staff_cost_yuan_hour": ("Firm staff cost per hour", "物业员工每小时成本"),
}


def param_label(name: str, lang: Lang, titles: ScenarioTitles | None = None) -> str:
    """Short label of a parameter; ``policy.param`` becomes "<policy title>: param"."""
    if name in PARAM_LABELS:
        en, zh = PARAM_LABELS[name]
        return zh if lang == "zh" else en
    if "." in name:
        policy, param = name.split(".", 1)
        title = (titles or ScenarioTitles()).title(policy, lang)
        return f"{title}：{param}" if lang == "zh" else f"{title}: {param.replace('_', ' ')}"
    return name


#: parameter-table units in Chinese (others are shown as written)
UNIT_ZH: dict[str, str] = {
    "0-1": "0-1", "logit": "对数几率", "probability": "概率", "logit per unit": "对数几率/单位",
    "weight": "权重", "staff-hours": "工时", "months": "月", "yuan/household/month": "元/户/月",
    "quality factor": "质量系数", "multiplier": "倍数", "probability/month": "概率/月",
    "share of fee": "占收费比例", "share of margin": "占利润比例", "quality per effort": "单位投入的质量", "share/month": "比例/月", "0-1 per month": "0-1/月", "persons": "人",
    "probability/household/month": "概率/户/月", "share": "比例", "log-units": "对数单位",
    "ties/household": "条/户", "share of full cost": "占全部成本比例", "share of revenue": "占收入比例",
    "elasticity": "弹性", "m2": "平方米", "effort share": "投入比例", "exponent": "指数",
    "staff-hours/household/month": "工时/户/月", "hours/month": "小时/月", "staff-hours/month": "工时/月",
    "logit per unit of burden": "对数几率/单位负担", "logit per month": "对数几率/月",
    "beta concentration": "beta集中度", "owners": "名业主", "months of full cost": "个月全部成本",
    "hours/worker/month": "小时/人/月", "yuan/worker/month": "元/人/月", "hours/household/month": "小时/户/月",
    # households v2 (issue 11)
    "households": "户", "yuan/m2/month": "元/平方米/月", "0-1 per unit of quality": "0-1/单位质量",
    "coefficient of variation": "变异系数", "staff-hours/reminder": "工时/次", "staff-hours/case": "工时/件",
    "yuan/case": "元/件", "yuan/staff-hour": "元/工时",
}


def param_unit(name: str, lang: Lang) -> str:
    """Unit of a parameter from the parameter table ("" for choices and unknown names)."""
    from commsim.params import PARAMETERS

    param = PARAMETERS.params.get(name)
    if param is None or param.kind == "choice" or not param.unit:
        return ""
    return UNIT_ZH.get(param.unit, param.unit) if lang == "zh" else param.unit
