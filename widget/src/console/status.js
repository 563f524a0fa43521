/* 系统状态: the live status staff set, and its history. */
import { $, el } from "../dom.js";
import { api } from "./api.js";
import { STATE_LABELS, byTimeDesc, col, field, formatTime, guard, has, list, onSubmit, renderTable, setNote, setPanelError, toDate } from "./ui.js";

/** ISO (any offset) ↔ <input type="datetime-local"> value in Guangzhou time (UTC+8); empty ↔ null. */
function isoToLocalInput(iso) {
  const date = toDate(iso);
  return date ? new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16) : "";
}
const localInputToIso = (value) => (value ? `${value.length === 16 ? `${value}:00` : value}+08:00` : null);

const TIME_FIELDS = ["started_at", "expected_resume_at"]; // datetime-local inputs, Guangzhou time
let statusDirty = false; // unsaved edits are not overwritten when the tab is reopened

export function loadStatus() {
  setPanelError("status", "");
  guard("status", async () => {
    const current = await api("GET", "/api/status");
    renderCurrentStatus(current);
    if (!statusDirty) fillStatusForm(current);
  });
  guard("status", loadStatusHistory);
}

function renderCurrentStatus(s) {
  const parts = [`当前状态：${STATE_LABELS[s.state] || s.state || "—"}`];
  if (s.expected_resume_at) parts.push(`预计恢复：${formatTime(s.expected_resume_at)}`);
  parts.push(`最后更新：${formatTime(s.updated_at)}${s.updated_by ? `（${s.updated_by}）` : ""}`);
  $("#status-current").textContent = parts.join(" · ");
  $("#status-current").dataset.state = has(STATE_LABELS, s.state) ? s.state : "";
}

function fillStatusForm(s) {
  const form = $("#status-form");
  for (const name of ["state", "message", "source_url"]) field(form, name).value = s[name] || "";
  for (const name of TIME_FIELDS) field(form, name).value = isoToLocalInput(s[name]);
  statusDirty = false;
}

async function loadStatusHistory() {
  const rows = list((await api("GET", "/api/status/history")).history).slice().sort(byTimeDesc((r) => r.updated_at));
  renderTable($("#status-history"), "状态变更历史", [
    { label: "更新时间", value: (r) => formatTime(r.updated_at) }, col("更新人", "updated_by"),
    { label: "状态", value: (r) => el("span", { class: `state state-${has(STATE_LABELS, r.state) ? r.state : "unknown"}` }, STATE_LABELS[r.state] || r.state || "—") },
    { label: "预计恢复时间", value: (r) => formatTime(r.expected_resume_at) },
  ], rows, "暂无历史记录");
}

export function initStatus() {
  const form = $("#status-form");
  const note = $(".form-note", form);
  for (const type of ["input", "change"]) form.addEventListener(type, () => { statusDirty = true; });
  onSubmit(form, async () => {
    setNote(note, "");
    const body = { state: field(form, "state").value, message: field(form, "message").value,
      source_url: field(form, "source_url").value.trim() };
    for (const name of TIME_FIELDS) body[name] = localInputToIso(field(form, name).value);
    const saved = await api("PUT", "/api/status", body);
    fillStatusForm(saved);
    renderCurrentStatus(saved);
    setNote(note, "已保存。");
    guard("status", loadStatusHistory);
  });
}

