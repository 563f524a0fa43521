// The live status where visitors look first: a slim banner under the widget's header, and three
// suggested questions on first open. Kept apart from widget.js so the chat itself stays small.
//
// The banner reads the web app's GET /api/status (the same feed the answers read) every POLL_MS
// while the panel is open. The feed sends an ETag with Cache-Control: no-cache, so the browser
// itself revalidates with If-None-Match and an unchanged status costs a 304 (no custom header:
// no CORS preflight on sites that embed the widget). It shows the staff-set state, the expected resumption, when it was updated, and, beside
// it and labelled as such, the automatic probe's result when operators configured one.

const POLL_MS = 20000;
const STATE_TEXT = { suspended: "暂停中", degraded: "部分恢复", normal: "已恢复正常" };

export const SUGGESTED_QUESTIONS = ["现在恢复了吗", "急需开票怎么办", "去哪里线下开票"];

// "12月3日 09:00" in Guangzhou time; "09:00" alone for today.
function shanghaiTime(iso) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  for (const { type, value } of format.formatToParts(new Date(iso))) parts[type] = value;
  const today = {};
  for (const { type, value } of format.formatToParts(new Date())) today[type] = value;
  const clock = `${parts.hour}:${parts.minute}`;
  const sameDay = parts.year === today.year && parts.month === today.month && parts.day === today.day;
  return sameDay ? `今天${clock}` : `${Number(parts.month)}月${Number(parts.day)}日 ${clock}`;
}

// "电子发票服务：暂停中 · 预计12月3日 09:00恢复 · 更新于今天10:32"
export function bannerText(status) {
  const parts = [`电子发票服务：${STATE_TEXT[status.state] || status.state}`];
  if (status.state !== "normal") {
    parts.push(status.expected_resume_at ? `预计${shanghaiTime(status.expected_resume_at)}恢复` : "恢复时间尚未公布");
  }
  if (status.updated_at) parts.push(`更新于${shanghaiTime(status.updated_at)}`);
  return parts.join(" · ");
}

export class StatusBanner {
  constructor(apiUrl, makeElement) {
    this.url = `${apiUrl}/api/status`;
    this.timer = null;
    this.node = makeElement("div", { class: "status-banner", role: "status", "aria-live": "polite", hidden: "" });
    this.line = makeElement("p", { class: "status-line" });
    this.probe = makeElement("p", { class: "status-probe", hidden: "" });
    this.node.append(this.line, this.probe);
  }

  render(status) {
    this.node.hidden = false;
    this.node.dataset.state = status.state;
    this.line.textContent = bannerText(status);
    const probe = status.probe;
    this.probe.hidden = !(probe && probe.label);
    this.probe.textContent = probe && probe.label ? probe.label : "";
  }

  async refresh() {
    try {
      const response = await fetch(this.url);
      if (response.ok) this.render(await response.json());
    } catch (_e) {
      // the chat still works; the banner keeps the last status it showed
    }
  }

  // Poll while the panel is open; stop when it closes.
  setActive(active) {
    clearInterval(this.timer);
    this.timer = null;
    if (!active) return;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }
}

// Three questions to start with, shown in an empty conversation only.
export function suggestions(makeElement, ask) {
  const group = makeElement("div", { class: "suggestions", role: "group", "aria-label": "您可以这样问" });
  group.appendChild(makeElement("span", {}, "您可以这样问："));
  for (const question of SUGGESTED_QUESTIONS) {
    const button = makeElement("button", { type: "button" }, question);
    button.addEventListener("click", () => {
      group.remove();
      ask(question);
    });
    group.appendChild(button);
  }
  return group;
}

// The location search is offered only when some service point has coordinates.
export async function locationSearchAvailable(apiUrl) {
  try {
    const response = await fetch(`${apiUrl}/api/service-points`);
    if (!response.ok) return false;
    const { completeness } = await response.json();
    return Boolean(completeness && completeness.with_location > 0);
  } catch (_e) {
    return false;
  }
}
