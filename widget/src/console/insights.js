/* 数据看板: honest figures (definitions in the README), satisfaction, suggestion acceptance,
 * waiting times, per-agent figures, and the unanswered questions staff label for training. */
import { $, el } from "../dom.js";
import { api } from "./api.js";
import { CHANNEL_LABELS, col, formatDuration, formatTime, guard, list, percent, renderTable, setNote, setPanelError, nextId } from "./ui.js";

const OUTCOME_LABELS = { answered: "已解答", referred_12366: "转介12366", no_reply: "访客未回复", left: "访客离开" };
let topicsCache = null;

export function loadInsights() {
  setPanelError("insights", "");
  guard("insights", loadStats);
  guard("insights", loadUnanswered);
}

const count = (n) => (typeof n === "number" ? String(n) : "—");
const kpi = (label, value, hint) => el("div", { class: "kpi", title: hint || null }, el("dt", {}, label), el("dd", {}, value));

async function loadStats() {
  const s = await api("GET", "/api/stats");
  const d = s.desk || {};
  const sug = d.suggestions || {};
  const ratings = d.ratings || {};
  $("#kpis").replaceChildren(
    kpi("会话数", count(d.conversations), "访客至少发过一条消息的会话（按会话时段计）"),
    kpi("自助解决率", percent(d.resolution_rate), "没有转人工、最后一问没有落空、24小时内没有再来问"),
    kpi("转人工率", percent(d.handoff_rate), "转给人工或被告知暂时无人工的会话"),
    kpi("满意度", percent(d.satisfaction), `满意 ${count(ratings.good)} · 一般 ${count(ratings.ok)} · 不满意 ${count(ratings.bad)}`),
    kpi("建议采纳率", percent(d.suggestion_acceptance), `插入 ${count(sug.inserted)} ÷ 展示 ${count(sug.shown)}`),
    kpi("首次回复等待（中位数）", formatDuration(d.wait_seconds_median), `${count(d.handoffs_replied)} 个有回复，${count(d.handoffs_unreplied)} 个未回复`),
    kpi("首次回复等待（P90）", formatDuration(d.wait_seconds_p90)),
    kpi("未识别率", percent(s.fallback_rate)));
  $("#kpi-note").textContent = `自助解决率 + 转人工率 = ${percent((d.resolution_rate || 0) + (d.handoff_rate || 0))}（其余为最后一问落空或24小时内再来问）；`
    + `建议回复：展示 ${count(sug.shown)}、插入 ${count(sug.inserted)}、修改后发送 ${count(sug.edited)}、发送 ${count(sug.sent)}。`;
  barChart($("#chart-days"), list(s.per_day).map((x) => ({ label: x.date, value: x.conversations })));
  barChart($("#chart-topics"), list(s.top_topics).map((t) => ({ label: t.title || t.topic, value: t.count, title: t.topic })));
  const satisfactionColumns = (first) => [first, col("满意", "good", "0"), col("一般", "ok", "0"), col("不满意", "bad", "0"),
    { label: "满意度", value: (r) => percent(r.satisfaction) }];
  renderTable($("#satisfaction-topic"), "各主题满意度", satisfactionColumns({ label: "主题", value: (r) => r.title || r.topic }),
    list(d.satisfaction_by_topic), "暂无评价");
  renderTable($("#satisfaction-channel"), "各渠道满意度", satisfactionColumns({ label: "渠道", value: (r) => CHANNEL_LABELS[r.channel] || r.channel }),
    list(d.satisfaction_by_channel), "暂无评价");
  const outcomes = d.outcomes || {};
  renderTable($("#outcomes-table"), "人工会话结果", [{ label: "结果", value: (r) => OUTCOME_LABELS[r[0]] || r[0] }, { label: "数量", value: (r) => String(r[1]) }],
    Object.entries(outcomes), "暂无已结束的人工会话");
  renderTable($("#agents-table"), "客服工作量", [col("客服", "staff"), col("处理中", "open", "0"), col("已结束", "closed", "0"),
    col("已解答", "answered", "0"), { label: "首次回复等待（中位数）", value: (a) => formatDuration(a.wait_seconds_median) }],
  list(s.agents), "暂无数据");
  const rate = (f) => { const n = (f.helpful || 0) + (f.unhelpful || 0); return n ? percent((f.helpful || 0) / n) : "—"; };
  renderTable($("#feedback-table"), "各主题的回答评价", [
    { label: "主题", value: (f) => f.title || f.topic || "—" },
    { label: "主题 ID", value: (f) => el("code", {}, f.topic || "—") },
    col("有帮助", "helpful", "0"), col("没帮助", "unhelpful", "0"), { label: "好评率", value: rate },
  ], list(s.feedback), "暂无评价");
}

/** Horizontal bars drawn with divs, as a list so the figures stay readable by screen readers. */
function barChart(container, items) {
  if (!items.length) { container.replaceChildren(el("p", { class: "empty" }, "暂无数据")); return; }
  const max = Math.max(1, ...items.map((i) => Number(i.value) || 0));
  container.replaceChildren(el("ul", { class: "bars" }, items.map((item) => {
    const value = Number(item.value) || 0;
    const fill = el("span", { class: "bar-fill" });
    fill.style.width = `${Math.max(0, Math.min(100, (value / max) * 100))}%`;
    return el("li", { class: "bar", title: item.title || null },
      el("span", { class: "bar-label" }, item.label || "—"),
      el("span", { class: "bar-track", "aria-hidden": "true" }, fill),
      el("span", { class: "bar-value" }, String(value)));
  })));
}

/** FAQ topics and the other intents /api/topics returns, grouped; keeps an unknown current label. */
function topicSelect(topics, current, id) {
  const select = el("select", { id }, el("option", { value: "" }, "— 选择主题 —"));
  const groups = { faq: el("optgroup", { label: "常见问题" }), other: el("optgroup", { label: "其他意图" }) };
  for (const t of topics) {
    groups[String(t.topic).startsWith("faq/") ? "faq" : "other"]
      .append(el("option", { value: t.topic }, `${t.title || t.topic}（${t.topic}）`));
  }
  for (const group of Object.values(groups)) if (group.children.length) select.append(group);
  if (current && !topics.some((t) => t.topic === current)) select.append(el("option", { value: current }, current));
  select.value = current || "";
  return select;
}

function labelCell(q, topics) {
  const selectId = nextId("label");
  const select = topicSelect(topics, q.label, selectId);
  const note = el("span", { class: "row-note", role: "status" });
  const button = el("button", { type: "button" }, "保存标注");
  button.addEventListener("click", async () => {
    if (!select.value) { setNote(note, "请先选择主题。", true); select.focus(); return; }
    button.disabled = true;
    try {
      await api("POST", `/api/unanswered/${encodeURIComponent(q.id)}/label`, { topic: select.value });
      setNote(note, "已保存");
    } catch (err) { setNote(note, err.message, true); }
    button.disabled = false;
  });
  return el("div", { class: "label-cell" },
    el("label", { for: selectId, class: "visually-hidden" }, "标注主题"), select, button, note);
}

async function loadUnanswered() {
  const [data, topics] = await Promise.all([api("GET", "/api/unanswered"),
    topicsCache || api("GET", "/api/topics").then((d) => (topicsCache = list(d.topics)))]);
  const questions = list(data.questions).slice().sort((a, b) => (Number(b.timestamp) || 0) - (Number(a.timestamp) || 0));
  renderTable($("#unanswered-table"), "未解决的问题", [
    { label: "时间", value: (q) => formatTime(q.timestamp) },
    { label: "问题", value: (q) => el("span", { class: "question-text" }, q.text || "") },
    { label: "会话", value: (q) => el("code", {}, q.conversation_id || "—") },
    { label: "标注", value: (q) => labelCell(q, topics) },
  ], questions, "暂无未解决的问题");
}
