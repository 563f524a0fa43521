/* 账号与日志 (supervisors): staff accounts and roles, and the audit log of every staff action. */
import { $, el } from "../dom.js";
import { api } from "./api.js";
import { field, formatTime, guard, list, onSubmit, renderTable, setNote, setPanelError, nextId } from "./ui.js";

const ROLE_LABELS = { agent: "客服", supervisor: "主管" };
const ME = ((document.getElementById("staff-name") || {}).textContent || "").trim();

export function loadStaff() {
  setPanelError("staff", "");
  guard("staff", loadAccounts);
  guard("staff", loadAudit);
}

function roleCell(user) {
  if (user.name === ME) return ROLE_LABELS[user.role] || user.role;
  const id = nextId("role");
  const select = el("select", { id }, Object.entries(ROLE_LABELS).map(([v, label]) => el("option", { value: v }, label)));
  select.value = user.role;
  const note = el("span", { class: "row-note", role: "status" });
  select.addEventListener("change", async () => {
    try { await api("POST", `/api/staff/${encodeURIComponent(user.name)}/role`, { role: select.value }); setNote(note, "已保存"); guard("staff", loadAudit); } catch (err) { setNote(note, err.message, true); }
  });
  return el("span", {}, el("label", { for: id, class: "visually-hidden" }, `${user.name} 的角色`), select, note);
}

function removeCell(user) {
  if (user.name === ME) return "—";
  return el("button", { type: "button", class: "danger", "aria-label": `删除账号 ${user.name}`, onclick: async () => {
    if (!window.confirm(`删除账号“${user.name}”？`)) return;
    try { await api("DELETE", `/api/staff/${encodeURIComponent(user.name)}`); loadStaff(); } catch (err) { setPanelError("staff", err.message); }
  } }, "删除");
}

async function loadAccounts() {
  const users = list((await api("GET", "/api/staff")).staff);
  renderTable($("#staff-table"), "客服账号", [
    { label: "账号", value: (u) => u.name }, { label: "角色", value: roleCell },
    { label: "创建时间", value: (u) => formatTime(u.created_at) }, { label: "操作", value: removeCell },
  ], users, "暂无账号");
}

async function loadAudit() {
  const entries = list((await api("GET", "/api/audit")).entries);
  renderTable($("#audit-table"), "操作日志", [
    { label: "时间", value: (e) => formatTime(e.at) }, { label: "操作人", value: (e) => e.staff },
    { label: "操作", value: (e) => el("code", {}, e.action) }, { label: "对象", value: (e) => e.target || "—" },
    { label: "详情", value: (e) => e.detail || "—" },
  ], entries, "暂无记录");
}

export function initStaff() {
  const form = $("#staff-form");
  if (!form) return;
  onSubmit(form, async () => {
    const body = { name: field(form, "name").value.trim(), password: field(form, "password").value, role: field(form, "role").value };
    await api("POST", "/api/staff", body);
    field(form, "password").value = "";
    setNote($(".form-note", form), `账号“${body.name}”已保存。`);
    loadStaff();
  });
}
