// The embeddable chat widget. One tag on any page:
//   <script src="https://chat.example.com/widget.js" data-agent="sales" data-account="demo"
//           data-color="#1f5fbf" data-greeting="Hi! Questions about a product?" data-title="Chat with us" async></script>
// It adds a floating button in a shadow root (the page's CSS cannot reach it) that opens a panel with the chat in an
// iframe from the chat host (its own document: neither CSS nor script crosses). The iframe is told the page's
// address and referrer so the conversation (and the CRM lead) records where it started.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__salientWidget) return;
  window.__salientWidget = true;

  var base = new URL(script.src, location.href).origin;
  var data = script.dataset;
  var agent = /^[A-Za-z0-9_-]{1,64}$/.test(data.agent || "") ? data.agent : "sales";
  var account = /^[A-Za-z0-9_-]{1,64}$/.test(data.account || "") ? data.account : "demo";
  var color = /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(data.color || "") ? data.color : "#1f5fbf";
  var title = (data.title || "Chat with us").slice(0, 80);
  var greeting = (data.greeting || "").slice(0, 300);

  var host = document.createElement("div");
  host.id = "salient-chat-widget";
  var root = host.attachShadow({ mode: "open" });

  // `all: initial` on the wrapper stops the page's inherited styles (font, colour, ...) at the boundary.
  var css = [
    ".wrap { all: initial; position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;",
    "  font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; color: #1b1f24; }",
    ".launcher { all: initial; box-sizing: border-box; width: 60px; height: 60px; border-radius: 50%;",
    "  background: var(--accent); color: #fff; cursor: pointer; display: flex; align-items: center;",
    "  justify-content: center; box-shadow: 0 6px 20px rgba(0,0,0,.25); position: absolute; right: 0; bottom: 0; }",
    ".launcher:focus-visible, .close:focus-visible { outline: 3px solid #ffbf47; outline-offset: 3px; }",
    ".launcher svg { width: 28px; height: 28px; fill: currentColor; }",
    ".panel { position: absolute; right: 0; bottom: 76px; width: 380px; height: 560px;",
    "  max-height: calc(100vh - 110px); max-width: calc(100vw - 40px); background: #fff; border-radius: 16px;",
    "  overflow: hidden; box-shadow: 0 12px 40px rgba(0,0,0,.3); display: flex; flex-direction: column; }",
    ".panel[hidden] { display: none; }",
    ".bar { display: flex; align-items: center; justify-content: space-between; padding: 8px 10px 8px 16px;",
    "  background: var(--accent); color: #fff; font-weight: 600; }",
    ".close { all: initial; cursor: pointer; color: #fff; font: 22px/1 system-ui, sans-serif; padding: 4px 8px;",
    "  border-radius: 6px; }",
    "iframe { border: 0; width: 100%; flex: 1 1 auto; display: block; }",
    "@media (max-width: 480px) { .wrap { right: 12px; bottom: 12px; }",
    "  .panel { position: fixed; inset: 0; width: 100vw; height: 100%; max-width: none; max-height: none;",
    "    border-radius: 0; }",
    "  .wrap.open .launcher { display: none; } }",
  ].join("\n");

  var wrap = document.createElement("div");
  wrap.className = "wrap";
  wrap.style.setProperty("--accent", color);

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.setAttribute("aria-label", "Open chat");
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "salient-panel");
  launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

  var panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "salient-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);

  var bar = document.createElement("div");
  bar.className = "bar";
  var heading = document.createElement("span");
  heading.textContent = title;
  var close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.setAttribute("aria-label", "Close chat");
  close.textContent = "×";
  bar.append(heading, close);
  panel.append(bar);

  var frame = null;
  function open() {
    if (!frame) {
      var query = new URLSearchParams({ page: location.href.slice(0, 2000), ref: document.referrer.slice(0, 2000), color: color });
      if (greeting) query.set("greeting", greeting);
      frame = document.createElement("iframe");
      frame.title = title;
      frame.src = base + "/embed/" + encodeURIComponent(account) + "/" + encodeURIComponent(agent) + "?" + query;
      frame.setAttribute("allow", "clipboard-write");
      panel.append(frame);
    }
    panel.hidden = false;
    wrap.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "Close chat");
    frame.focus();
  }
  function hide() {
    panel.hidden = true;
    wrap.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "Open chat");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : hide(); });
  close.addEventListener("click", hide);
  root.addEventListener("keydown", function (event) { if (event.key === "Escape" && !panel.hidden) hide(); });

  wrap.append(panel, launcher);
  // A constructed stylesheet is not inline style, so a page whose CSP forbids inline styles still shows the widget.
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement("style");
    style.textContent = css;
    root.append(style);
  }
  root.append(wrap);
  (document.body || document.documentElement).append(host);
})();
