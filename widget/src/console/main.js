/* 客服工作台 — the staff console: one ES module per tab, bundled by esbuild with the widget
 * (widget/package.json); DOM helpers shared with the widget (../dom.js). */
import { $ } from "../dom.js";
import { initAssist } from "./assist.js";
import { loadInsights } from "./insights.js";
import { initPoints, loadPoints } from "./points.js";
import { initQueue, poll } from "./queue.js";
import { initStaff, loadStaff } from "./staff.js";
import { initStatus, loadStatus } from "./status.js";
import { initTabs } from "./tabs.js";

function init() {
  const supervisor = document.body.dataset.role === "supervisor";
  document.querySelectorAll("[data-supervisor]").forEach((node) => { node.hidden = !supervisor; });
  const tabs = initTabs({ queue: poll, assist: () => {}, status: loadStatus, points: loadPoints,
    insights: loadInsights, staff: loadStaff });
  initQueue(); // polls in every tab: the badge, the title and notifications stay live
  [initAssist, initStatus, initPoints, initStaff].forEach((initSection) => initSection());
  $("#insights-refresh").addEventListener("click", loadInsights);
  tabs.select("queue");
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
