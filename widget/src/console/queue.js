/* 转人工队列: a compact list (channel, waiting time, reason, first line, who took it) beside the
 * selected conversation (transcript, channel, language, status at the time, one reply box,
 * suggested replies, outcome). Live by polling; a desktop notification and a sound for a new
 * hand-off while the tab is in the background. Keyboard: ↑/↓ (or j/k) move through the list,
 * Enter goes to the reply box, Ctrl+Enter sends, Escape returns to the list.
 *
 * SECURITY: visitors' messages reach the DOM only as text (el() / textContent). */
import { $, el } from "../dom.js";
import { api, session } from "./api.js";
import { CHANNEL_LABELS, STATE_LABELS, formatDuration, formatTime, list, percent, setNote, setPanelError } from "./ui.js";

const POLL_MS = 3000;
const POLL_BACKGROUND_MS = 5000;
const SENDER_LABELS = { user: "访客", bot: "机器人", staff: "客服" };
const LANGUAGE_LABELS = { zh: "中文", en: "英文" };
const OUTCOME_LABELS = { answered: "已解答", referred_12366: "转介12366", no_reply: "访客未回复" };

const state = {
  rows: new Map(),      // id → { data, node, fetchedAt }
  known: null,          // ids seen at the previous poll (null before the first)
  selected: null,       // id of the conversation in the detail pane
  detailSig: "",
  question: null,       // the visitor message the suggestions answer
  inserted: null,       // { topic, text } of the suggestion put into the reply box
  drafts: new Map(),    // id → unsent reply text
  last: [],             // the hand-offs of the latest poll
  sort: "wait",
  filter: "all",
  me: "",
  role: "agent",
  staff: [],
  timer: null,
  busy: false,
};

const backgrounded = () => document.hidden || !document.hasFocus();
const listbox = () => $("#queue-list");
const replyBox = () => $("#reply-text");

// ---------------------------------------------------------------- polling
export function schedule() {
  clearTimeout(state.timer);
  if (session.redirecting) return;
  state.timer = setTimeout(poll, backgrounded() ? POLL_BACKGROUND_MS : POLL_MS);
}

export async function poll() {
  if (state.busy) return;
  clearTimeout(state.timer);
  state.busy = true;
  try {
    const data = await api("GET", "/api/handoffs");
    Object.assign(state, { me: data.me || "", role: data.role || "agent", staff: list(data.staff) });
    const handoffs = list(data.handoffs);
    state.last = handoffs;
    announce(handoffs);
    renderList(handoffs);
    if (state.selected) await refreshDetail();
    setPanelError("queue", "");
  } catch (err) {
    setPanelError("queue", err.message || "出错了，请重试");
  }
  state.busy = false;
  schedule();
}

// ---------------------------------------------------------------- new hand-offs: badge, title, notification
function announce(handoffs) {
  const open = handoffs.filter((h) => !h.left);
  const badge = $("#queue-count");
  $(".badge-n", badge).textContent = String(open.length);
  badge.hidden = open.length === 0;
  document.title = (open.length ? `(${open.length}) ` : "") + "客服工作台";
  const fresh = state.known ? open.filter((h) => !state.known.has(h.id)) : [];
  state.known = new Set(open.map((h) => h.id));
  if (!fresh.length) return;
  $("#queue-live").textContent = `有 ${fresh.length} 个新的转人工会话，队列中共 ${open.length} 个。`;
  if (backgrounded()) notify(fresh);
}

function notify(fresh) {
  const first = fresh[0];
  const title = fresh.length > 1 ? `${fresh.length} 个新的转人工会话` : "新的转人工会话";
  const body = `${CHANNEL_LABELS[first.channel] || first.channel || "未知渠道"}：${first.first_line || first.reason || ""}`;
  if ("Notification" in window && Notification.permission === "granted") {
    try { new Notification(title, { body, tag: `handoff-${first.id}` }); } catch (_err) { /* not allowed here */ }
  }
  beep();
}

/** A short tone (Web Audio; no sound file). Browsers allow it after the page had a click. */
function beep() {
  try {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    const audio = beep.context || (beep.context = new Context());
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  } catch (_err) { /* no audio */ }
}

function updateNotifyButton() {
  const button = $("#notify-enable");
  if (!("Notification" in window)) { button.hidden = true; return; }
  const granted = Notification.permission === "granted";
  button.textContent = granted ? "桌面通知已开启" : Notification.permission === "denied" ? "桌面通知已被浏览器禁止" : "开启桌面通知";
  button.disabled = Notification.permission !== "default";
}

// ---------------------------------------------------------------- the list
function visible(h) {
  if (state.filter === "mine") return h.taken_by === state.me;
  if (state.filter === "unassigned") return !h.taken_by;
  return true;
}

function order(a, b) {
  if (a.left !== b.left) return a.left ? 1 : -1;
  return state.sort === "wait" ? a.id - b.id : b.id - a.id;
}

function waiting(row) {
  return row.data.waiting_seconds + (Date.now() - row.fetchedAt) / 1000;
}

function buildRow(id) {
  const cells = {
    channel: el("span", { class: "q-channel" }), wait: el("span", { class: "q-wait" }),
    reason: el("span", { class: "q-reason" }), line: el("span", { class: "q-line" }), who: el("span", { class: "q-who" }),
  };
  const node = el("li", { role: "option", id: `handoff-row-${id}`, class: "q-row", "data-id": id, "aria-selected": "false" },
    cells.channel, cells.wait, cells.reason, cells.line, cells.who);
  node.addEventListener("click", () => { select(id); listbox().focus(); });
  return { node, cells, sig: "" };
}

function renderList(handoffs) {
  const box = listbox();
  const now = Date.now();
  const wanted = new Set(handoffs.map((h) => h.id));
  for (const [id, row] of state.rows) {
    if (!wanted.has(id)) { row.node.remove(); state.rows.delete(id); }
  }
  for (const h of handoffs) {
    if (!state.rows.has(h.id)) state.rows.set(h.id, buildRow(h.id));
    const row = state.rows.get(h.id);
    row.data = h;
    row.fetchedAt = now;
    const sig = JSON.stringify([h.channel, h.reason, h.first_line, h.taken_by, h.left, h.kind]);
    if (row.sig !== sig) {
      row.sig = sig;
      row.cells.channel.textContent = CHANNEL_LABELS[h.channel] || h.channel || "未知";
      row.cells.reason.textContent = h.kind === "message" ? `留言 · ${h.reason.replace(/^留言：/, "")}` : h.reason || "—";
      row.cells.line.textContent = h.first_line || "（无文字）";
      row.cells.line.title = h.first_line || "";
      row.cells.who.textContent = h.left ? "访客已离开" : h.taken_by ? (h.taken_by === state.me ? "我" : h.taken_by) : "未接手";
      row.node.classList.toggle("left", !!h.left);
      row.node.classList.toggle("mine", h.taken_by === state.me);
      row.node.classList.toggle("message", h.kind === "message");
    }
    row.cells.wait.textContent = h.left ? "—" : formatDuration(waiting(row));
    row.node.hidden = !visible(h);
  }
  const rows = Array.from(state.rows.values()).sort((a, b) => order(a.data, b.data));
  rows.forEach((row, index) => { if (box.children[index] !== row.node) box.insertBefore(row.node, box.children[index] || null); });
  const open = handoffs.filter((h) => !h.left).length;
  $("#queue-empty").hidden = open > 0;
  $("#queue-summary").textContent = open ? `共 ${open} 个会话，${handoffs.filter((h) => !h.left && !h.taken_by).length} 个未接手` : "";
  if (state.selected !== null && !state.rows.has(state.selected)) showDetailGone();
  if (state.selected === null) {
    const first = rows.find((r) => !r.node.hidden && !r.data.left);
    if (first) select(first.data.id);
  }
}

function shownRows() {
  return Array.from(listbox().children).filter((n) => !n.hidden);
}

function select(id) {
  if (state.selected === id) return;
  if (state.selected !== null) state.drafts.set(state.selected, replyBox().value);
  const previous = state.rows.get(state.selected);
  if (previous) previous.node.setAttribute("aria-selected", "false");
  state.selected = id;
  state.detailSig = "";
  state.question = null;
  state.inserted = null;
  const row = state.rows.get(id);
  row.node.setAttribute("aria-selected", "true");
  listbox().setAttribute("aria-activedescendant", row.node.id);
  row.node.scrollIntoView({ block: "nearest" });
  replyBox().value = state.drafts.get(id) || "";
  setNote($("#detail-note"), "");
  $("#suggestion-list").replaceChildren();
  $("#suggestion-question").textContent = "";
  renderDetailHeader(row.data);
  refreshDetail().catch((err) => setPanelError("queue", err.message));
}

function move(step) {
  const rows = shownRows();
  if (!rows.length) return;
  const at = rows.findIndex((n) => Number(n.dataset.id) === state.selected);
  const next = step === "first" ? 0 : step === "last" ? rows.length - 1 : Math.max(0, Math.min(rows.length - 1, at + step));
  select(Number(rows[next].dataset.id));
}

// ---------------------------------------------------------------- the detail pane
function renderDetailHeader(h) {
  $("#detail-empty").hidden = true;
  $("#detail-body").hidden = false;
  $("#detail-title").textContent = `#${h.id} · ${CHANNEL_LABELS[h.channel] || h.channel || "未知渠道"}${h.kind === "message" ? " · 留言" : ""}`;
  const taken = h.taken_by === state.me;
  $("#detail-left").hidden = !h.left;
  $("#detail-message").hidden = h.kind !== "message" || h.left;
  for (const id of ["detail-take", "reply-send", "close-button"]) $(`#${id}`).disabled = !!h.left;
  replyBox().disabled = !!h.left;
  $("#detail-take").hidden = taken;
  const assign = $("#assign-row");
  assign.hidden = state.role !== "supervisor" || !!h.left;
  const select = $("#assign-staff");
  if (state.role === "supervisor" && select.dataset.sig !== state.staff.join("|")) {
    select.dataset.sig = state.staff.join("|");
    select.replaceChildren(...state.staff.map((name) => el("option", { value: name }, name)));
  }
}

function renderMeta(d) {
  const status = d.status_at_open;
  const statusText = status ? `${STATE_LABELS[status.state] || status.state}${status.expected_resume_at ? `（预计恢复 ${formatTime(status.expected_resume_at)}）` : ""}` : "—";
  const rows = [["渠道", CHANNEL_LABELS[d.channel] || d.channel || "—"], ["语言", LANGUAGE_LABELS[d.language] || d.language || "—"],
    ["转人工时的系统状态", statusText], ["原因", d.reason || "—"], ["发起时间", formatTime(d.opened_at)],
    ["接手人", d.taken_by || "未接手"], ["会话编号", d.conversation_id]];
  $("#detail-meta").replaceChildren(...rows.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]));
}

async function refreshDetail() {
  const id = state.selected;
  if (id === null) return;
  let d;
  try { d = await api("GET", `/api/handoffs/${id}`); } catch (err) {
    if (err.status === 404) { showDetailGone(); return; }
    throw err;
  }
  if (id !== state.selected) return;
  const messages = list(d.transcript);
  const last = messages[messages.length - 1] || {};
  const sig = JSON.stringify([messages.length, last.timestamp, d.taken_by, d.left, d.closed_at]);
  if (sig === state.detailSig) return;
  state.detailSig = sig;
  renderDetailHeader(d);
  renderMeta(d);
  renderTranscript(messages);
  const question = [...messages].reverse().find((m) => m.sender === "user" && m.text && !m.text.startsWith("/"));
  if (!d.left && question && question.text !== state.question) {
    state.question = question.text;
    loadSuggestions(id);
  }
}

function renderTranscript(messages) {
  const box = $("#detail-transcript");
  const stick = box.scrollHeight - box.scrollTop - box.clientHeight < 40 || !box.children.length;
  box.replaceChildren(...messages.map((m) => {
    const sender = Object.prototype.hasOwnProperty.call(SENDER_LABELS, m.sender) ? m.sender : "bot";
    return el("div", { class: `msg-row ${sender}` },
      el("div", { class: "msg-meta" }, `${SENDER_LABELS[sender]} · ${formatTime(m.timestamp, true)}`),
      el("div", { class: `msg ${sender}`, text: m.text == null ? "" : String(m.text) }));
  }));
  if (!messages.length) box.append(el("p", { class: "empty" }, "（暂无对话记录）"));
  if (stick) box.scrollTop = box.scrollHeight;
}

function showDetailGone() {
  state.selected = null;
  $("#detail-body").hidden = true;
  $("#detail-empty").hidden = false;
  $("#detail-empty").textContent = "这个会话已结束或已转给其他客服。请在左侧选择会话。";
}

// ---------------------------------------------------------------- suggested replies
async function loadSuggestions(id) {
  const listNode = $("#suggestion-list");
  listNode.replaceChildren(el("p", { class: "hint" }, "正在查找建议回复…"));
  let data;
  try { data = await api("GET", `/api/handoffs/${id}/suggestions`); } catch (err) {
    listNode.replaceChildren(el("p", { class: "error" }, err.message));
    return;
  }
  if (id !== state.selected) return;
  $("#suggestion-question").textContent = data.question ? `针对访客的最后一个问题：“${data.question}”` : "访客还没有提出具体问题。";
  const items = list(data.suggestions);
  if (!items.length) { listNode.replaceChildren(el("p", { class: "empty" }, "没有合适的建议回复，请人工答复。")); return; }
  listNode.replaceChildren(...items.map((s) => el("article", { class: "suggestion", "data-topic": s.topic },
    el("h4", {}, s.title || s.topic),
    el("p", { class: "suggestion-meta" }, "主题 ", el("code", {}, s.topic), ` · 置信度 ${percent(s.confidence)} · 来源：${s.source || "—"}`),
    el("p", { class: "answer", text: s.answer || "" }),
    el("button", { type: "button", class: "insert", onclick: () => insert(id, s) }, "插入回复框"))));
}

async function insert(id, suggestion) {
  const box = replyBox();
  box.value = suggestion.answer || "";
  state.inserted = { topic: suggestion.topic, text: box.value };
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  setNote($("#detail-note"), "已插入建议回复，请核对修改后发送。");
  try { await api("POST", `/api/handoffs/${id}/suggestions/inserted`, { topic: suggestion.topic }); } catch (_err) { /* the figure only */ }
}

// ---------------------------------------------------------------- actions
async function act(action, body, doneText) {
  const id = state.selected;
  if (id === null) return;
  const note = $("#detail-note");
  const buttons = Array.from(document.querySelectorAll("#detail-body button"));
  buttons.forEach((b) => { b.disabled = true; });
  setNote(note, "");
  try {
    await api("POST", `/api/handoffs/${id}/${action}`, body);
    setNote(note, doneText);
    return true;
  } catch (err) {
    setNote(note, err.message, true);
    return false;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    state.detailSig = "";
    poll();
  }
}

async function send() {
  const text = replyBox().value.trim();
  if (!text) { setNote($("#detail-note"), "请先输入回复内容。", true); replyBox().focus(); return; }
  const body = { text };
  if (state.inserted) Object.assign(body, { suggestion: state.inserted.topic, edited: text !== state.inserted.text.trim() });
  if (await act("reply", body, "已发送。")) {
    replyBox().value = "";
    state.drafts.delete(state.selected);
    state.inserted = null;
    replyBox().focus();
  }
}

async function close() {
  const outcome = $("#close-outcome").value;
  if (!outcome) { setNote($("#detail-note"), "请先选择处理结果。", true); $("#close-outcome").focus(); return; }
  const id = state.selected;
  if (await act("release", { outcome, note: $("#close-note").value.trim() }, "")) {
    $("#queue-live").textContent = `会话 #${id} 已结束（${OUTCOME_LABELS[outcome]}），已交还机器人。`;
    $("#close-note").value = "";
    $("#close-outcome").value = "";
    state.drafts.delete(id);
    listbox().focus();
  }
}

export function initQueue() {
  const box = listbox();
  box.addEventListener("keydown", (event) => {
    const steps = { ArrowDown: 1, ArrowUp: -1, j: 1, k: -1, Home: "first", End: "last", PageDown: 10, PageUp: -10 };
    if (Object.prototype.hasOwnProperty.call(steps, event.key)) { event.preventDefault(); move(steps[event.key]); }
    else if (event.key === "Enter" && state.selected !== null) { event.preventDefault(); replyBox().focus(); }
  });
  replyBox().addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
    else if (event.key === "Escape") { event.preventDefault(); listbox().focus(); }
  });
  $("#reply-send").addEventListener("click", send);
  $("#detail-take").addEventListener("click", () => act("take", {}, "已接手，请在下方回复访客。"));
  $("#close-button").addEventListener("click", close);
  $("#assign-button").addEventListener("click", () => act("assign", { staff: $("#assign-staff").value }, "已转派。"));
  // re-sort and filter what is listed at once; the next poll brings news
  $("#queue-sort").addEventListener("change", (event) => { state.sort = event.target.value; renderList(state.last); });
  $("#queue-filter").addEventListener("change", (event) => { state.filter = event.target.value; renderList(state.last); });
  const notifyButton = $("#notify-enable");
  updateNotifyButton();
  notifyButton.addEventListener("click", async () => {
    beep();
    if ("Notification" in window) await Notification.requestPermission();
    updateNotifyButton();
  });
  document.addEventListener("visibilitychange", () => (document.hidden ? schedule() : poll()));
  window.addEventListener("focus", () => poll());
}
