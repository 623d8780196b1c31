// The sandbox web app's only script: login, conversation list, conversation page (socket.io-client).
"use strict";

const CONFIG = JSON.parse(document.getElementById("meeshy-config").textContent);
// Where the real app keeps its session (zustand persist in stores/auth-store.ts).
const AUTH_KEY = "meeshy-auth";
const REQUEST_TIMEOUT_MS = 10000;
const LOGIN_GUARD_MS = 1500;
const JS_VERIFIED_MS = 100;
const QUICK_EMOJIS = [
  "❤️", "👍", "😂", "😮", "😢", "😡", "🔥", "🎉", "👏", "🙏", "😍", "🤔", "👀", "💯", "✨",
  "😊", "😎", "🥳", "😅", "🤣", "👌", "💪", "🙌", "😭", "😘", "🤝", "👎", "💔", "⭐", "✅",
];

const LABELS = {
  en: {
    login: "Login", logout: "Logout", usernameLabel: "Username", passwordLabel: "Password",
    usernamePlaceholder: "Enter your username, email or phone", passwordPlaceholder: "Your password",
    rememberDevice: "Remember this device", composerPlaceholder: "Write your message...",
    addReaction: "Add reaction", reply: "Reply to message", tooFast: "Please wait a moment and try again.",
    notConnected: "Not connected yet, try again.", uploading: "Upload in progress.",
  },
  fr: {
    login: "Se connecter", logout: "Déconnexion", usernameLabel: "Nom d'utilisateur",
    passwordLabel: "Mot de passe", usernamePlaceholder: "Entrez votre nom d'utilisateur, email ou téléphone",
    passwordPlaceholder: "Votre mot de passe", rememberDevice: "Se souvenir de cet appareil",
    composerPlaceholder: "Écrivez votre message...", addReaction: "Ajouter une réaction",
    reply: "Répondre au message", tooFast: "Veuillez patienter un instant puis réessayer.",
    notConnected: "Pas encore connecté, réessayez.", uploading: "Envoi du fichier en cours.",
  },
};
const UI_LANGUAGE = (navigator.language || "en").slice(0, 2) === "fr" ? "fr" : "en";
const t = (key) => LABELS[UI_LANGUAGE][key];

function translatePage() {
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function showError(id, text) {
  document.getElementById(id).textContent = text || "";
}

// As the real form (login-form.tsx): a div[role=alert] at the top of the form, only while there is an error.
function showLoginError(text) {
  const form = document.getElementById("login-form");
  form.querySelector(":scope > [role=alert]")?.remove();
  if (text) form.prepend(el("div", { role: "alert", class: "login-error" }, el("p", {}, text)));
}

// --- session -------------------------------------------------------------------------------

function loadAuth() {
  try {
    return JSON.parse(localStorage.getItem(AUTH_KEY))?.state ?? null;
  } catch {
    return null;
  }
}

function saveAuth(data) {
  const state = {
    user: data.user,
    authToken: data.token,
    refreshToken: null,
    sessionToken: data.sessionToken ?? null,
    sessionExpiry: new Date(Date.now() + (data.expiresIn ?? 86400) * 1000).toISOString(),
  };
  localStorage.setItem(AUTH_KEY, JSON.stringify({ state, version: 0 }));
}

async function api(path, { method = "GET", json, form } = {}) {
  const auth = loadAuth();
  const headers = {};
  if (auth?.authToken) headers.Authorization = `Bearer ${auth.authToken}`;
  if (auth?.sessionToken) headers["X-Session-Token"] = auth.sessionToken;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  const response = await fetch(`${CONFIG.apiUrl}${CONFIG.apiPath}${path}`, {
    method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  return { status: response.status, body: payload };
}

function safeReturnUrl(value) {
  return value && value.startsWith("/") && !value.startsWith("//") ? value : "/dashboard";
}

function redirectToLogin() {
  const here = location.pathname + location.search;
  location.assign(`/login?returnUrl=${encodeURIComponent(here)}`);
}

// --- login ---------------------------------------------------------------------------------

// The real /login is rendered on the client: its server HTML is a spinner. The form then mounts here.
async function mountLogin() {
  if (!document.getElementById("login-form")) {
    const response = await fetch("/static/login-form.html");
    document.getElementById("login-root").querySelector("[role=status]")?.remove();
    document.getElementById("login-root").insertAdjacentHTML("beforeend", await response.text());
    translatePage();
  }
  initLogin();
}

function initLogin() {
  const mountedAt = performance.now();
  let jsVerified = false;
  setTimeout(() => { jsVerified = true; }, JS_VERIFIED_MS);
  const form = document.getElementById("login-form");
  const remember = document.getElementById("remember-device");
  remember.addEventListener("click", () => {
    remember.setAttribute("aria-checked", String(remember.getAttribute("aria-checked") !== "true"));
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const honeypot = form.querySelector("input[name=website]").value;
    // Bot protection of the real form: no submit before 1.5 s, nor with the honeypot filled.
    if (performance.now() - mountedAt < LOGIN_GUARD_MS || !jsVerified || honeypot) {
      showLoginError(t("tooFast"));
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    showLoginError("");
    try {
      const { status, body } = await api("/auth/login", {
        method: "POST",
        json: {
          username: document.getElementById("login-form-username").value.trim(),
          password: document.getElementById("login-form-password").value,
          rememberDevice: remember.getAttribute("aria-checked") === "true",
        },
      });
      if (status === 200 && body?.success && body.data?.token) {
        saveAuth(body.data);
        location.assign(safeReturnUrl(new URLSearchParams(location.search).get("returnUrl")));
        return;
      }
      showLoginError(body?.error || body?.message || `HTTP ${status}`);
    } catch (error) {
      showLoginError(String(error));
    }
    submit.disabled = false;
  });
}

// --- conversations -------------------------------------------------------------------------

const page = {
  auth: null,
  socket: null,
  conversationId: null,
  replyTo: null,
  attachments: [],
  uploads: 0,
};

async function initConversations() {
  const auth = loadAuth();
  if (!auth?.authToken) return redirectToLogin();
  page.auth = auth;
  document.getElementById("logout-button").addEventListener("click", logout);
  let me;
  try {
    me = await api("/auth/me");
  } catch (error) {
    return showError("page-error", `Gateway unreachable: ${error}`);
  }
  if (me.status === 401 || me.status === 403) {
    localStorage.removeItem(AUTH_KEY);
    return redirectToLogin();
  }
  page.auth.user = me.body?.data?.user ?? auth.user;
  document.getElementById("current-user").textContent =
    page.auth.user?.displayName || page.auth.user?.username || "";
  const conversations = await loadConversationList();
  const param = document.body.dataset.conversationParam;
  if (param) await openConversation(param, conversations);
}

async function loadConversationList() {
  const { status, body } = await api("/conversations?limit=50");
  if (status !== 200) {
    showError("page-error", body?.error || `HTTP ${status}`);
    return [];
  }
  const list = document.querySelector(".conversation-list");
  list.replaceChildren(...body.data.map((c) => el("li", {},
    el("a", { href: `/conversations/${c.id}`, "data-conversation-id": c.id, "data-identifier": c.identifier },
      c.title || c.identifier || c.id))));
  return body.data;
}

async function openConversation(param, conversations) {
  const known = conversations.find((c) => c.id === param || c.identifier === param);
  page.conversationId = known?.id ?? param;
  document.getElementById("conversation-view").hidden = false;
  document.getElementById("conversation-title").textContent = known?.title || param;
  initComposer();
  const { status, body } = await api(`/conversations/${encodeURIComponent(param)}/messages?limit=50`);
  if (status !== 200) return showError("page-error", body?.error || `HTTP ${status}`);
  for (const message of [...body.data].reverse()) renderMessage(message);
  connectSocket();
}

function connectSocket() {
  const socket = io(CONFIG.apiUrl, {
    path: "/socket.io/",
    transports: ["websocket", "polling"],
    auth: { authToken: page.auth.authToken, tokenType: "jwt" },
  });
  page.socket = socket;
  socket.on("authenticated", (result) => {
    if (!result?.success) return showError("page-error", result?.error || "Socket authentication failed");
    document.body.dataset.realtime = "authenticated";
    socket.emit("conversation:join", { conversationId: page.conversationId });
  });
  socket.on("conversation:joined", () => { document.body.dataset.realtime = "joined"; });
  socket.on("disconnect", () => { document.body.dataset.realtime = "offline"; });
  socket.on("message:new", (message) => {
    if (message.conversationId === page.conversationId) renderMessage(message);
  });
  socket.on("message:edited", (message) => {
    const bubble = document.getElementById(`message-${message.id}`);
    if (!bubble) return;
    bubble.querySelector(".message-content").textContent = message.content ?? "";
    bubble.dataset.edited = "true";
  });
  socket.on("message:deleted", ({ messageId }) => document.getElementById(`message-${messageId}`)?.remove());
  socket.on("message:translation", ({ messageId, translations }) => {
    for (const translation of translations ?? []) renderTranslation(messageId, translation);
  });
  for (const event of ["reaction:added", "reaction:removed"]) {
    socket.on(event, ({ messageId, aggregation }) => {
      if (aggregation) renderReactionChip(messageId, { ...aggregation, hasCurrentUser: undefined });
    });
  }
}

function emitWithAck(event, payload) {
  return new Promise((resolve) => {
    if (!page.socket?.connected) return resolve({ success: false, error: t("notConnected") });
    page.socket.timeout(REQUEST_TIMEOUT_MS).emit(event, payload, (error, ack) => {
      resolve(error ? { success: false, error: `${event}: no answer` } : ack);
    });
  });
}

async function logout() {
  try {
    await api("/auth/logout", { method: "POST" });
  } catch {
    // Leaving locally is what matters; the gateway may already be gone.
  }
  page.socket?.disconnect();
  localStorage.removeItem(AUTH_KEY);
  location.assign("/login");
}

// --- messages ------------------------------------------------------------------------------

function senderName(message) {
  const sender = message.sender ?? {};
  return sender.displayName || sender.username || message.senderId || "";
}

function renderMessage(message) {
  // message:new comes twice to the sender; deleted messages are not shown.
  if (message.isDeleted || document.getElementById(`message-${message.id}`)) return;
  const own = message.senderId === page.auth.user?.id;
  const bubble = el("article", {
    id: `message-${message.id}`,
    class: own ? "message-bubble own" : "message-bubble",
    "data-message-id": message.id,
    "data-sender-id": message.senderId,
    "data-edited": message.isEdited ? "true" : null,
  },
  el("header", { class: "message-sender" }, senderName(message)),
  message.replyToId ? replyQuote(message) : null,
  el("p", { class: "message-content" }, message.content ?? ""),
  attachmentList(message.attachments ?? []),
  el("div", { class: "message-translations" }),
  el("div", { class: "message-reactions" }),
  actionsBar(message));
  document.querySelector(".message-list").append(bubble);
  for (const [emoji, count] of Object.entries(message.reactionSummary ?? {})) {
    renderReactionChip(message.id, { emoji, count });
  }
  for (const translation of message.translations ?? []) renderTranslation(message.id, translation);
  bubble.scrollIntoView({ block: "end" });
}

function replyQuote(message) {
  const parent = document.querySelector(`#message-${CSS.escape(message.replyToId)} .message-content`);
  const text = message.replyTo?.content ?? parent?.textContent ?? "";
  return el("blockquote", { class: "message-reply-quote", "data-reply-to-id": message.replyToId }, text);
}

function attachmentList(attachments) {
  if (!attachments.length) return null;
  return el("ul", { class: "message-attachments" }, ...attachments.map((a) => {
    const href = `${CONFIG.apiUrl}${a.fileUrl}`;
    const name = a.originalName || a.fileName;
    const preview = (a.mimeType ?? "").startsWith("image/") ? el("img", { src: href, alt: name }) : name;
    return el("li", { "data-attachment-id": a.id }, el("a", { href, target: "_blank" }, preview));
  }));
}

function renderTranslation(messageId, translation) {
  const box = document.querySelector(`#message-${CSS.escape(messageId)} .message-translations`);
  if (!box) return;
  const language = translation.targetLanguage;
  let line = box.querySelector(`[data-language="${CSS.escape(language)}"]`);
  if (!line) {
    line = el("p", { class: "message-translation", "data-language": language });
    box.append(line);
  }
  line.textContent = `${language}: ${translation.translatedContent}`;
}

function actionsBar(message) {
  const reply = el("button", { type: "button", "aria-label": t("reply") }, "↩");
  reply.addEventListener("click", () => startReply(message));
  const react = el("button", { type: "button", "aria-label": t("addReaction"), "aria-expanded": "false" }, "☺");
  const bar = el("div", { class: "message-actions" }, reply, react);
  react.addEventListener("click", () => {
    const open = bar.querySelector("[role=grid]");
    if (open) {
      open.remove();
      react.setAttribute("aria-expanded", "false");
      return;
    }
    const grid = el("div", { role: "grid", class: "emoji-grid" }, ...QUICK_EMOJIS.map((emoji) => {
      const button = el("button", { type: "button", "aria-label": `Réagir avec ${emoji}` }, emoji);
      button.addEventListener("click", () => {
        grid.remove();
        react.setAttribute("aria-expanded", "false");
        toggleReaction(message.id, emoji, false);
      });
      return button;
    }));
    bar.append(grid);
    react.setAttribute("aria-expanded", "true");
  });
  return bar;
}

// The real gateway's reaction broadcasts reach nobody, so the page confirms by the ack and re-reads.
async function toggleReaction(messageId, emoji, remove) {
  const ack = await emitWithAck(remove ? "reaction:remove" : "reaction:add", { messageId, emoji });
  if (!ack?.success) return showError("composer-error", ack?.error);
  const sync = await emitWithAck("reaction:request_sync", messageId);
  if (!sync?.success) return showError("composer-error", sync?.error);
  const box = document.querySelector(`#message-${CSS.escape(messageId)} .message-reactions`);
  box?.replaceChildren();
  for (const reaction of sync.data.reactions) renderReactionChip(messageId, reaction);
}

function renderReactionChip(messageId, { emoji, count, hasCurrentUser }) {
  const box = document.querySelector(`#message-${CSS.escape(messageId)} .message-reactions`);
  if (!box) return;
  let chip = [...box.children].find((node) => node.dataset.emoji === emoji);
  if (count <= 0) return chip?.remove();
  if (!chip) {
    chip = el("button", { type: "button", class: "message-reaction", "data-emoji": emoji, "aria-pressed": "false" });
    chip.addEventListener("click", () => toggleReaction(messageId, emoji, chip.getAttribute("aria-pressed") === "true"));
    box.append(chip);
  }
  if (hasCurrentUser !== undefined) chip.setAttribute("aria-pressed", String(Boolean(hasCurrentUser)));
  chip.dataset.count = String(count);
  chip.textContent = `${emoji} ${count}`;
}

// --- composer ------------------------------------------------------------------------------

function composerParts() {
  const form = document.getElementById("message-composer");
  return {
    form,
    textarea: form.querySelector("textarea"),
    fileInput: document.getElementById("message-composer-file-input"),
    sendSlot: document.getElementById("composer-send-slot"),
    reply: document.getElementById("composer-reply"),
    attachments: document.getElementById("composer-attachments"),
  };
}

function initComposer() {
  const parts = composerParts();
  parts.textarea.addEventListener("input", updateSendButton);
  parts.textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      sendMessage();
    }
  });
  parts.form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage();
  });
  parts.form.querySelector("button[aria-label='Attach file']").addEventListener("click", () => parts.fileInput.click());
  parts.fileInput.addEventListener("change", () => uploadFiles([...parts.fileInput.files]));
  parts.reply.querySelector("button").addEventListener("click", cancelReply);
}

// The real send button is only rendered while the composer has something to send.
function updateSendButton() {
  const parts = composerParts();
  const ready = (parts.textarea.value.trim() !== "" || page.attachments.length > 0) && page.uploads === 0;
  const button = parts.sendSlot.querySelector("button");
  if (ready && !button) {
    parts.sendSlot.append(el("button", { type: "submit", "aria-label": "Send message" }, "➤"));
  } else if (!ready && button) {
    button.remove();
  }
}

function startReply(message) {
  const parts = composerParts();
  page.replyTo = message.id;
  parts.reply.hidden = false;
  parts.reply.dataset.replyToId = message.id;
  parts.reply.querySelector(".composer-reply-text").textContent = message.content ?? "";
  parts.textarea.focus();
}

function cancelReply() {
  const parts = composerParts();
  page.replyTo = null;
  parts.reply.hidden = true;
  delete parts.reply.dataset.replyToId;
}

async function uploadFiles(files) {
  if (!files.length) return;
  const parts = composerParts();
  const form = new FormData();
  for (const file of files) form.append("files", file);
  page.uploads += 1;
  updateSendButton();
  showError("composer-error", "");
  try {
    const { status, body } = await api("/attachments/upload", { method: "POST", form });
    if (status !== 200 || !body?.success) {
      showError("composer-error", body?.error || `HTTP ${status}`);
      return;
    }
    for (const attachment of body.data.attachments) {
      page.attachments.push(attachment);
      parts.attachments.append(el("li", { "data-attachment-id": attachment.id }, attachment.originalName));
    }
  } catch (error) {
    showError("composer-error", String(error));
  } finally {
    page.uploads -= 1;
    parts.fileInput.value = "";
    updateSendButton();
  }
}

async function sendMessage() {
  const parts = composerParts();
  const content = parts.textarea.value.trim();
  if (page.uploads > 0) return showError("composer-error", t("uploading"));
  if (!content && !page.attachments.length) return;
  const payload = {
    conversationId: page.conversationId,
    content,
    originalLanguage: page.auth.user?.systemLanguage || "fr",
  };
  if (page.replyTo) payload.replyToId = page.replyTo;
  let event = "message:send";
  if (page.attachments.length) {
    event = "message:send-with-attachments";
    payload.attachmentIds = page.attachments.map((a) => a.id);
  }
  const ack = await emitWithAck(event, payload);
  if (!ack?.success) return showError("composer-error", ack?.error);
  showError("composer-error", "");
  parts.textarea.value = "";
  page.attachments = [];
  parts.attachments.replaceChildren();
  cancelReply();
  updateSendButton();
}

// --- start ---------------------------------------------------------------------------------

translatePage();
if (document.body.dataset.page === "login") mountLogin().catch((error) => console.error(error));
else initConversations().catch((error) => showError("page-error", String(error)));
