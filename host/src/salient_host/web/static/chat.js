// The chat page's behaviour: send, stream (SSE over fetch, resumable), render Markdown safely, tools, approvals.
// Untrusted text (the model's answer, tool arguments) only reaches the page as textContent, or as HTML that
// went through markdown-it (raw HTML off) and DOMPurify; each finished turn is replaced by the server's
// sanitised rendering (markdown-it-py + nh3), the same HTML a reload shows.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("chat-config").textContent);
  const messages = document.getElementById("messages");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const sendButton = document.getElementById("send");
  const stopButton = document.getElementById("stop");
  const newChatButton = document.getElementById("new-chat");
  const counter = document.getElementById("counter");
  const typing = document.getElementById("typing");
  const alertBox = document.getElementById("alert");

  let sessionId = config.sessionId;
  let busy = false;
  let lastSent = null; // the last message sent, for Retry
  const RETRIES = 5;

  // Rendering -------------------------------------------------------------------------------------------------

  const TAGS = ["p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"];
  let markdown = null;
  if (window.markdownit && window.DOMPurify) {
    markdown = window.markdownit({ html: false, linkify: false, typographer: false });
    window.DOMPurify.addHook("afterSanitizeAttributes", function (node) {
      if (node.tagName === "A") {
        const href = node.getAttribute("href") || "";
        if (!/^https?:\/\//i.test(href)) node.removeAttribute("href");
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
  }

  function sanitize(html) {
    if (!window.DOMPurify) return null;
    return window.DOMPurify.sanitize(html, {
      ALLOWED_TAGS: TAGS,
      ALLOWED_ATTR: ["href", "title", "class", "start", "align"],
      ALLOWED_URI_REGEXP: /^https?:\/\//i,
    });
  }

  // Put HTML into `el` only when a sanitiser is loaded; else, for server HTML, trust the server's (nh3) output.
  function setHtml(el, html, fromServer) {
    const clean = sanitize(html);
    if (clean !== null) el.innerHTML = clean;
    else if (fromServer) el.innerHTML = html;
    else return false;
    enhance(el);
    return true;
  }

  function renderStreaming(el, text) {
    if (markdown && setHtml(el, markdown.render(text), false)) return;
    el.textContent = text; // no Markdown library: plain text until the server's rendering arrives
  }

  // Code blocks get a copy button; links are forced to open safely.
  function enhance(root) {
    root.querySelectorAll("a").forEach(function (a) {
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", "noopener noreferrer");
    });
    root.querySelectorAll("pre > code").forEach(function (code) {
      const pre = code.parentElement;
      if (pre.parentElement && pre.parentElement.classList.contains("code-block")) return;
      const wrap = document.createElement("div");
      wrap.className = "code-block";
      pre.replaceWith(wrap);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to clipboard");
      button.addEventListener("click", function () { copy(code.textContent, button); });
      wrap.append(button, pre);
    });
  }

  function copy(text, button) {
    const done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  }

  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.append(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing else to try */ }
    area.remove();
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }

  function showAlert(text) {
    alertBox.textContent = text;
    alertBox.hidden = !text;
  }

  function setBusy(value) {
    busy = value;
    typing.hidden = !value;
    sendButton.disabled = value;
    sendButton.hidden = value;
    stopButton.hidden = !value;
    stopButton.disabled = false;
    newChatButton.disabled = value;
    messages.setAttribute("aria-busy", value ? "true" : "false");
  }

  function addUserMessage(text) {
    const article = el("article", "msg user");
    article.setAttribute("aria-label", "You");
    const bubble = el("div", "bubble");
    bubble.append(el("p", "user-text", text));
    article.append(bubble);
    messages.append(article);
    scrollDown();
  }

  // One assistant bubble per turn (or per continuation after approvals).
  function addAssistantMessage() {
    const article = el("article", "msg assistant streaming");
    article.setAttribute("aria-label", "Assistant");
    const bubble = el("div", "bubble");
    const tools = el("ul", "tools");
    tools.setAttribute("aria-label", "Tools used");
    tools.hidden = true;
    const content = el("div", "content");
    bubble.append(tools, content);
    article.append(bubble);
    messages.append(article);
    scrollDown();
    return { article: article, bubble: bubble, tools: tools, content: content, text: "" };
  }

  // A tool line opens to show the call's arguments and result (both redacted and capped by the server).
  function toolItem(view, event) {
    let item = view.tools.querySelector('[data-call-id="' + CSS.escape(event.call_id) + '"]');
    if (!item) {
      item = el("li", "tool");
      item.dataset.callId = event.call_id;
      const details = el("details");
      const summary = el("summary");
      summary.append(el("span", "tool-icon", "⚙"), " ", el("span", "tool-name", event.server + " · " + event.tool),
        " ", el("span", "tool-state"));
      summary.firstChild.setAttribute("aria-hidden", "true");
      const detail = el("div", "tool-detail");
      detail.append(el("p", "tool-label", "Arguments"), el("pre", "tool-args", JSON.stringify(event.args || {}, null, 2)));
      details.append(summary, detail);
      item.append(details);
      view.tools.append(item);
      view.tools.hidden = false;
    }
    return item;
  }

  function showResult(item, data) {
    const detail = item.querySelector(".tool-detail");
    if (!data.ok || data.result === null || data.result === undefined || detail.querySelector(".tool-result")) return;
    const text = typeof data.result === "string" ? data.result : JSON.stringify(data.result, null, 2);
    detail.append(el("p", "tool-label", "Result"), el("pre", "tool-result", text));
  }

  function approvalCard(event) {
    const card = el("div", "approval");
    card.dataset.callId = event.call_id;
    card.setAttribute("role", "group");
    card.setAttribute("aria-label", "Approval needed for " + event.tool);
    const title = el("p", "approval-title");
    title.append("The assistant wants to run ", el("strong", "", event.tool), " on ", el("strong", "", event.server),
      ". This changes or removes data.");
    card.append(title);
    if (event.reason) card.append(el("p", "approval-reason", event.reason));
    card.append(el("pre", "approval-args", JSON.stringify(event.args, null, 2)));
    const actions = el("div", "approval-actions");
    const approve = el("button", "approve", "Approve");
    approve.type = "button";
    approve.dataset.decision = "approve";
    const deny = el("button", "deny", "Deny");
    deny.type = "button";
    deny.dataset.decision = "deny";
    actions.append(approve, deny);
    card.append(actions);
    return card;
  }

  // Events ------------------------------------------------------------------------------------------------------

  function handle(view, type, data) {
    if (type === "text") {
      view.text += data.text;
      renderStreaming(view.content, view.text);
    } else if (type === "tool_started") {
      const item = toolItem(view, data);
      item.dataset.state = "running";
      item.querySelector(".tool-state").textContent = "running…";
    } else if (type === "tool_finished") {
      const item = toolItem(view, data);
      item.dataset.state = data.ok ? "ok" : "error";
      const seconds = (data.duration_ms / 1000).toFixed(2);
      item.querySelector(".tool-state").textContent = data.ok ? "done in " + seconds + " s" : "failed: " + (data.error || "error");
      showResult(item, data);
    } else if (type === "approval") {
      view.bubble.append(approvalCard(data));
    } else if (type === "notice") {
      view.bubble.append(el("p", "notice notice-" + data.level, data.text));
    } else if (type === "finished") {
      if (data.html) setHtml(view.content, data.html, true);
      else if (!view.text) view.content.remove();
      if (data.output === null) view.bubble.append(el("p", "notice awaiting", "Waiting for your decision."));
      view.article.classList.remove("streaming");
    } else if (type === "failed") {
      // The server words it for visitors (the cause is in the operator's log) and says whether to offer a retry.
      const failure = el("div", "turn-failed" + (data.code === "stopped" ? " turn-stopped" : ""));
      failure.append(el("p", "turn-error", data.message));
      failure.firstChild.setAttribute("role", "alert");
      if (data.retry && lastSent !== null) {
        const retry = el("button", "retry", "Retry");
        retry.type = "button";
        failure.append(retry);
      }
      view.bubble.append(failure);
      if (!view.text && !view.bubble.querySelector(".tool, .approval")) view.content.remove();
      view.article.classList.remove("streaming");
    }
    scrollDown();
  }

  // Parse one SSE block ("id: 3\nevent: text\ndata: {...}") into {id, event, data}.
  function parseBlock(block) {
    const out = { id: null, event: "message", data: [] };
    block.split(/\r?\n/).forEach(function (line) {
      if (!line || line.startsWith(":")) return;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? "" : line.slice(i + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") out.id = value;
      else if (field === "event") out.event = value;
      else if (field === "data") out.data.push(value);
    });
    return out;
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  class HttpError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (body && body.message) return body.message;
    } catch (e) { /* not JSON */ }
    return "The server answered " + response.status + ". Please try again.";
  }

  // POST `body` to `url` and follow the turn's events; on a dropped stream, send the same request again with the
  // same client_message_id and the last event id, so the server resumes instead of running the turn twice.
  async function streamTurn(url, body, view) {
    let lastSeq = -1;
    let ended = false;
    for (let attempt = 0; attempt <= RETRIES && !ended; attempt++) {
      if (attempt > 0) await sleep(Math.min(8000, 500 * 2 ** attempt));
      try {
        const headers = { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRF-Token": config.csrf };
        if (lastSeq >= 0) headers["Last-Event-ID"] = String(lastSeq);
        const response = await fetch(url, {
          method: "POST", headers: headers, credentials: "same-origin",
          body: JSON.stringify(Object.assign({}, body, { after_seq: lastSeq })),
        });
        if (!response.ok) throw new HttpError(response.status, await errorMessage(response));
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          buffer += decoder.decode(chunk.value, { stream: true });
          let cut;
          while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
            const frame = parseBlock(block);
            if (!frame.data.length) continue;
            const seq = frame.id === null ? NaN : Number(frame.id);
            if (!Number.isNaN(seq)) {
              if (seq <= lastSeq) continue; // already shown before the reconnect
              lastSeq = seq;
            }
            handle(view, frame.event, JSON.parse(frame.data.join("\n")));
            if (frame.event === "finished" || frame.event === "failed") ended = true;
          }
        }
      } catch (error) {
        if (error instanceof HttpError && error.status < 500) {
          showAlert(error.message);
          if (!view.text && !view.bubble.querySelector(".tool, .approval")) view.article.remove();
          return;
        }
      }
    }
    if (!ended) showAlert("The connection was lost. Your message is saved; reload the page to see the answer.");
  }

  async function ensureSession() {
    if (sessionId) return true;
    const response = await fetch("/api/sessions", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": config.csrf },
      body: JSON.stringify({ account: config.account, agent: config.agent, origin: config.origin }),
    });
    if (!response.ok) {
      showAlert(await errorMessage(response));
      return false;
    }
    sessionId = (await response.json()).id;
    return true;
  }

  async function send(text) {
    showAlert("");
    setBusy(true);
    try {
      if (!(await ensureSession())) return;
      lastSent = text;
      addUserMessage(text);
      const view = addAssistantMessage();
      await streamTurn("/api/sessions/" + encodeURIComponent(sessionId) + "/messages",
        { text: text, client_message_id: newId() }, view);
    } catch (error) {
      showAlert("Could not send the message: " + error.message);
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  // Approvals: every pending card of a turn needs a decision; then the turn continues.
  const decisions = {};

  async function decide(card, approved) {
    const callId = card.dataset.callId;
    decisions[callId] = approved;
    card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    card.classList.add(approved ? "approved" : "denied");
    card.querySelector(".approval-actions").replaceWith(el("p", "approval-outcome", approved ? "Approved" : "Denied"));
    const pending = Array.from(messages.querySelectorAll(".approval")).filter(function (c) {
      return !(c.dataset.callId in decisions);
    });
    if (pending.length || busy) return;
    const batch = {};
    Object.keys(decisions).forEach(function (k) { batch[k] = decisions[k]; delete decisions[k]; });
    messages.querySelectorAll(".approval").forEach(function (c) { c.classList.add("decided"); c.classList.remove("approval"); });
    messages.querySelectorAll(".notice.awaiting").forEach(function (n) { n.remove(); }); // decided: not waiting now
    setBusy(true);
    try {
      const view = addAssistantMessage();
      await streamTurn("/api/sessions/" + encodeURIComponent(sessionId) + "/decisions",
        { decisions: batch, client_message_id: newId() }, view);
    } finally {
      setBusy(false);
    }
  }

  // Retry: the failed (or stopped) answer goes, and the last message is sent again.
  messages.addEventListener("click", function (event) {
    const button = event.target.closest("button.retry");
    if (!button || busy || lastSent === null) return;
    const article = button.closest(".msg");
    const before = article.previousElementSibling;
    if (before && before.classList.contains("user")) before.remove();
    article.remove();
    send(lastSent);
  });

  // Stop: the server stops the turn itself; its stream then ends with a `failed` event (code `stopped`).
  stopButton.addEventListener("click", async function () {
    if (!busy || !sessionId) return;
    stopButton.disabled = true;
    try {
      const response = await fetch("/api/sessions/" + encodeURIComponent(sessionId) + "/stop", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": config.csrf },
      });
      if (!response.ok) showAlert(await errorMessage(response));
    } catch (error) {
      showAlert("Could not stop the answer: " + error.message);
    }
  });

  // New conversation: a fresh session (its cookie replaces this one's); the old one stays stored.
  newChatButton.addEventListener("click", async function () {
    if (busy) return;
    showAlert("");
    newChatButton.disabled = true;
    const previous = sessionId;
    sessionId = null;
    try {
      if (!(await ensureSession())) {
        sessionId = previous;
        return;
      }
      messages.querySelectorAll(".msg:not(.greeting)").forEach(function (m) { m.remove(); });
      lastSent = null;
      input.value = "";
      updateCounter();
      input.focus();
    } catch (error) {
      sessionId = previous;
      showAlert("Could not start a new conversation: " + error.message);
    } finally {
      newChatButton.disabled = busy;
    }
  });

  messages.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-decision]");
    if (!button || button.disabled) return;
    decide(button.closest(".approval"), button.dataset.decision === "approve");
  });

  // Composer ----------------------------------------------------------------------------------------------------

  // The limit is the server's (config.maxChars). Nothing is cut: the counter shows from 80 % of it, and a longer
  // message is kept in the box and refused with the reason.
  function updateCounter() {
    const length = input.value.trim().length;
    const over = length > config.maxChars;
    counter.hidden = length < config.maxChars * 0.8;
    counter.textContent = length.toLocaleString("en") + " / " + config.maxChars.toLocaleString("en") +
      (over ? " characters: " + (length - config.maxChars).toLocaleString("en") + " too many" : " characters");
    counter.classList.toggle("over", over);
    if (over) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  input.addEventListener("input", updateCounter);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    if (text.length > config.maxChars) {
      showAlert("The message is too long: " + text.length.toLocaleString("en") + " characters; the limit is " +
        config.maxChars.toLocaleString("en") + ". Shorten it or split it into several messages.");
      updateCounter();
      return;
    }
    input.value = "";
    updateCounter();
    send(text);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // History rendered by the server: same enhancements as streamed answers.
  messages.querySelectorAll(".msg.assistant .content").forEach(function (content) { enhance(content); });
  scrollDown();
  document.documentElement.dataset.chatReady = "true";
})();
