/** UI text of the console in Chinese and English. Keys are stable; add both languages together. */
export type Lang = "zh" | "en";

const TEXT = {
  title: ["labelgate 主管控制台", "labelgate supervisor console"],
  login: ["登录", "Log in"],
  logout: ["退出", "Log out"],
  operator_id: ["工号", "Operator id"],
  operator: ["操作员", "Operator"],
  password: ["密码", "Password"],
  devices: ["设备墙", "Devices"],
  jobs: ["作业流", "Jobs"],
  audit: ["审计查询", "Audit"],
  approvals: ["审批", "Approvals"],
  alerts: ["告警", "Alerts"],
  lockdown: ["锁定", "Lockdown"],
  charts: ["统计图表", "Charts"],
  state: ["状态", "State"],
  conditions: ["状况", "Conditions"],
  queue: ["队列", "Queue"],
  last_job: ["最近作业", "Last job"],
  last_error: ["最近错误", "Last error"],
  device_log: ["设备日志", "Device log"],
  job: ["作业", "Job"],
  device: ["设备", "Device"],
  time: ["时间", "Time"],
  outcome: ["结果", "Outcome"],
  action: ["事项", "Action"],
  reason: ["原因", "Reason"],
  waybill_no: ["运单号", "Waybill number"],
  search: ["查询", "Search"],
  from: ["自", "From"],
  to: ["至", "To"],
  chain: ["哈希链校验", "Hash chain verification"],
  chain_ok: ["完整", "intact"],
  chain_bad: ["被篡改", "TAMPERED"],
  records: ["条记录", "records"],
  preview: ["标签预览", "Label preview"],
  no_preview: ["无预览", "No preview"],
  request: ["申请", "Request"],
  grant: ["批准", "Grant"],
  deny: ["拒绝", "Deny"],
  requester: ["申请人", "Requester"],
  status: ["状态", "Status"],
  export_audit: ["导出审计记录", "Export audit records"],
  approval_id: ["审批编号", "Approval id"],
  export: ["导出", "Export"],
  export_csv: ["导出 CSV", "Export CSV"],
  lockdown_on: ["开启锁定", "Switch lockdown on"],
  lockdown_off: ["解除锁定", "Lift lockdown"],
  lockdown_active: ["已锁定：打印和导出已冻结", "Lockdown: printing and exports are frozen"],
  lockdown_inactive: ["未锁定", "No lockdown"],
  acknowledge: ["确认", "Acknowledge"],
  prints_per_hour: ["每小时打印量（按设备）", "Prints per hour per device"],
  uptime: ["设备 24 小时可用率", "Device uptime, last 24 h"],
  status_periods: ["状态变化", "State changes"],
  duration_s: ["持续（秒）", "Duration (s)"],
  forbidden: ["无权访问此页面", "You may not open this page"],
  type: ["类型", "Type"],
  severity: ["级别", "Severity"],
  detail: ["详情", "Detail"],
  scope: ["范围", "Scope"],
} as const satisfies Record<string, readonly [string, string]>;

export type TextKey = keyof typeof TEXT;

export function t(lang: Lang, key: TextKey): string {
  return TEXT[key][lang === "zh" ? 0 : 1];
}

export function langOf(cookie: string | undefined, query: string | undefined): Lang {
  const v = query ?? cookie;
  return v === "en" ? "en" : "zh";
}
