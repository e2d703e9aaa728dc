// Every call to the JSON API goes through request(): one place that knows how the server
// answers, and how to say what went wrong.

// {ok, status, headers, data}: `data` is the JSON body ({} when there is none), or the
// text with `as: "text"`; null when no answer came (the server could not be reached).
export async function request(path, { method = "GET", body, headers = {}, as = "json", cache } = {}) {
  const init = { method, headers: { ...headers }, cache };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    return null;
  }
  let data = as === "text" ? "" : {};
  try {
    if (response.status !== 204) data = as === "text" ? await response.text() : await response.json();
  } catch (error) {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return { ok: response.ok, status: response.status, headers: response.headers, data };
}

// The path of a prompt's resource: /api/prompts/<id>[/<what>].
export function promptPath(id, what) {
  return "/api/prompts/" + encodeURIComponent(id) + (what ? "/" + what : "");
}

// The server's own sentence for a refusal, or its status.
export function explain(answer) {
  return answer.data.description || answer.data.title || `the server answered ${answer.status}.`;
}

// "Try again in 40 seconds (at 10:31:05)." from Retry-After (seconds or a date).
export function retryHint(answer, clock) {
  const header = answer.headers.get("Retry-After") || "";
  const seconds = /^\d+$/.test(header) ? Number(header)
    : Math.ceil((Date.parse(header) - Date.now()) / 1000);
  if (!(seconds > 0)) return "Try again shortly.";
  const at = clock(new Date(Date.now() + seconds * 1000));
  return `Try again in ${seconds} second${seconds === 1 ? "" : "s"} (at ${at}).`;
}
