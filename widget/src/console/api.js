/* The console's one door to the staff API: same-origin cookies, the CSRF header and a JSON body
 * on writes, 401 → the login page, errors as ApiError with the server's message. */

const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
export const session = { redirecting: false };

export class ApiError extends Error {
  constructor(status, data) {
    super(status === 403 && !(data && data.error) ? "请求被拒绝：页面可能已过期，请刷新页面后重试。"
      : (data && data.error) || `请求失败（HTTP ${status}）`);
    this.status = status;
    this.data = data || {};
  }
}

export async function api(method, path, body) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") {
    Object.assign(options.headers, { "X-CSRF-Token": CSRF, "Content-Type": "application/json" });
    options.body = JSON.stringify(body === undefined ? {} : body);
  }
  let response;
  try { response = await fetch(path, options); } catch (_err) { throw new ApiError(0, { error: "网络连接失败，请检查网络后重试。" }); }
  if (response.status === 401) {
    session.redirecting = true;
    window.location.assign("/console/login");
    throw new ApiError(401, { error: "登录已过期，正在跳转到登录页…" });
  }
  const data = (response.headers.get("Content-Type") || "").includes("json")
    ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data || {};
}
