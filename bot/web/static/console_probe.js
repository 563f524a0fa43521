// 系统状态 tab: the automatic platform check beside the staff-set status, and a flag when the two
// have disagreed for too long. A separate script (the console itself is console.js): it only
// reads GET /api/status/probe (staff session cookie) every 30 s and fills #status-probe.
(function () {
  "use strict";
  const POLL_MS = 30000;
  const STATE_TEXT = { suspended: "暂停中", degraded: "部分恢复", normal: "已恢复正常" };

  function render(box, data) {
    box.replaceChildren();
    if (!data.configured) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const line = document.createElement("p");
    line.textContent = data.result ? data.result.label : "自动检测：尚未完成第一次检测";
    box.appendChild(line);
    box.classList.toggle("probe-flagged", Boolean(data.flagged));
    if (data.flagged) {
      const flag = document.createElement("p");
      flag.className = "probe-flag";
      flag.setAttribute("role", "alert");
      const minutes = Math.round(data.disagree_after_seconds / 60);
      flag.textContent =
        `请核对：自动检测与当前设置的状态（${STATE_TEXT[data.official_state] || data.official_state}）` +
        `已不一致超过${minutes}分钟。自动检测不会改变状态，是否更新由您决定。`;
      box.appendChild(flag);
    }
  }

  async function refresh(box) {
    try {
      const response = await fetch("/api/status/probe", { credentials: "same-origin" });
      if (response.ok) render(box, await response.json());
    } catch (_e) {
      // the console keeps working; the next poll tries again
    }
  }

  function start() {
    const anchor = document.getElementById("status-current");
    if (!anchor) return;
    const box = document.createElement("div");
    box.id = "status-probe";
    box.className = "probe-status";
    box.hidden = true;
    box.setAttribute("role", "status");
    anchor.after(box);
    refresh(box);
    setInterval(() => refresh(box), POLL_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
