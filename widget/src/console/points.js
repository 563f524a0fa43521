/* 服务点: the service points, what is missing in each, and every change. */
import { $, el } from "../dom.js";
import { ApiError, api } from "./api.js";
import { byTimeDesc, clearErrors, col, field, formatTime, guard, list, onSubmit, renderTable, setPanelError } from "./ui.js";

const POINT_LABELS = { id: "编号", name: "名称", district: "所在区", address: "地址", latitude: "纬度",
  longitude: "经度", hours: "办公时间", phone: "电话", services: "服务项目", booking: "预约方式", notes: "备注",
  source: "资料来源", verified: "核实日期" };

let editButton = null;

export function loadPoints() {
  setPanelError("points", "");
  guard("points", async () => {
    const body = await api("GET", "/api/service-points");
    const points = list(body.service_points);
    const missing = (body.completeness && body.completeness.missing) || {};
    renderCompleteness(body.completeness);
    renderTable($("#points-table"), "服务点列表", [
      col("名称", "name"), col("所在区", "district"), col("地址", "address"),
      col("办公时间", "hours"), col("电话", "phone"), col("核实日期", "verified", "未核实"),
      { label: "待补充", value: (p) => list(missing[p.id]).map(detailLabel).join("、") || "—" },
      { label: "操作", value: (p) => el("button", { type: "button", "aria-label": `编辑 ${p.name || p.id}`, onclick: (e) => openPointEditor(p, e.currentTarget) }, "编辑") },
    ], points, "暂无服务点");
  });
  guard("points", loadPointChanges);
}

const detailLabel = (name) => (name === "location" ? "坐标" : POINT_LABELS[name] || name);

/** How much of the list is filled in: what visitors get is only as good as this. */
function renderCompleteness(counts) {
  const target = $("#points-completeness");
  if (!counts) { target.textContent = ""; return; }
  target.textContent = counts.with_address === counts.total && counts.verified === counts.total
    ? `共 ${counts.total} 个服务点，地址齐全且都已核实。`
    : `共 ${counts.total} 个服务点：有地址 ${counts.with_address} 个，有坐标 ${counts.with_location} 个（按位置查找最近的服务点需要坐标），已核实 ${counts.verified} 个。`
      + "没有地址的服务点，机器人只能请用户拨打热线查询。";
}

function openPointEditor(point, button) {
  const form = $("#point-form");
  clearErrors(form);
  editButton = button;
  $("#point-form-title").textContent = `编辑服务点：${point.name || point.id}`;
  for (const name of Object.keys(POINT_LABELS)) {
    const value = point[name];
    field(form, name).value = name === "services" ? list(value).join("，") : value == null ? "" : String(value);
  }
  form.hidden = false;
  form.scrollIntoView({ block: "start" });
  field(form, "name").focus({ preventScroll: true });
}

function closePointEditor() {
  $("#point-form").hidden = true;
  if (editButton && editButton.isConnected) editButton.focus();
}

/** The form as the API's full object; a client-side problem is thrown like a 422. */
function readPointForm(form) {
  const text = (name) => field(form, name).value.trim();
  const point = {};
  for (const name of ["id", "name", "district", "address", "hours", "phone", "booking", "notes", "source"]) point[name] = text(name);
  for (const name of ["latitude", "longitude"]) {
    const raw = text(name);
    point[name] = raw ? Number(raw) : null;
    if (raw && !isFinite(point[name])) throw new ApiError(422, { error: "请输入数字，或留空。", field: name });
  }
  point.services = text("services").split(/[,，、;；\n]/).map((s) => s.trim()).filter(Boolean);
  point.verified = text("verified") || null;
  return point;
}

export function initPoints() {
  const form = $("#point-form");
  $("#point-cancel").addEventListener("click", closePointEditor);
  form.addEventListener("keydown", (event) => { if (event.key === "Escape") closePointEditor(); });
  onSubmit(form, async () => {
    const point = readPointForm(form);
    await api("PUT", `/api/service-points/${encodeURIComponent(point.id)}`, point);
    form.hidden = true;
    $("#points-note").textContent = `已保存「${point.name}」。`;
    $("#points-note").focus();
    loadPoints();
  }, { "latitude/longitude": "latitude", entry: "_form", body: "_form" });
}

const pointValue = (v) => (v === null || v === undefined || v === "" ? "（空）" : Array.isArray(v) ? v.join("，") : String(v));

/** What a change altered: compared with the previous change of the same point (list is newest first). */
function changeDetails(d, rows) {
  if (d.data.deleted) return "已删除";
  const older = rows.slice(rows.indexOf(d) + 1).find((o) => o.key === d.key);
  const before = older ? older.data : null;
  const names = Object.keys(Object.assign({}, before, d.data))
    .filter((n) => !before || JSON.stringify(before[n]) !== JSON.stringify(d.data[n]));
  if (!names.length) return "未改动内容";
  const label = (n) => POINT_LABELS[n] || n;
  return el("details", {}, el("summary", {}, before ? `修改了 ${names.map(label).join("、")}` : "完整资料（更早的版本不在列表中）"),
    el("ul", {}, names.map((n) => el("li", {}, el("strong", {}, `${label(n)}：`),
      before ? `${pointValue(before[n])} → ${pointValue(d.data[n])}` : pointValue(d.data[n])))));
}

async function loadPointChanges() {
  const rows = list((await api("GET", "/api/service-points/changes")).changes).slice()
    .sort(byTimeDesc((c) => c.changed_at)).map((change) => {
      const data = change.data && typeof change.data === "object" ? change.data : {};
      return { change, data, key: String(data.id || change.id) };
    });
  renderTable($("#points-changes"), "服务点修改记录", [
    { label: "时间", value: (d) => formatTime(d.change.changed_at) },
    { label: "修改人", value: (d) => d.change.changed_by || "—" },
    { label: "服务点", value: (d) => d.data.name || d.data.id || String(d.change.id) },
    { label: "修改内容", value: (d) => changeDetails(d, rows) },
  ], rows, "暂无修改记录");
}

