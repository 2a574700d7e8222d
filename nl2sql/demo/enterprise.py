"""A realistic enterprise-scale schema generator: thousands of warehouse tables to test on.

Usage: `enterprise_catalog(10_000)` returns, in about a second and without any database, a
deterministic Catalog of 10,000 tables (~16 columns each) named the way bank and brokerage
warehouses name them (`dwd_brk_order_detail_di`, `dws_crm_customer_by_branch_monthly`,
`ods_hs_brk_fund_flow_log`, `dim_hr_department`), with bilingual comments in the demo's format
(`中文名 | English name[ | unit]`), primary keys, declared and undeclared foreign-key chains
(order → account → customer → branch), low-cardinality value lists on text columns
(`Column.values`) and the copies that make retrieval hard: history tables (`_his`), backups
(`_bak`) and per-year shards (`_2023`). `load_enterprise(catalog, url, rows_per_table=5)`
creates it with a few rows per table in PostgreSQL (`postgresql://...`, one DDL+COMMENT+INSERT
script per batch of tables through psycopg) or DuckDB (`duckdb:///abs/file.duckdb` or a path
ending in `.duckdb`); `nl2sql demo enterprise --tables N --target URL` does both.

The same `(n_tables, seed)` always gives the same catalog, and the first tables of a larger
catalog are not promised to be those of a smaller one. Row counts in the catalog are plausible
production estimates, not the rows `load_enterprise` writes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from nl2sql.catalog.model import Catalog, Column, ForeignKey, Table
from nl2sql.errors import ConfigError, ExecutionError

__all__ = ["enterprise_catalog", "load_enterprise"]

Progress = Callable[[str, float], None]

# ---------------------------------------------------------------------------------------------
# Vocabulary. Attributes: `name; 中文名; English name; TYPE; unit; value,list` (last two optional).
# Entities: `key; 中文名; English name; refs; attributes` where refs are other entity keys.
# Entity keys are unique across domains, so `<entity>_id` names one key everywhere.

_COMMON_ATTRS = """
create_time; 创建时间; Created at; TIMESTAMP
update_time; 更新时间; Updated at; TIMESTAMP
etl_time; ETL加载时间; ETL load time; TIMESTAMP
data_date; 数据日期; Data date; DATE
src_sys; 来源系统; Source system; VARCHAR(16); ; HS,KD,SAP,CRM,OA,UF20,O32
is_deleted; 删除标志; Deleted flag; BOOLEAN
remark; 备注; Remark; VARCHAR(256)
currency; 币种; Currency; VARCHAR(8); ; CNY,USD,HKD,EUR,JPY
region; 区域; Region; VARCHAR(16); ; 华东,华南,华北,华中,西南,西北,东北
province; 省份; Province; VARCHAR(16); ; 上海,北京,广东,浙江,江苏,四川,湖北,山东,福建
city; 城市; City; VARCHAR(32)
channel; 渠道; Channel; VARCHAR(16); ; 柜台,网上,手机APP,电话,第三方
operator_id; 操作员编号; Operator ID; VARCHAR(32)
version_no; 版本号; Version number; INTEGER
"""

_DOMAINS: tuple[tuple[str, str, str, str, str], ...] = (
    ("brk", "经纪业务", "Brokerage", """
branch; 营业部; Branch; ; branch_type city province region manager_name phone open_date
security; 证券; Security; ; exchange security_type board list_date industry_name par_value
account; 资金账户; Cash account; customer branch; account_type account_status open_date close_date risk_level balance available_balance
order; 委托; Order; account security; order_side order_type order_status order_price order_qty order_time channel
trade; 成交; Trade; order account security; order_side trade_price trade_qty trade_amount commission stamp_tax trade_time
position; 持仓; Position; account security; hold_qty cost_price market_value float_pnl
fund_flow; 资金流水; Fund flow; account; flow_type flow_amount balance flow_time channel
margin_contract; 融资融券合约; Margin contract; account security; contract_type contract_status margin_amount interest_rate expire_date
ipo_subscription; 新股申购; IPO subscription; account security; apply_qty apply_date allot_qty allot_status
bank_transfer; 银证转账; Bank-securities transfer; account bank; transfer_direction transfer_amount transfer_status transfer_time
settlement; 清算交收; Settlement; account; settle_date settle_amount settle_status
commission_plan; 佣金方案; Commission plan; ; commission_rate min_commission plan_status effective_date
""", """
branch_type; 营业部类型; Branch type; VARCHAR(16); ; 标准营业部,轻型营业部,分公司
manager_name; 负责人; Manager name; VARCHAR(64)
phone; 联系电话; Phone; VARCHAR(32)
open_date; 开户日期; Open date; DATE
close_date; 销户日期; Close date; DATE
exchange; 交易所; Exchange; VARCHAR(8); ; SSE,SZSE,BSE,HKEX
security_type; 证券类别; Security type; VARCHAR(16); ; 股票,债券,基金,权证,期权
board; 板块; Board; VARCHAR(16); ; 主板,创业板,科创板,北交所
list_date; 上市日期; Listing date; DATE
industry_name; 行业名称; Industry name; VARCHAR(64)
par_value; 面值; Par value; DECIMAL(10,2); 元
account_type; 账户类型; Account type; VARCHAR(16); ; 普通,信用,期权,港股通
account_status; 账户状态; Account status; VARCHAR(16); ; 正常,冻结,挂失,销户,休眠
risk_level; 风险等级; Risk level; VARCHAR(16); ; 保守型,谨慎型,稳健型,积极型,激进型
balance; 资金余额; Balance; DECIMAL(18,2); 元
available_balance; 可用资金; Available balance; DECIMAL(18,2); 元
order_side; 买卖方向; Side; VARCHAR(8); ; 买入,卖出
order_type; 委托类型; Order type; VARCHAR(16); ; 限价,市价,大宗,盘后定价
order_status; 委托状态; Order status; VARCHAR(16); ; 已报,已成,部成,已撤,废单
order_price; 委托价格; Order price; DECIMAL(18,3); 元
order_qty; 委托数量; Order quantity; BIGINT; 股
order_time; 委托时间; Order time; TIMESTAMP
trade_price; 成交价格; Trade price; DECIMAL(18,3); 元
trade_qty; 成交数量; Trade quantity; BIGINT; 股
trade_amount; 成交金额; Trade amount; DECIMAL(20,2); 元
commission; 佣金; Commission; DECIMAL(18,2); 元
stamp_tax; 印花税; Stamp tax; DECIMAL(18,2); 元
trade_time; 成交时间; Trade time; TIMESTAMP
hold_qty; 持仓数量; Holding quantity; BIGINT; 股
cost_price; 成本价; Cost price; DECIMAL(18,3); 元
market_value; 市值; Market value; DECIMAL(20,2); 元
float_pnl; 浮动盈亏; Floating P&L; DECIMAL(20,2); 元
flow_type; 流水类型; Flow type; VARCHAR(16); ; 入金,出金,买入扣款,卖出入账,利息,红利
flow_amount; 发生金额; Flow amount; DECIMAL(18,2); 元
flow_time; 发生时间; Flow time; TIMESTAMP
contract_type; 合约类型; Contract type; VARCHAR(16); ; 融资,融券
contract_status; 合约状态; Contract status; VARCHAR(16); ; 未了结,已了结,逾期
margin_amount; 融资融券金额; Margin amount; DECIMAL(20,2); 元
interest_rate; 利率; Interest rate; DECIMAL(10,4); %
expire_date; 到期日; Expiry date; DATE
apply_qty; 申购数量; Subscribed quantity; BIGINT; 股
apply_date; 申购日期; Subscription date; DATE
allot_qty; 中签数量; Allotted quantity; BIGINT; 股
allot_status; 中签状态; Allotment status; VARCHAR(16); ; 中签,未中签,放弃
transfer_direction; 转账方向; Transfer direction; VARCHAR(16); ; 银行转证券,证券转银行
transfer_amount; 转账金额; Transfer amount; DECIMAL(18,2); 元
transfer_status; 转账状态; Transfer status; VARCHAR(16); ; 成功,失败,处理中
transfer_time; 转账时间; Transfer time; TIMESTAMP
settle_date; 交收日期; Settlement date; DATE
settle_amount; 交收金额; Settlement amount; DECIMAL(20,2); 元
settle_status; 交收状态; Settlement status; VARCHAR(16); ; 已交收,待交收,交收失败
commission_rate; 佣金费率; Commission rate; DECIMAL(10,6); ‰
min_commission; 最低佣金; Minimum commission; DECIMAL(10,2); 元
plan_status; 方案状态; Plan status; VARCHAR(16); ; 生效,失效,待审批
effective_date; 生效日期; Effective date; DATE
"""),
    ("crm", "客户关系", "CRM", """
customer; 客户; Customer; branch; customer_name gender birth_date id_type id_no mobile customer_level customer_status open_date city
contact; 联系人; Contact; customer; contact_name mobile email relation_type
lead; 销售线索; Sales lead; employee; lead_source lead_status expected_amount follow_date
opportunity; 商机; Opportunity; customer employee; opportunity_stage expected_amount win_probability close_date
campaign; 营销活动; Marketing campaign; ; campaign_type campaign_status budget_amount start_date end_date
visit; 客户拜访; Customer visit; customer employee; visit_type visit_date visit_result
complaint; 客户投诉; Customer complaint; customer; complaint_type complaint_status complaint_time resolve_time satisfaction
service_ticket; 服务工单; Service ticket; customer employee; ticket_type ticket_status priority ticket_time resolve_time
product; 理财产品; Wealth product; ; product_type product_risk_level expected_yield product_status issue_date
customer_tag; 客户标签; Customer tag; customer; tag_name tag_category tag_value
survey; 满意度调查; Satisfaction survey; customer campaign; survey_score satisfaction survey_date
referral; 客户推荐; Customer referral; customer; referral_channel reward_amount referral_date
""", """
customer_name; 客户姓名; Customer name; VARCHAR(64)
gender; 性别; Gender; VARCHAR(4); ; 男,女
birth_date; 出生日期; Birth date; DATE
id_type; 证件类型; ID type; VARCHAR(16); ; 身份证,护照,港澳通行证,营业执照
id_no; 证件号码; ID number; VARCHAR(32)
mobile; 手机号码; Mobile; VARCHAR(16)
email; 电子邮箱; Email; VARCHAR(128)
customer_level; 客户等级; Customer level; VARCHAR(16); ; 普通,银卡,金卡,白金,钻石
customer_status; 客户状态; Customer status; VARCHAR(16); ; 正常,休眠,流失,黑名单
contact_name; 联系人姓名; Contact name; VARCHAR(64)
relation_type; 关系类型; Relation type; VARCHAR(16); ; 本人,配偶,子女,父母,其他
lead_source; 线索来源; Lead source; VARCHAR(16); ; 官网,活动,转介绍,电话营销,合作渠道
lead_status; 线索状态; Lead status; VARCHAR(16); ; 新建,跟进中,已转化,已关闭
expected_amount; 预计金额; Expected amount; DECIMAL(18,2); 元
follow_date; 跟进日期; Follow-up date; DATE
opportunity_stage; 商机阶段; Opportunity stage; VARCHAR(16); ; 初步接洽,需求确认,方案报价,谈判,赢单,输单
win_probability; 赢单概率; Win probability; DECIMAL(5,2); %
close_date; 预计成交日期; Expected close date; DATE
campaign_type; 活动类型; Campaign type; VARCHAR(16); ; 线上,线下,短信,直播,路演
campaign_status; 活动状态; Campaign status; VARCHAR(16); ; 筹备中,进行中,已结束
budget_amount; 预算金额; Budget amount; DECIMAL(18,2); 元
start_date; 开始日期; Start date; DATE
end_date; 结束日期; End date; DATE
visit_type; 拜访方式; Visit type; VARCHAR(16); ; 上门,电话,视频,网点
visit_date; 拜访日期; Visit date; DATE
visit_result; 拜访结果; Visit result; VARCHAR(16); ; 有意向,无意向,待跟进
complaint_type; 投诉类型; Complaint type; VARCHAR(16); ; 服务态度,系统故障,费用争议,交易纠纷
complaint_status; 投诉状态; Complaint status; VARCHAR(16); ; 已受理,处理中,已办结
complaint_time; 投诉时间; Complaint time; TIMESTAMP
resolve_time; 解决时间; Resolved at; TIMESTAMP
satisfaction; 满意度; Satisfaction; VARCHAR(16); ; 非常满意,满意,一般,不满意
ticket_type; 工单类型; Ticket type; VARCHAR(16); ; 咨询,办理,投诉,建议
ticket_status; 工单状态; Ticket status; VARCHAR(16); ; 待处理,处理中,已关闭
priority; 优先级; Priority; VARCHAR(8); ; 高,中,低
ticket_time; 工单时间; Ticket time; TIMESTAMP
product_type; 产品类型; Product type; VARCHAR(16); ; 收益凭证,资管计划,公募基金,私募基金,信托
product_risk_level; 产品风险等级; Product risk level; VARCHAR(8); ; R1,R2,R3,R4,R5
expected_yield; 预期收益率; Expected yield; DECIMAL(8,4); %
product_status; 产品状态; Product status; VARCHAR(16); ; 募集中,存续,已到期,已清盘
issue_date; 发行日期; Issue date; DATE
tag_name; 标签名称; Tag name; VARCHAR(64)
tag_category; 标签分类; Tag category; VARCHAR(16); ; 基本属性,交易偏好,风险偏好,生命周期,价值分层
tag_value; 标签值; Tag value; VARCHAR(64)
survey_score; 调查得分; Survey score; DECIMAL(5,1); 分
survey_date; 调查日期; Survey date; DATE
referral_channel; 推荐渠道; Referral channel; VARCHAR(16); ; 微信,短信,线下,APP
reward_amount; 奖励金额; Reward amount; DECIMAL(18,2); 元
referral_date; 推荐日期; Referral date; DATE
"""),
    ("fin", "财务", "Finance", """
ledger_account; 会计科目; Ledger account; ; subject_code subject_name subject_level balance_direction subject_type
cost_center; 成本中心; Cost center; department; center_name center_type
voucher; 记账凭证; Accounting voucher; ; voucher_no voucher_date voucher_type voucher_status preparer
journal_entry; 会计分录; Journal entry; voucher ledger_account cost_center; debit_amount credit_amount summary
invoice; 发票; Invoice; supplier; invoice_no invoice_type invoice_date invoice_amount tax_amount tax_rate invoice_status
payment; 付款单; Payment; supplier invoice; payment_no payment_amount payment_date payment_method payment_status
receivable; 应收账款; Account receivable; customer; receivable_amount due_date aging_days collection_status
payable; 应付账款; Account payable; supplier; payable_amount due_date aging_days payment_status
budget; 预算; Budget; cost_center ledger_account; budget_year budget_amount used_amount budget_status
fixed_asset; 固定资产; Fixed asset; cost_center; asset_name asset_category original_value net_value depreciation_method purchase_date
expense_claim; 费用报销; Expense claim; employee cost_center; claim_type claim_amount claim_date approval_status
supplier; 供应商; Supplier; ; supplier_name supplier_type credit_code supplier_status
""", """
subject_code; 科目代码; Subject code; VARCHAR(32)
subject_name; 科目名称; Subject name; VARCHAR(128)
subject_level; 科目级次; Subject level; INTEGER
balance_direction; 余额方向; Balance direction; VARCHAR(4); ; 借,贷
subject_type; 科目类别; Subject type; VARCHAR(16); ; 资产,负债,所有者权益,收入,费用,成本
center_name; 中心名称; Center name; VARCHAR(64)
center_type; 中心类型; Center type; VARCHAR(16); ; 利润中心,成本中心,费用中心
voucher_no; 凭证号; Voucher number; VARCHAR(32)
voucher_date; 凭证日期; Voucher date; DATE
voucher_type; 凭证类型; Voucher type; VARCHAR(16); ; 收款凭证,付款凭证,转账凭证
voucher_status; 凭证状态; Voucher status; VARCHAR(16); ; 未审核,已审核,已记账,已作废
preparer; 制单人; Preparer; VARCHAR(32)
debit_amount; 借方金额; Debit amount; DECIMAL(20,2); 元
credit_amount; 贷方金额; Credit amount; DECIMAL(20,2); 元
summary; 摘要; Summary; VARCHAR(256)
invoice_no; 发票号码; Invoice number; VARCHAR(32)
invoice_type; 发票类型; Invoice type; VARCHAR(16); ; 增值税专用发票,增值税普通发票,电子发票
invoice_date; 开票日期; Invoice date; DATE
invoice_amount; 发票金额; Invoice amount; DECIMAL(18,2); 元
tax_amount; 税额; Tax amount; DECIMAL(18,2); 元
tax_rate; 税率; Tax rate; DECIMAL(5,2); %
invoice_status; 发票状态; Invoice status; VARCHAR(16); ; 已开具,已认证,已红冲,已作废
payment_no; 付款单号; Payment number; VARCHAR(32)
payment_amount; 付款金额; Payment amount; DECIMAL(18,2); 元
payment_date; 付款日期; Payment date; DATE
payment_method; 付款方式; Payment method; VARCHAR(16); ; 银行转账,支票,汇票,现金
payment_status; 付款状态; Payment status; VARCHAR(16); ; 待付款,已付款,部分付款,已退回
receivable_amount; 应收金额; Receivable amount; DECIMAL(18,2); 元
due_date; 到期日期; Due date; DATE
aging_days; 账龄天数; Aging days; INTEGER; 天
collection_status; 催收状态; Collection status; VARCHAR(16); ; 正常,催收中,已核销
payable_amount; 应付金额; Payable amount; DECIMAL(18,2); 元
budget_year; 预算年度; Budget year; INTEGER
budget_amount; 预算金额; Budget amount; DECIMAL(18,2); 元
used_amount; 已使用金额; Used amount; DECIMAL(18,2); 元
budget_status; 预算状态; Budget status; VARCHAR(16); ; 编制中,已下达,已调整,已关闭
asset_name; 资产名称; Asset name; VARCHAR(128)
asset_category; 资产类别; Asset category; VARCHAR(16); ; 电子设备,办公家具,运输工具,房屋建筑
original_value; 原值; Original value; DECIMAL(18,2); 元
net_value; 净值; Net value; DECIMAL(18,2); 元
depreciation_method; 折旧方法; Depreciation method; VARCHAR(16); ; 年限平均法,双倍余额递减法,工作量法
purchase_date; 购置日期; Purchase date; DATE
claim_type; 报销类型; Claim type; VARCHAR(16); ; 差旅费,招待费,办公费,培训费,交通费
claim_amount; 报销金额; Claim amount; DECIMAL(18,2); 元
claim_date; 报销日期; Claim date; DATE
approval_status; 审批状态; Approval status; VARCHAR(16); ; 草稿,审批中,已通过,已驳回
supplier_name; 供应商名称; Supplier name; VARCHAR(128)
supplier_type; 供应商类型; Supplier type; VARCHAR(16); ; 信息技术,咨询服务,办公用品,物业服务
credit_code; 统一社会信用代码; Unified credit code; VARCHAR(32)
supplier_status; 供应商状态; Supplier status; VARCHAR(16); ; 合格,暂停,淘汰
"""),
    ("rsk", "风险管理", "Risk management", """
counterparty; 交易对手; Counterparty; ; counterparty_name counterparty_type credit_rating rating_agency
risk_limit; 风险限额; Risk limit; department; limit_type limit_value used_value limit_status
exposure; 风险敞口; Risk exposure; counterparty; exposure_type exposure_amount risk_weight
var_result; VaR计算结果; VaR result; portfolio; var_value confidence_level holding_days calc_method
stress_test; 压力测试; Stress test; portfolio; scenario_name shock_value loss_amount
credit_rating; 信用评级; Credit rating; counterparty; credit_rating rating_agency rating_date outlook
collateral; 担保品; Collateral; account security; collateral_qty haircut_rate collateral_value
margin_call; 追保通知; Margin call; account; maintenance_ratio call_amount call_status
risk_alert; 风险预警; Risk alert; account; alert_type alert_level alert_status alert_time
aml_case; 反洗钱案例; AML case; customer; case_type case_status report_date suspicious_amount
suspicious_txn; 可疑交易; Suspicious transaction; customer account; suspicious_type suspicious_amount txn_time review_status
compliance_check; 合规检查; Compliance check; department; check_type check_result check_date issue_count
""", """
counterparty_name; 交易对手名称; Counterparty name; VARCHAR(128)
counterparty_type; 交易对手类型; Counterparty type; VARCHAR(16); ; 银行,券商,基金,保险,企业
credit_rating; 信用等级; Credit rating; VARCHAR(8); ; AAA,AA+,AA,AA-,A+,A,BBB
rating_agency; 评级机构; Rating agency; VARCHAR(32); ; 中诚信,联合资信,大公国际,东方金诚
rating_date; 评级日期; Rating date; DATE
outlook; 评级展望; Outlook; VARCHAR(8); ; 稳定,正面,负面
limit_type; 限额类型; Limit type; VARCHAR(16); ; 规模限额,止损限额,集中度限额,VaR限额
limit_value; 限额值; Limit value; DECIMAL(20,2); 元
used_value; 已用额度; Used value; DECIMAL(20,2); 元
limit_status; 限额状态; Limit status; VARCHAR(16); ; 正常,预警,超限
exposure_type; 敞口类型; Exposure type; VARCHAR(16); ; 信用风险,市场风险,流动性风险,操作风险
exposure_amount; 敞口金额; Exposure amount; DECIMAL(20,2); 元
risk_weight; 风险权重; Risk weight; DECIMAL(6,2); %
var_value; VaR值; VaR value; DECIMAL(20,2); 元
confidence_level; 置信水平; Confidence level; DECIMAL(5,2); %
holding_days; 持有期; Holding period; INTEGER; 天
calc_method; 计算方法; Calculation method; VARCHAR(16); ; 历史模拟法,参数法,蒙特卡洛
scenario_name; 情景名称; Scenario name; VARCHAR(64); ; 股市暴跌,利率上行,汇率贬值,流动性枯竭
shock_value; 冲击幅度; Shock size; DECIMAL(8,4); %
loss_amount; 损失金额; Loss amount; DECIMAL(20,2); 元
collateral_qty; 担保品数量; Collateral quantity; BIGINT; 股
haircut_rate; 折算率; Haircut rate; DECIMAL(6,4); %
collateral_value; 担保品价值; Collateral value; DECIMAL(20,2); 元
maintenance_ratio; 维持担保比例; Maintenance ratio; DECIMAL(8,2); %
call_amount; 追保金额; Call amount; DECIMAL(18,2); 元
call_status; 追保状态; Call status; VARCHAR(16); ; 已通知,已补足,已平仓
alert_type; 预警类型; Alert type; VARCHAR(16); ; 异常交易,集中度,信用,流动性
alert_level; 预警级别; Alert level; VARCHAR(8); ; 一级,二级,三级
alert_status; 预警状态; Alert status; VARCHAR(16); ; 未处理,处理中,已关闭
alert_time; 预警时间; Alert time; TIMESTAMP
case_type; 案例类型; Case type; VARCHAR(16); ; 大额交易,可疑交易,黑名单命中
case_status; 案例状态; Case status; VARCHAR(16); ; 待甄别,已上报,已排除
report_date; 上报日期; Report date; DATE
suspicious_amount; 可疑金额; Suspicious amount; DECIMAL(18,2); 元
suspicious_type; 可疑类型; Suspicious type; VARCHAR(16); ; 频繁转账,分拆交易,异常大额,快进快出
txn_time; 交易时间; Transaction time; TIMESTAMP
review_status; 复核状态; Review status; VARCHAR(16); ; 待复核,已复核,已退回
check_type; 检查类型; Check type; VARCHAR(16); ; 现场检查,非现场检查,专项检查
check_result; 检查结果; Check result; VARCHAR(16); ; 合规,基本合规,不合规
check_date; 检查日期; Check date; DATE
issue_count; 问题数量; Issue count; INTEGER; 个
"""),
    ("hr", "人力资源", "Human resources", """
department; 部门; Department; ; dept_name dept_level dept_type manager_name
job_post; 岗位; Job post; department; post_name post_level post_category
employee; 员工; Employee; department job_post; employee_name gender birth_date hire_date employee_status education mobile
salary; 薪酬; Salary; employee; salary_month base_salary bonus_amount allowance tax_amount net_salary
attendance; 考勤; Attendance; employee; attendance_date check_in_time check_out_time attendance_status
leave_request; 请假申请; Leave request; employee; leave_type leave_days start_date end_date approval_status
performance_review; 绩效考核; Performance review; employee; review_period review_score review_grade
training; 培训; Training; department; training_name training_type training_hours training_date
recruitment; 招聘; Recruitment; department job_post; headcount recruit_status recruit_channel
labor_contract; 劳动合同; Labor contract; employee; contract_type start_date end_date contract_status
social_insurance; 社保缴纳; Social insurance; employee; insurance_type base_amount company_amount personal_amount pay_month
""", """
dept_name; 部门名称; Department name; VARCHAR(64)
dept_level; 部门层级; Department level; INTEGER
dept_type; 部门类型; Department type; VARCHAR(16); ; 前台,中台,后台,分支机构
post_name; 岗位名称; Post name; VARCHAR(64)
post_level; 职级; Post level; VARCHAR(8); ; P1,P2,P3,P4,P5,M1,M2,M3
post_category; 岗位序列; Post category; VARCHAR(16); ; 管理,专业,技术,营销,操作
employee_name; 员工姓名; Employee name; VARCHAR(64)
hire_date; 入职日期; Hire date; DATE
employee_status; 员工状态; Employee status; VARCHAR(16); ; 在职,试用,离职,退休
education; 学历; Education; VARCHAR(16); ; 大专,本科,硕士,博士
salary_month; 薪酬月份; Salary month; VARCHAR(7)
base_salary; 基本工资; Base salary; DECIMAL(12,2); 元
bonus_amount; 奖金; Bonus; DECIMAL(12,2); 元
allowance; 津贴; Allowance; DECIMAL(12,2); 元
net_salary; 实发工资; Net salary; DECIMAL(12,2); 元
attendance_date; 考勤日期; Attendance date; DATE
check_in_time; 签到时间; Check-in time; TIMESTAMP
check_out_time; 签退时间; Check-out time; TIMESTAMP
attendance_status; 考勤状态; Attendance status; VARCHAR(16); ; 正常,迟到,早退,缺勤,请假
leave_type; 请假类型; Leave type; VARCHAR(16); ; 年假,病假,事假,婚假,产假
leave_days; 请假天数; Leave days; DECIMAL(5,1); 天
review_period; 考核周期; Review period; VARCHAR(16); ; 2023H1,2023H2,2024H1,2024H2
review_score; 考核得分; Review score; DECIMAL(5,1); 分
review_grade; 考核等级; Review grade; VARCHAR(4); ; S,A,B,C,D
training_name; 培训名称; Training name; VARCHAR(128)
training_type; 培训类型; Training type; VARCHAR(16); ; 合规培训,业务培训,管理培训,新员工培训
training_hours; 培训学时; Training hours; DECIMAL(5,1); 小时
training_date; 培训日期; Training date; DATE
headcount; 招聘人数; Headcount; INTEGER; 人
recruit_status; 招聘状态; Recruitment status; VARCHAR(16); ; 需求审批,招聘中,已完成,已取消
recruit_channel; 招聘渠道; Recruitment channel; VARCHAR(16); ; 校园招聘,社会招聘,内部推荐,猎头
insurance_type; 险种; Insurance type; VARCHAR(16); ; 养老保险,医疗保险,失业保险,工伤保险,住房公积金
base_amount; 缴费基数; Contribution base; DECIMAL(12,2); 元
company_amount; 单位缴纳; Employer contribution; DECIMAL(12,2); 元
personal_amount; 个人缴纳; Employee contribution; DECIMAL(12,2); 元
pay_month; 缴费月份; Payment month; VARCHAR(7)
"""),
    ("ast", "资产管理", "Asset management", """
fund_manager; 基金经理; Fund manager; employee; manager_name manage_years best_return
fund; 基金产品; Fund; fund_manager; fund_name fund_type fund_status inception_date fund_scale management_fee_rate
portfolio; 投资组合; Portfolio; fund; portfolio_name portfolio_type benchmark_name
holding; 持仓明细; Portfolio holding; portfolio security; hold_qty market_value weight_pct
fund_nav; 基金净值; Fund NAV; fund; nav_date unit_nav accum_nav daily_return
subscription; 基金申购; Fund subscription; fund customer; apply_amount confirm_amount confirm_date apply_status
redemption; 基金赎回; Fund redemption; fund customer; redeem_share redeem_amount confirm_date apply_status
dividend; 基金分红; Fund dividend; fund; dividend_per_unit record_date pay_date
valuation; 估值; Valuation; portfolio; valuation_date total_asset net_asset unit_nav
rebalance; 调仓; Rebalance; portfolio security; rebalance_date rebalance_side rebalance_qty
fee_accrual; 费用计提; Fee accrual; fund; fee_type accrual_amount accrual_date
""", """
manager_name; 经理姓名; Manager name; VARCHAR(64)
manage_years; 从业年限; Years managing; DECIMAL(5,1); 年
best_return; 最佳回报; Best return; DECIMAL(8,4); %
fund_name; 基金名称; Fund name; VARCHAR(128)
fund_type; 基金类型; Fund type; VARCHAR(16); ; 股票型,债券型,混合型,货币型,指数型,QDII
fund_status; 基金状态; Fund status; VARCHAR(16); ; 募集期,开放,封闭,清盘
inception_date; 成立日期; Inception date; DATE
fund_scale; 基金规模; Fund size; DECIMAL(20,2); 亿元
management_fee_rate; 管理费率; Management fee rate; DECIMAL(6,4); %
portfolio_name; 组合名称; Portfolio name; VARCHAR(128)
portfolio_type; 组合类型; Portfolio type; VARCHAR(16); ; 公募,专户,年金,社保
benchmark_name; 业绩基准; Benchmark; VARCHAR(128)
weight_pct; 占净值比; Weight; DECIMAL(8,4); %
nav_date; 净值日期; NAV date; DATE
unit_nav; 单位净值; Unit NAV; DECIMAL(10,4); 元
accum_nav; 累计净值; Accumulated NAV; DECIMAL(10,4); 元
daily_return; 日收益率; Daily return; DECIMAL(8,4); %
apply_amount; 申请金额; Applied amount; DECIMAL(18,2); 元
confirm_amount; 确认金额; Confirmed amount; DECIMAL(18,2); 元
confirm_date; 确认日期; Confirmation date; DATE
apply_status; 申请状态; Application status; VARCHAR(16); ; 已受理,已确认,确认失败,已撤单
redeem_share; 赎回份额; Redeemed shares; DECIMAL(18,2); 份
redeem_amount; 赎回金额; Redeemed amount; DECIMAL(18,2); 元
dividend_per_unit; 每份分红; Dividend per unit; DECIMAL(10,4); 元
record_date; 权益登记日; Record date; DATE
pay_date; 派发日期; Payment date; DATE
valuation_date; 估值日期; Valuation date; DATE
total_asset; 资产总值; Total assets; DECIMAL(20,2); 元
net_asset; 资产净值; Net assets; DECIMAL(20,2); 元
rebalance_date; 调仓日期; Rebalance date; DATE
rebalance_side; 调仓方向; Rebalance side; VARCHAR(8); ; 增持,减持,清仓,新建
rebalance_qty; 调仓数量; Rebalance quantity; BIGINT; 股
fee_type; 费用类型; Fee type; VARCHAR(16); ; 管理费,托管费,销售服务费,业绩报酬
accrual_amount; 计提金额; Accrued amount; DECIMAL(18,2); 元
accrual_date; 计提日期; Accrual date; DATE
"""),
    ("crd", "信贷业务", "Credit", """
borrower; 借款人; Borrower; customer; borrower_name borrower_type industry_name credit_rating
credit_line; 授信额度; Credit line; borrower; line_amount used_amount line_status start_date end_date
loan_application; 贷款申请; Loan application; borrower; apply_amount loan_term apply_date approval_status
loan; 贷款; Loan; loan_application borrower; loan_amount loan_balance interest_rate loan_term loan_status five_class
repayment; 还款记录; Repayment; loan; repay_date principal_amount interest_amount repay_status
guarantee; 担保合同; Guarantee; loan; guarantee_type guarantee_amount guarantor_name
pledge; 质押物; Pledge; loan security; pledge_qty pledge_value pledge_status
overdue; 逾期记录; Overdue record; loan; overdue_days overdue_amount overdue_stage
provision; 贷款拨备; Loan provision; loan; provision_amount provision_rate provision_date
write_off; 核销记录; Write-off; loan; write_off_amount write_off_date approval_status
""", """
borrower_name; 借款人名称; Borrower name; VARCHAR(128)
borrower_type; 借款人类型; Borrower type; VARCHAR(16); ; 个人,小微企业,大中型企业
line_amount; 授信金额; Credit line amount; DECIMAL(20,2); 元
used_amount; 已用金额; Used amount; DECIMAL(20,2); 元
line_status; 额度状态; Line status; VARCHAR(16); ; 有效,冻结,失效
loan_term; 贷款期限; Loan term; INTEGER; 月
loan_amount; 贷款金额; Loan amount; DECIMAL(20,2); 元
loan_balance; 贷款余额; Loan balance; DECIMAL(20,2); 元
loan_status; 贷款状态; Loan status; VARCHAR(16); ; 正常,逾期,结清,核销
five_class; 五级分类; Five-tier classification; VARCHAR(8); ; 正常,关注,次级,可疑,损失
repay_date; 还款日期; Repayment date; DATE
principal_amount; 本金; Principal; DECIMAL(18,2); 元
interest_amount; 利息; Interest; DECIMAL(18,2); 元
repay_status; 还款状态; Repayment status; VARCHAR(16); ; 按时,提前,逾期,部分
guarantee_type; 担保方式; Guarantee type; VARCHAR(16); ; 保证,抵押,质押,信用
guarantee_amount; 担保金额; Guarantee amount; DECIMAL(20,2); 元
guarantor_name; 担保人名称; Guarantor name; VARCHAR(128)
pledge_qty; 质押数量; Pledged quantity; BIGINT; 股
pledge_value; 质押价值; Pledge value; DECIMAL(20,2); 元
pledge_status; 质押状态; Pledge status; VARCHAR(16); ; 质押中,已解押,已处置
overdue_days; 逾期天数; Overdue days; INTEGER; 天
overdue_amount; 逾期金额; Overdue amount; DECIMAL(18,2); 元
overdue_stage; 逾期阶段; Overdue stage; VARCHAR(8); ; M1,M2,M3,M4+
provision_amount; 拨备金额; Provision amount; DECIMAL(18,2); 元
provision_rate; 拨备率; Provision rate; DECIMAL(6,2); %
provision_date; 计提日期; Provision date; DATE
write_off_amount; 核销金额; Write-off amount; DECIMAL(18,2); 元
write_off_date; 核销日期; Write-off date; DATE
"""),
    ("trs", "资金管理", "Treasury", """
bank; 合作银行; Bank; ; bank_name bank_type swift_code
bank_account; 银行账户; Bank account; bank department; account_no account_name account_purpose account_status
cash_position; 资金头寸; Cash position; bank_account; position_date opening_balance closing_balance
fx_rate; 汇率; FX rate; ; rate_date currency mid_rate buy_rate sell_rate
interbank_lending; 同业拆借; Interbank lending; counterparty; lending_direction lending_amount lending_rate lending_term value_date
repo_deal; 回购交易; Repo deal; counterparty security; repo_type repo_amount repo_rate repo_term value_date
bond_holding; 债券持仓; Bond holding; security; face_amount clean_price dirty_price accrued_interest
deposit; 同业存款; Interbank deposit; bank; deposit_amount deposit_rate deposit_term value_date maturity_date
liquidity_gap; 流动性缺口; Liquidity gap; ; gap_bucket inflow_amount outflow_amount gap_amount
""", """
bank_name; 银行名称; Bank name; VARCHAR(64); ; 工商银行,建设银行,农业银行,中国银行,交通银行,招商银行
bank_type; 银行类型; Bank type; VARCHAR(16); ; 国有大行,股份制银行,城商行,外资银行
swift_code; SWIFT代码; SWIFT code; VARCHAR(16)
account_no; 账号; Account number; VARCHAR(32)
account_name; 户名; Account name; VARCHAR(128)
account_purpose; 账户用途; Account purpose; VARCHAR(16); ; 自有资金,客户保证金,结算备付金,专用账户
account_status; 账户状态; Account status; VARCHAR(16); ; 正常,冻结,销户
position_date; 头寸日期; Position date; DATE
opening_balance; 期初余额; Opening balance; DECIMAL(20,2); 元
closing_balance; 期末余额; Closing balance; DECIMAL(20,2); 元
rate_date; 汇率日期; Rate date; DATE
mid_rate; 中间价; Middle rate; DECIMAL(12,6)
buy_rate; 买入价; Buying rate; DECIMAL(12,6)
sell_rate; 卖出价; Selling rate; DECIMAL(12,6)
lending_direction; 拆借方向; Lending direction; VARCHAR(8); ; 拆入,拆出
lending_amount; 拆借金额; Lending amount; DECIMAL(20,2); 元
lending_rate; 拆借利率; Lending rate; DECIMAL(8,4); %
lending_term; 拆借期限; Lending term; INTEGER; 天
value_date; 起息日; Value date; DATE
repo_type; 回购类型; Repo type; VARCHAR(16); ; 质押式正回购,质押式逆回购,买断式回购
repo_amount; 回购金额; Repo amount; DECIMAL(20,2); 元
repo_rate; 回购利率; Repo rate; DECIMAL(8,4); %
repo_term; 回购期限; Repo term; INTEGER; 天
face_amount; 面额; Face amount; DECIMAL(20,2); 元
clean_price; 净价; Clean price; DECIMAL(12,4); 元
dirty_price; 全价; Dirty price; DECIMAL(12,4); 元
accrued_interest; 应计利息; Accrued interest; DECIMAL(12,4); 元
deposit_amount; 存款金额; Deposit amount; DECIMAL(20,2); 元
deposit_rate; 存款利率; Deposit rate; DECIMAL(8,4); %
deposit_term; 存款期限; Deposit term; INTEGER; 天
maturity_date; 到期日; Maturity date; DATE
gap_bucket; 期限档次; Maturity bucket; VARCHAR(16); ; 隔夜,7天内,1个月内,3个月内,1年内,1年以上
inflow_amount; 现金流入; Cash inflow; DECIMAL(20,2); 元
outflow_amount; 现金流出; Cash outflow; DECIMAL(20,2); 元
gap_amount; 缺口金额; Gap amount; DECIMAL(20,2); 元
"""),
    ("ops", "运维运营", "IT operations", """
server; 服务器; Server; department; host_name ip_address os_type server_status cpu_cores memory_gb
app_system; 应用系统; Application system; department; system_name system_level system_status
batch_job; 批处理作业; Batch job; app_system; job_name job_type schedule_cron job_status
job_run; 作业运行记录; Job run; batch_job; run_date start_time end_time run_status duration_seconds
incident; 故障事件; Incident; app_system; incident_level incident_status occur_time recover_time impact_users
change_request; 变更单; Change request; app_system employee; change_type change_status plan_time risk_grade
data_quality_check; 数据质量检查; Data quality check; app_system; rule_name check_result error_rows check_date
api_call; 接口调用; API call; app_system; api_name call_count error_count avg_latency_ms call_date
system_alarm; 系统告警; System alarm; server; alarm_type alarm_level alarm_status alarm_time
backup_task; 备份任务; Backup task; server; backup_type backup_status backup_size_gb start_time end_time
""", """
host_name; 主机名; Host name; VARCHAR(64)
ip_address; IP地址; IP address; VARCHAR(32)
os_type; 操作系统; Operating system; VARCHAR(16); ; Linux,Windows,AIX,麒麟
server_status; 服务器状态; Server status; VARCHAR(16); ; 运行,维护,下线
cpu_cores; CPU核数; CPU cores; INTEGER; 核
memory_gb; 内存; Memory; INTEGER; GB
system_name; 系统名称; System name; VARCHAR(64); ; 集中交易系统,融资融券系统,CRM系统,财务系统,OA系统,数据仓库
system_level; 系统等级; System level; VARCHAR(8); ; A类,B类,C类
system_status; 系统状态; System status; VARCHAR(16); ; 在用,建设中,已下线
job_name; 作业名称; Job name; VARCHAR(128)
job_type; 作业类型; Job type; VARCHAR(16); ; 日终,日间,月末,实时
schedule_cron; 调度表达式; Schedule; VARCHAR(64)
job_status; 作业状态; Job status; VARCHAR(16); ; 启用,停用
run_date; 运行日期; Run date; DATE
start_time; 开始时间; Start time; TIMESTAMP
end_time; 结束时间; End time; TIMESTAMP
run_status; 运行状态; Run status; VARCHAR(16); ; 成功,失败,运行中,超时
duration_seconds; 运行时长; Duration; INTEGER; 秒
incident_level; 故障等级; Incident level; VARCHAR(8); ; P1,P2,P3,P4
incident_status; 故障状态; Incident status; VARCHAR(16); ; 处理中,已恢复,已复盘
occur_time; 发生时间; Occurred at; TIMESTAMP
recover_time; 恢复时间; Recovered at; TIMESTAMP
impact_users; 影响用户数; Affected users; INTEGER; 人
change_type; 变更类型; Change type; VARCHAR(16); ; 标准变更,普通变更,紧急变更
change_status; 变更状态; Change status; VARCHAR(16); ; 待审批,已批准,已实施,已回退
plan_time; 计划时间; Planned time; TIMESTAMP
risk_grade; 风险等级; Risk grade; VARCHAR(8); ; 高,中,低
rule_name; 规则名称; Rule name; VARCHAR(128)
check_result; 检查结果; Check result; VARCHAR(16); ; 通过,告警,失败
error_rows; 错误行数; Error rows; BIGINT; 行
check_date; 检查日期; Check date; DATE
api_name; 接口名称; API name; VARCHAR(128)
call_count; 调用次数; Call count; BIGINT; 次
error_count; 错误次数; Error count; BIGINT; 次
avg_latency_ms; 平均耗时; Average latency; DECIMAL(10,2); 毫秒
call_date; 调用日期; Call date; DATE
alarm_type; 告警类型; Alarm type; VARCHAR(16); ; CPU,内存,磁盘,网络,进程
alarm_level; 告警级别; Alarm level; VARCHAR(8); ; 严重,重要,一般,提示
alarm_status; 告警状态; Alarm status; VARCHAR(16); ; 未确认,已确认,已恢复
alarm_time; 告警时间; Alarm time; TIMESTAMP
backup_type; 备份类型; Backup type; VARCHAR(16); ; 全量,增量,日志
backup_status; 备份状态; Backup status; VARCHAR(16); ; 成功,失败,进行中
backup_size_gb; 备份大小; Backup size; DECIMAL(12,2); GB
"""),
    ("mkt", "行情资讯", "Market data", """
exchange_calendar; 交易日历; Trading calendar; ; cal_date is_open pretrade_date
quote; 实时行情; Quote; security; quote_time last_price bid_price ask_price volume turnover
kline; K线; Candlestick bar; security; trade_date open_price high_price low_price close_price volume turnover pct_change
market_index; 指数; Market index; ; index_name publisher base_date base_point
index_constituent; 指数成分; Index constituent; market_index security; weight_pct in_date out_date
announcement; 公告; Announcement; security; announce_title announce_type announce_date
financial_report; 财务报告; Financial report; security; report_period revenue net_profit total_asset eps roe
dividend_plan; 分红方案; Dividend plan; security; cash_dividend bonus_share_ratio ex_date plan_progress
shareholder; 股东; Shareholder; security; holder_name holder_type hold_qty hold_ratio
""", """
cal_date; 日历日期; Calendar date; DATE
is_open; 是否交易日; Is trading day; BOOLEAN
pretrade_date; 上一交易日; Previous trading day; DATE
quote_time; 行情时间; Quote time; TIMESTAMP
last_price; 最新价; Last price; DECIMAL(12,3); 元
bid_price; 买一价; Bid price; DECIMAL(12,3); 元
ask_price; 卖一价; Ask price; DECIMAL(12,3); 元
volume; 成交量; Volume; BIGINT; 手
turnover; 成交额; Turnover; DECIMAL(20,2); 元
trade_date; 交易日期; Trade date; DATE
open_price; 开盘价; Open price; DECIMAL(12,3); 元
high_price; 最高价; High price; DECIMAL(12,3); 元
low_price; 最低价; Low price; DECIMAL(12,3); 元
close_price; 收盘价; Close price; DECIMAL(12,3); 元
pct_change; 涨跌幅; Percent change; DECIMAL(8,4); %
index_name; 指数名称; Index name; VARCHAR(64); ; 沪深300,上证50,中证500,创业板指,科创50
publisher; 发布机构; Publisher; VARCHAR(32); ; 中证指数,上交所,深交所
base_date; 基日; Base date; DATE
base_point; 基点; Base point; DECIMAL(12,2); 点
in_date; 纳入日期; Inclusion date; DATE
out_date; 剔除日期; Removal date; DATE
announce_title; 公告标题; Announcement title; VARCHAR(256)
announce_type; 公告类型; Announcement type; VARCHAR(16); ; 定期报告,重大事项,股东大会,分红派息,增发
announce_date; 公告日期; Announcement date; DATE
report_period; 报告期; Report period; VARCHAR(16); ; 2023Q1,2023Q2,2023Q3,2023Q4,2024Q1,2024Q2
revenue; 营业收入; Revenue; DECIMAL(20,2); 元
net_profit; 净利润; Net profit; DECIMAL(20,2); 元
eps; 每股收益; Earnings per share; DECIMAL(10,4); 元
roe; 净资产收益率; Return on equity; DECIMAL(8,4); %
cash_dividend; 每股派息; Cash dividend per share; DECIMAL(10,4); 元
bonus_share_ratio; 送股比例; Bonus share ratio; DECIMAL(10,4)
ex_date; 除权除息日; Ex-dividend date; DATE
plan_progress; 方案进度; Plan progress; VARCHAR(16); ; 预案,股东大会通过,实施,不分配
holder_name; 股东名称; Holder name; VARCHAR(128)
holder_type; 股东类型; Holder type; VARCHAR(16); ; 自然人,国有股东,境内法人,境外法人,基金
hold_ratio; 持股比例; Holding ratio; DECIMAL(8,4); %
"""),
)

# Source systems feeding the ODS layer (名称 for comments).
_SYSTEMS = (("hs", "恒生"), ("kd", "金证"), ("sap", "SAP"), ("ora", "Oracle EBS"),
            ("ifs", "核心业务"), ("oa", "OA"))


@dataclass(frozen=True)
class _Attr:
    name: str
    zh: str
    en: str
    type: str
    unit: str = ""
    values: tuple[str, ...] = ()

    def column(self, name: str = "", zh: str = "", en: str = "", unit: str | None = None,
               type_: str = "") -> Column:
        unit = self.unit if unit is None else unit
        comment = f"{zh or self.zh} | {en or self.en}" + (f" | {unit}" if unit else "")
        return Column(name or self.name, type_ or self.type, comment=comment, values=self.values)


@dataclass(frozen=True)
class _Entity:
    key: str
    domain: str
    zh: str
    en: str
    refs: tuple[str, ...]
    attrs: tuple[str, ...]


def _attr(line: str) -> _Attr:
    parts = [p.strip() for p in line.split(";")]
    name, zh, en, type_ = parts[:4]
    unit = parts[4] if len(parts) > 4 else ""
    values = tuple(v for v in parts[5].split(",") if v) if len(parts) > 5 else ()
    return _Attr(name, zh, en, type_, unit, values)


def _lines(block: str) -> Iterator[str]:
    return (line for line in block.strip().splitlines() if line.strip())


@dataclass(frozen=True)
class _Vocab:
    domains: dict[str, tuple[str, str]]  # code -> (zh, en)
    entities: dict[str, _Entity]
    attrs: dict[str, dict[str, _Attr]]  # domain code (or "") -> name -> attribute


@cache
def _vocab() -> _Vocab:
    domains: dict[str, tuple[str, str]] = {}
    entities: dict[str, _Entity] = {}
    attrs: dict[str, dict[str, _Attr]] = {"": {a.name: a for a in map(_attr, _lines(_COMMON_ATTRS))}}
    for code, zh, en, entity_block, attr_block in _DOMAINS:
        domains[code] = (zh, en)
        attrs[code] = {a.name: a for a in map(_attr, _lines(attr_block))}
        for line in _lines(entity_block):
            key, ezh, een, refs, names = (p.strip() for p in line.split(";"))
            entities[key] = _Entity(key, code, ezh, een, tuple(refs.split()), tuple(names.split()))
    return _Vocab(domains, entities, attrs)


# ---------------------------------------------------------------------------------------------
# Table kinds: (layer, suffix, 中文后缀, English suffix). `{e}` is the entity key.

_KINDS: tuple[tuple[str, str, str, str], ...] = (
    ("dwd", "{e}_detail", "明细", "detail"),
    ("dwd", "{e}_di", "日增量", "daily increment"),
    ("dwd", "{e}_df", "日全量", "daily full snapshot"),
    ("dwd", "{e}_log", "变动日志", "change log"),
    ("dwd", "{e}_detail_hi", "小时增量", "hourly increment"),
    ("dwd", "{e}_wide", "宽表", "wide table"),
    ("dws", "{e}_daily_stat", "日统计", "daily statistics"),
    ("dws", "{e}_monthly_stat", "月统计", "monthly statistics"),
    ("dws", "{e}_summary", "汇总", "summary"),
    ("dws", "{e}_weekly_stat", "周统计", "weekly statistics"),
    ("dws", "{e}_quarterly_stat", "季度统计", "quarterly statistics"),
    ("dws", "{e}_yearly_stat", "年度统计", "yearly statistics"),
    ("dws", "{e}_by_province", "按省份汇总", "by province"),
    ("dws", "{e}_by_city", "按城市汇总", "by city"),
    ("dws", "{e}_by_branch", "按营业部汇总", "by branch"),
    ("dws", "{e}_by_region", "按区域汇总", "by region"),
    ("dws", "{e}_by_channel", "按渠道汇总", "by channel"),
    ("dws", "{e}_by_department", "按部门汇总", "by department"),
    ("ads", "{e}_report", "报表", "report"),
    ("ads", "{e}_kpi", "指标", "KPI"),
    ("ads", "{e}_rank", "排名", "ranking"),
    ("ads", "{e}_dashboard", "看板", "dashboard"),
    ("ads", "{e}_trend", "趋势分析", "trend analysis"),
    ("ads", "{e}_analysis", "专题分析", "analysis"),
    ("ads", "{e}_top10", "前十排行", "top 10"),
    ("rpt", "{e}_csrc", "证监会报送", "CSRC regulatory filing"),
    ("rpt", "{e}_pbc", "人民银行报送", "PBoC regulatory filing"),
    ("rpt", "{e}_monthly", "月报", "monthly report"),
    ("ods", "{e}", "源表", "source"),
    ("ods", "{e}_info", "信息源表", "source info"),
    ("ods", "{e}_flow", "流水源表", "source flow"),
)
_COPIES: tuple[tuple[str, str, str], ...] = (
    ("_his", "(历史)", " (history)"),
    ("_bak", "(备份)", " (backup)"),
    ("_2021", "(2021年)", " (2021)"),
    ("_2022", "(2022年)", " (2022)"),
    ("_2023", "(2023年)", " (2023)"),
    ("_2024", "(2024年)", " (2024)"),
    ("_tmp", "(临时)", " (temp)"),
    ("_old", "(旧版)", " (old)"),
    ("_v2", "(新版)", " (v2)"),
)
# Grain dimensions of `by_*` summaries: (column, 中文, English, value list or entity key).
_BY = {"branch": "branch", "department": "department", "region": "", "channel": "",
       "province": "", "city": ""}
_ROWS = {"dim": (1e2, 1e6), "ods": (1e4, 1e9), "dwd": (1e4, 1e9), "dws": (1e2, 1e6),
         "ads": (1e1, 1e5), "rpt": (1e1, 1e5)}


@dataclass(frozen=True)
class _Spec:
    """One base table to generate: its layer, entity and name parts."""

    layer: str
    entity: str
    pattern: str
    zh: str
    en: str
    system: str = ""

    @property
    def name(self) -> str:
        domain = _vocab().entities[self.entity].domain
        body = self.pattern.format(e=self.entity)
        system = f"{self.system}_" if self.system else ""
        return f"{self.layer}_{system}{domain}_{body}"


def _specs() -> tuple[list[_Spec], list[_Spec]]:
    """Dimension specs (every entity, reference order) and every other base spec."""
    v = _vocab()
    dims = [_Spec("dim", e, "{e}", "", "") for e in _dim_order(v)]
    facts: list[_Spec] = []
    for key in v.entities:
        for layer, pattern, zh, en in _KINDS:
            if layer == "ods":
                facts += [_Spec(layer, key, pattern, zh, en, s) for s, _ in _SYSTEMS]
            else:
                facts.append(_Spec(layer, key, pattern, zh, en))
    return dims, facts


def _dim_order(v: _Vocab) -> list[str]:
    """Entities with every referenced entity first (so inline FKs can be created in order)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in seen or key in path:
            return
        for ref in v.entities[key].refs:
            if ref in v.entities:
                visit(ref, (*path, key))
        seen.add(key)
        order.append(key)

    for key in v.entities:
        visit(key, ())
    return order


def enterprise_catalog(n_tables: int, *, seed: int = 7, dialect: str = "duckdb") -> Catalog:
    """A deterministic catalog of `n_tables` realistic warehouse tables (see the module doc).

    About 70% are base tables (dimensions first, then ODS/DWD/DWS/ADS tables of the ~100
    business entities), the rest copies of them: `_his`, `_bak`, `_2021`..`_2024`, `_tmp`.
    """
    if not isinstance(n_tables, int) or n_tables < 1:
        raise ConfigError(f"n_tables must be a positive integer, got {n_tables!r}")
    rng = random.Random(f"enterprise:{seed}")
    dims, facts = _specs()
    rng.shuffle(facts)
    n_base = min(len(dims) + len(facts), max(1, round(n_tables * 0.7)), n_tables)
    chosen = (dims + facts)[:n_base]
    present = {s.entity for s in chosen if s.layer == "dim"}
    tables = [_build(spec, present, seed) for spec in chosen]
    tables += _copies(tables, n_tables - len(tables), rng)
    return Catalog(dialect=dialect, tables=tuple(tables), source=f"enterprise:{n_tables}:{seed}")


def _copies(bases: list[Table], count: int, rng: random.Random) -> list[Table]:
    """`count` copies of base tables (not dimensions), unique names, no declared FKs."""
    pool = [t for t in bases if not t.name.startswith("dim_")] or bases
    names = {t.name for t in bases}
    out: list[Table] = []
    round_ = 0
    while len(out) < count:
        for base in rng.sample(pool, len(pool)):
            suffix, zh, en = _COPIES[rng.randrange(len(_COPIES))]
            name = base.name + suffix + (_dated(rng) if round_ else "")
            if name in names:
                continue
            names.add(name)
            out.append(_copy(base, name, zh, en, suffix))
            if len(out) == count:
                break
        round_ += 1
    return out


def _dated(rng: random.Random) -> str:
    """A date stamp, as DBAs suffix their second and later copies: `_20230630`."""
    day = _EPOCH + dt.timedelta(days=rng.randrange(1460))
    return f"_{day:%Y%m%d}"


def _copy(base: Table, name: str, zh: str, en: str, suffix: str) -> Table:
    czh, _, cen = base.comment.partition(" | ")
    columns = base.columns
    if suffix == "_his":
        columns = columns + (
            Column("his_start_date", "DATE", comment="历史开始日期 | History start date"),
            Column("his_end_date", "DATE", comment="历史结束日期 | History end date"),
        )
    # Copies made by CREATE TABLE AS keep no keys: drop them as the DBA's script would.
    keep_pk = suffix in ("_his", "_2021", "_2022", "_2023", "_2024")
    pk = base.primary_key if keep_pk and suffix != "_his" else ()
    columns = tuple(replace(c, primary_key=c.name in pk) for c in columns)
    return replace(base, name=name, columns=columns, comment=f"{czh}{zh} | {cen}{en}",
                   primary_key=pk, foreign_keys=())


def _build(spec: _Spec, present: set[str], seed: int) -> Table:
    rng = random.Random(f"{seed}:{spec.name}")
    v = _vocab()
    entity = v.entities[spec.entity]
    dzh, den = v.domains[entity.domain]
    builder = _BUILDERS[spec.layer]
    columns, pk, fks = builder(spec, entity, present, rng)
    columns = _dedupe(columns)
    pk_set = set(pk)
    columns = [replace(c, primary_key=c.name in pk_set, nullable=c.name not in pk_set)
               for c in columns]
    zh = f"{entity.zh}{spec.zh}" if spec.zh else f"{entity.zh}维表"
    en = f"{entity.en} {spec.en}" if spec.en else f"{entity.en} dimension"
    if spec.system:
        system = dict(_SYSTEMS)[spec.system]
        zh, en = f"{zh}({system})", f"{en} ({system})"
    low, high = _ROWS[spec.layer]
    rows = int(10 ** rng.uniform(math.log10(low), math.log10(high)))
    return Table(name=spec.name, columns=tuple(columns), comment=f"{dzh}-{zh} | {den} {en}",
                 primary_key=tuple(pk), foreign_keys=tuple(fks), row_count=rows)


def _dedupe(columns: list[Column]) -> list[Column]:
    seen: set[str] = set()
    out = []
    for c in columns:
        if c.name not in seen:
            seen.add(c.name)
            out.append(c)
    return out


def _key(entity: _Entity, *, zh_suffix: str = "ID", en_suffix: str = "ID") -> Column:
    return Column(f"{entity.key}_id", "BIGINT",
                  comment=f"{entity.zh}{zh_suffix} | {entity.en} {en_suffix}")


def _attrs(entity: _Entity, rng: random.Random, extra: tuple[int, int]) -> list[Column]:
    """The entity's own attributes plus a few more from its domain's pool."""
    v = _vocab()
    pool = v.attrs[entity.domain]
    own = [pool.get(a) or v.attrs[""].get(a) or _lookup(a) for a in entity.attrs]
    others = [a for a in pool.values() if a.name not in entity.attrs]
    more = rng.sample(others, min(len(others), rng.randint(*extra)))
    return [a.column() for a in own + more]


def _lookup(name: str) -> _Attr:
    for pool in _vocab().attrs.values():
        if name in pool:
            return pool[name]
    raise ConfigError(f"enterprise vocabulary: unknown attribute {name!r}")


def _common(*names: str) -> list[Column]:
    pool = _vocab().attrs[""]
    return [pool[n].column() for n in names]


def _refs(entity: _Entity, present: set[str], rng: random.Random,
          declare: float) -> tuple[list[Column], list[ForeignKey]]:
    """Key columns referencing the entity's parents; some FKs declared, some left to infer."""
    v = _vocab()
    columns, fks = [], []
    for ref in entity.refs:
        target = v.entities.get(ref)
        if target is None:
            continue
        columns.append(_key(target))
        if ref in present and rng.random() < declare:
            fks.append(ForeignKey((f"{ref}_id",), f"dim_{target.domain}_{ref}", (f"{ref}_id",)))
    return columns, fks


_Built = tuple[list[Column], list[str], list[ForeignKey]]


def _dim(spec: _Spec, entity: _Entity, present: set[str], rng: random.Random) -> _Built:
    key = _key(entity)
    code = Column(f"{entity.key}_code", "VARCHAR(32)",
                  comment=f"{entity.zh}代码 | {entity.en} code")
    name = Column(f"{entity.key}_name", "VARCHAR(128)",
                  comment=f"{entity.zh}名称 | {entity.en} name")
    refs, fks = _refs(entity, present, rng, declare=1.0)
    columns = [key, code, name, *refs, *_attrs(entity, rng, (2, 6)),
               *_common("create_time", "update_time", "is_deleted")]
    if rng.random() < 0.4:
        columns += _common("remark")
    return columns, [key.name], fks


def _fact(spec: _Spec, entity: _Entity, present: set[str], rng: random.Random) -> _Built:
    key = _key(entity, zh_suffix="流水号" if spec.pattern.endswith("flow") else "ID")
    refs, fks = _refs(entity, present, rng, declare=0.6 if spec.layer == "dwd" else 0.0)
    wide = spec.pattern.endswith("_wide")
    columns = [key, *refs, *_attrs(entity, rng, (12, 24) if wide else (4, 9))]
    if spec.layer == "dwd":
        columns += _common("data_date", "etl_time", "src_sys")
    else:
        columns += _common("create_time", "update_time", "operator_id")
        if rng.random() < 0.5:
            columns += _common("version_no")
    if spec.pattern.endswith("_log"):
        columns.append(Column("op_type", "VARCHAR(8)", comment="操作类型 | Operation type",
                              values=("新增", "修改", "删除")))
    pk = [key.name] if spec.layer == "dwd" or rng.random() < 0.5 else []
    return columns, pk, fks


def _summary(spec: _Spec, entity: _Entity, present: set[str], rng: random.Random) -> _Built:
    """DWS/ADS: a grain (period + maybe one dimension), then aggregated measures."""
    columns: list[Column] = []
    pk: list[str] = []
    fks: list[ForeignKey] = []
    period = _period(spec)
    columns.append(period)
    pk.append(period.name)
    by = next((b for b in _BY if spec.pattern.endswith(f"by_{b}")), None)
    if by is not None:
        grain = _grain(by, present, fks, declare=spec.layer == "dws" and rng.random() < 0.5)
        columns.append(grain)
        pk.append(grain.name)
    elif spec.pattern.endswith(("_rank", "_kpi", "_top10", "_analysis")):
        ref = next((r for r in entity.refs if r in _vocab().entities), None)
        if ref is not None:
            columns.append(_key(_vocab().entities[ref]))
            pk.append(columns[-1].name)
    if spec.pattern.endswith(("_rank", "_top10")):
        columns.append(Column("rank_no", "INTEGER", comment="排名 | Rank"))
    columns += _measures(entity, rng)
    columns += _common("etl_time")
    if rng.random() < 0.5:
        columns += _common("src_sys")
    if rng.random() < 0.5:
        columns.append(Column("batch_no", "VARCHAR(32)", comment="批次号 | Batch number"))
    return columns, pk, fks


def _period(spec: _Spec) -> Column:
    if "monthly" in spec.pattern or spec.pattern.endswith(("_trend", "_csrc", "_pbc")):
        return Column("stat_month", "VARCHAR(7)", comment="统计月份 | Statistics month")
    return Column("stat_date", "DATE", comment="统计日期 | Statistics date")


def _grain(by: str, present: set[str], fks: list[ForeignKey], *, declare: bool) -> Column:
    ref = _BY[by]
    if not ref:
        return _vocab().attrs[""][by].column()
    entity = _vocab().entities[ref]
    if declare and ref in present:
        fks.append(ForeignKey((f"{ref}_id",), f"dim_{entity.domain}_{ref}", (f"{ref}_id",)))
    return _key(entity)


def _measures(entity: _Entity, rng: random.Random) -> list[Column]:
    """Totals and averages of the entity's numeric attributes, counts, ratios."""
    v = _vocab()
    pool = {**v.attrs[""], **v.attrs[entity.domain]}
    numeric = [pool[a] for a in entity.attrs if a in pool and _numeric(pool[a].type)]
    numeric += [a for a in v.attrs[entity.domain].values()
                if _numeric(a.type) and a not in numeric][:4]
    columns = [Column(f"{entity.key}_cnt", "BIGINT",
                      comment=f"{entity.zh}笔数 | {entity.en} count | 笔")]
    for a in rng.sample(numeric, min(len(numeric), rng.randint(3, 7))):
        columns.append(a.column(f"total_{a.name}", f"{a.zh}合计", f"Total {a.en.lower()}",
                                type_=_widen(a.type)))
        if rng.random() < 0.2:
            columns.append(a.column(f"max_{a.name}", f"最大{a.zh}", f"Maximum {a.en.lower()}",
                                    type_=a.type))
        if rng.random() < 0.6:
            columns.append(a.column(f"avg_{a.name}", f"平均{a.zh}", f"Average {a.en.lower()}",
                                    type_="DECIMAL(20,4)"))
    if rng.random() < 0.6:
        columns.append(Column("yoy_rate", "DECIMAL(10,4)", comment="同比增长率 | YoY growth | %"))
    if rng.random() < 0.6:
        columns.append(Column("mom_rate", "DECIMAL(10,4)", comment="环比增长率 | MoM growth | %"))
    if rng.random() < 0.5:
        columns.append(Column(f"active_{entity.key}_cnt", "BIGINT",
                              comment=f"活跃{entity.zh}数 | Active {entity.en.lower()} count | 个"))
    return columns


def _numeric(type_: str) -> bool:
    return type_.startswith(("DECIMAL", "INTEGER", "BIGINT"))


def _widen(type_: str) -> str:
    return "DECIMAL(24,2)" if type_.startswith("DECIMAL") else "BIGINT"


_BUILDERS: dict[str, Callable[[_Spec, _Entity, set[str], random.Random], _Built]] = {
    "dim": _dim, "ods": _fact, "dwd": _fact, "dws": _summary, "ads": _summary, "rpt": _summary,
}


# ---------------------------------------------------------------------------------------------
# Loading.

_BATCH = 200
_BLOCK_SIZE = 16384
_EPOCH = dt.date(2023, 1, 1)


def load_enterprise(
    catalog: Catalog,
    target_url: str,
    *,
    rows_per_table: int = 5,
    replace_existing: bool = False,
    progress: Progress | None = None,
) -> int:
    """Create the catalog's tables, comments, keys and `rows_per_table` rows in PostgreSQL or
    DuckDB; returns the number of tables created.

    Dimension tables hold keys 1..rows_per_table and every key column draws from that range,
    so declared foreign keys hold. An existing table of the same name is an error unless
    `replace_existing` (PostgreSQL: tables dropped; DuckDB: the file is recreated).
    """
    if rows_per_table < 0:
        raise ConfigError(f"rows_per_table must be >= 0, got {rows_per_table}")
    scheme, where = _target(target_url)
    report = progress or (lambda message, fraction: None)
    batches = [catalog.tables[i:i + _BATCH] for i in range(0, len(catalog.tables), _BATCH)]
    scripts = (_script(batch, rows_per_table, scheme) for batch in batches)
    loader = _load_postgres if scheme == "postgres" else _load_duckdb
    loader(where, catalog, scripts, len(batches), replace_existing, report)
    return len(catalog.tables)


def _target(url: str) -> tuple[str, str]:
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return "postgres", "postgresql://" + url.split("://", 1)[1]
    if url.startswith("duckdb://"):
        rest = url.split("://", 1)[1]
        return "duckdb", rest if rest.startswith("/") else str(Path(rest).resolve())
    if url.endswith((".duckdb", ".ddb")):
        return "duckdb", str(Path(url).resolve())
    raise ConfigError(f"load_enterprise targets postgresql://... or a DuckDB file, got {url!r}")


def _load_postgres(dsn: str, catalog: Catalog, scripts: Iterator[str], total: int,
                   replace_existing: bool, report: Progress) -> None:
    import psycopg

    try:
        conn = psycopg.connect(dsn, autocommit=True)
    except psycopg.Error as e:
        raise ExecutionError(f"cannot connect to the enterprise target: {e}") from None
    with conn:
        _clear_postgres(conn, catalog, replace_existing)
        for i, script in enumerate(scripts):
            try:
                with conn.transaction():
                    conn.execute(script)
            except psycopg.Error as e:
                raise ExecutionError(f"loading enterprise batch {i + 1}/{total}: {e}") from None
            report(f"batch {i + 1}/{total}", (i + 1) / total)


def _clear_postgres(conn: Any, catalog: Catalog, replace_existing: bool) -> None:
    wanted = {t.name for t in catalog.tables}
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    clash = sorted(name for (name,) in rows if name in wanted)
    if clash and not replace_existing:
        raise ConfigError(f"{len(clash)} enterprise tables already exist in the target "
                          f"(e.g. {clash[0]}); pass replace_existing=True to drop them")
    for i in range(0, len(clash), 500):
        names = ", ".join(f'"{n}"' for n in clash[i:i + 500])
        conn.execute(f"DROP TABLE IF EXISTS {names} CASCADE")


def _load_duckdb(path: str, catalog: Catalog, scripts: Iterator[str], total: int,
                 replace_existing: bool, report: Progress) -> None:
    import duckdb

    file = Path(path)
    if file.exists():
        if not replace_existing:
            raise ConfigError(f"{file} exists; pass replace_existing=True to recreate it")
        file.unlink()
        Path(f"{file}.wal").unlink(missing_ok=True)
    file.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        # Every table takes whole blocks: 16 KiB ones keep 10,000 small tables to ~0.4 GB
        # instead of ~5 GB at the default 256 KiB.
        con.execute(f"ATTACH {_lit(str(file))} AS enterprise (BLOCK_SIZE {_BLOCK_SIZE})")
        con.execute("USE enterprise")
        con.execute("SET enable_progress_bar = false")
        for i, script in enumerate(scripts):
            try:
                con.execute("BEGIN")
                con.execute(script)
                con.execute("COMMIT")
            except duckdb.Error as e:
                raise ExecutionError(f"loading enterprise batch {i + 1}/{total}: {e}") from None
            report(f"batch {i + 1}/{total}", (i + 1) / total)
        con.execute("CHECKPOINT")


def _script(tables: Sequence[Table], rows: int, dialect: str) -> str:
    out: list[str] = []
    for t in tables:
        out.append(_create(t))
        out.append(f"COMMENT ON TABLE {t.name} IS {_lit(t.comment)}")
        out += [f"COMMENT ON COLUMN {t.name}.{c.name} IS {_lit(c.comment)}" for c in t.columns]
        if rows:
            out.append(_insert(t, rows))
    return ";\n".join(out) + ";"


def _create(table: Table) -> str:
    parts = [f"{c.name} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns]
    if table.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
    parts += [f"FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {fk.ref_table} "
              f"({', '.join(fk.ref_columns)})" for fk in table.foreign_keys]
    return f"CREATE TABLE {table.name} ({', '.join(parts)})"


def _insert(table: Table, rows: int) -> str:
    rng = random.Random(zlib.crc32(table.name.encode()))
    values = [
        "(" + ", ".join(_value(c, i, rows, table, rng) for c in table.columns) + ")"
        for i in range(1, rows + 1)
    ]
    return f"INSERT INTO {table.name} VALUES {', '.join(values)}"


def _value(column: Column, i: int, rows: int, table: Table, rng: random.Random) -> str:
    """One SQL literal: keys 1..rows (unique where the column is the table's key)."""
    name, type_ = column.name, column.type.upper()
    if column.values:
        # Cycle through the list, so enough rows show every value.
        offset = zlib.crc32(column.name.encode())
        return _lit(column.values[(i - 1 + offset) % len(column.values)])
    if name.endswith("_id") and type_ == "BIGINT":
        return str(i if column.primary_key else rng.randint(1, rows))
    if type_ == "BOOLEAN":
        return "TRUE" if rng.random() < 0.5 else "FALSE"
    if type_ == "DATE":
        day = _EPOCH + dt.timedelta(days=i if column.primary_key else rng.randrange(1000))
        return f"DATE '{day.isoformat()}'"
    if type_ == "TIMESTAMP":
        moment = dt.datetime.combine(_EPOCH, dt.time()) + dt.timedelta(
            seconds=rng.randrange(86_400_000))
        return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"
    if type_.startswith(("INTEGER", "BIGINT")):
        return str(i if column.primary_key else rng.randint(0, 1000))
    if type_.startswith("DECIMAL"):
        precision, _, scale = type_[8:-1].partition(",")
        top = min(10_000.0, 10 ** (int(precision) - int(scale or 0)) - 1)
        return f"{rng.uniform(0, top):.{min(int(scale or 0), 2)}f}"
    return _lit(_text(column, i, table))


def _text(column: Column, i: int, table: Table) -> str:
    zh = column.comment.split(" | ", 1)[0]
    if column.name == "stat_month" or column.type.upper() == "VARCHAR(7)":
        return f"{2020 + (i - 1) // 12}-{(i - 1) % 12 + 1:02d}"
    if column.name.endswith(("_code", "_no")):
        return f"{column.name[:2].upper()}{i:06d}"
    return f"{zh}{i:03d}"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
