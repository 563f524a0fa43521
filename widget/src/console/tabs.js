/* The console's tabs (WAI-ARIA tabs: arrow keys, Home, End). */
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

export function initTabs(loaders) {
  const tabs = Array.from(document.querySelectorAll('[role="tab"]')).filter((tab) => !tab.hidden);
  const state = { active: null };
  function select(name, focus) {
    for (const tab of tabs) {
      const on = tab.getAttribute("aria-controls") === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
      if (on && focus) tab.focus();
    }
    state.active = name;
    if (loaders[name]) loaders[name]();
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab.getAttribute("aria-controls")));
    tab.addEventListener("keydown", (event) => {
      const keys = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!has(keys, event.key)) return;
      event.preventDefault();
      select(tabs[(keys[event.key] + tabs.length) % tabs.length].getAttribute("aria-controls"), true);
    });
  });
  return { select, active: () => state.active };
}
