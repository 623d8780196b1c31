// The sandbox web app's only script: login, conversation list, conversation page (socket.io-client).
"use strict";

const CONFIG = JSON.parse(document.getElementById("meeshy-config").textContent);
// Where the real app keeps its session (zustand persist in stores/auth-store.ts).
const AUTH_KEY = "meeshy-auth";
const REQUEST_TIMEOUT_MS = 10000;
const LOGIN_GUARD_MS = 1500;
const JS_VERIFIED_MS = 100;
// FREQUENT_REACTIONS of MessageActionsBar.tsx:26-32 (d5983046), in its order.
const QUICK_EMOJIS = [
  "❤️", "👍", "😂", "😮", "😢", "🙏", "🎉", "🔥", "👏", "💯", "✨", "💪", "😍", "🤔", "😊",
  "👌", "💙", "🌟", "😎", "🥳", "🤗", "😴", "🙌", "💜", "🚀", "⭐", "💖", "😇", "🤩", "💚",
];
// getLanguageInfo (packages/shared/utils/languages.ts) for the languages the sandbox's accounts use.
const LANGUAGES = {
  fr: { name: "French", flag: "🇫🇷" }, en: { name: "English", flag: "🇬🇧" },
  es: { name: "Spanish", flag: "🇪🇸" }, pt: { name: "Portuguese", flag: "🇵🇹" },
  de: { name: "German", flag: "🇩🇪" }, it: { name: "Italian", flag: "🇮🇹" },
};
const languageInfo = (code) => LANGUAGES[code] ?? { name: code, flag: "🌐" };
// Faults of sandbox/faults.py that concern the pages (page_*), with their argument.
const FAULTS = CONFIG.faults ?? {};
const fault = (name) => Object.prototype.hasOwnProperty.call(FAULTS, name);

const LABELS = {
  en: {
    login: "Login", logout: "Logout", usernameLabel: "Username", passwordLabel: "Password",
    usernamePlaceholder: "Enter your username, email or phone", passwordPlaceholder: "Your password",
    rememberDevice: "Remember this device", composerPlaceholder: "Write your message...",
    addReaction: "Add reaction", reply: "Reply to message", tooFast: "Please wait a moment and try again.",
    notConnected: "Not connected yet, try again.", uploading: "Upload in progress.",
    quickReactions: "Quick reactions", moreReactions: "More reactions", selectLanguage: "Select language",
    showOriginal: "Show original text", showInUserLanguage: "Show in your language", original: "Original",
    replyingTo: "Replying to", members: "members", about: "About", conversations: "Conversations",
    noConversations: "No conversations", selectCommunity: "Select a community",
    communitiesTitle: "Communities", currentEmail: "Current Email", currentUsername: "Current Username",
  },
  fr: {
    login: "Se connecter", logout: "Déconnexion", usernameLabel: "Nom d'utilisateur",
    passwordLabel: "Mot de passe", usernamePlaceholder: "Entrez votre nom d'utilisateur, email ou téléphone",
    passwordPlaceholder: "Votre mot de passe", rememberDevice: "Se souvenir de cet appareil",
    composerPlaceholder: "Écrivez votre message...", addReaction: "Ajouter une réaction",
    reply: "Répondre au message", tooFast: "Veuillez patienter un instant puis réessayer.",
    notConnected: "Pas encore connecté, réessayez.", uploading: "Envoi du fichier en cours.",
    quickReactions: "Réactions rapides", moreReactions: "Plus de réactions",
    selectLanguage: "Sélectionner la langue", showOriginal: "Afficher le texte original",
    showInUserLanguage: "Afficher dans votre langue", original: "Original", replyingTo: "En réponse à",
    members: "membres", about: "À propos", conversations: "Conversations",
    noConversations: "Aucune conversation", selectCommunity: "Sélectionnez une communauté",
    communitiesTitle: "Communautés", currentEmail: "Email actuel", currentUsername: "Nom d'utilisateur actuel",
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
  userLanguage: "fr",
  composerLanguage: "fr",
  replyTo: null,
  attachments: [],
  uploads: 0,
  messages: new Map(), // id -> the message as received (translations included)
  display: new Map(), // id -> language shown in its bubble
};

// A page that needs a session: the user from /auth/me, or off to /login.
async function requireUser() {
  const auth = loadAuth();
  if (!auth?.authToken) {
    redirectToLogin();
    return null;
  }
  page.auth = auth;
  let me;
  try {
    me = await api("/auth/me");
  } catch (error) {
    showError("page-error", `Gateway unreachable: ${error}`);
    return null;
  }
  if (me.status === 401 || me.status === 403) {
    localStorage.removeItem(AUTH_KEY);
    redirectToLogin();
    return null;
  }
  page.auth.user = me.body?.data?.user ?? auth.user;
  return page.auth.user;
}

async function initConversations() {
  document.getElementById("logout-button").addEventListener("click", logout);
  const user = await requireUser();
  if (!user) return;
  // ConversationLayout.tsx:325-327 and 626: the composer's language and the reader's are the user's.
  page.userLanguage = user.systemLanguage || "fr";
  page.composerLanguage = user.systemLanguage || "fr";
  document.getElementById("current-user").textContent = user.displayName || user.username || "";
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
    const known = page.messages.get(message.id);
    if (!known) return;
    Object.assign(known, { content: message.content ?? "", isEdited: true });
    document.getElementById(`message-${message.id}`).dataset.edited = "true";
    refreshContent(message.id);
  });
  socket.on("message:deleted", ({ messageId }) => {
    page.messages.delete(messageId);
    document.getElementById(`message-${messageId}`)?.remove();
  });
  // When the event comes (it never does at d5983046: defect no_translation_event), the real page
  // stores the translations and shows the one in the reader's language (messages-display.tsx:280-306).
  socket.on("message:translation", ({ messageId, translations }) => {
    const known = page.messages.get(messageId);
    if (!known) return;
    const byLanguage = new Map((known.translations ?? []).map((tr) => [tr.targetLanguage, tr]));
    for (const tr of translations ?? []) byLanguage.set(tr.targetLanguage, tr);
    known.translations = [...byLanguage.values()];
    page.display.set(messageId, preferredLanguage(known));
    refreshContent(messageId);
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

// Original, or the reader's language when a translation into it exists (messages-display.tsx:91-110).
function preferredLanguage(message) {
  const original = message.originalLanguage || "fr";
  if (original === page.userLanguage || fault("page_translation_hidden")) return original;
  const has = (message.translations ?? []).some((tr) => tr.targetLanguage === page.userLanguage);
  return has ? page.userLanguage : original;
}

function translationsOf(message) {
  return fault("page_translation_hidden") ? [] : (message.translations ?? []);
}

// The text shown for a language (use-message-display.ts:32-46).
function displayedText(message, language) {
  if (language === (message.originalLanguage || "fr")) return message.content ?? "";
  const tr = translationsOf(message).find((x) => x.targetLanguage === language);
  return tr?.translatedContent || message.content || "";
}

// A bubble as BubbleMessageNormalView.tsx (d5983046): id="message-<id>" (160), attachments before the
// text (193-204), the text card with the replied message and the reactions (206-219), the actions (222-245).
function renderMessage(message) {
  // message:new comes twice to the sender; deleted messages are not shown.
  if (message.isDeleted || document.getElementById(`message-${message.id}`)) return;
  page.messages.set(message.id, message);
  page.display.set(message.id, preferredLanguage(message));
  const own = message.senderId === page.auth.user?.id;
  const bubble = el("div", {
    id: `message-${message.id}`,
    class: own ? "bubble-message message-bubble own" : "bubble-message message-bubble",
    "data-sender-id": message.senderId,
    "data-edited": message.isEdited ? "true" : null,
  },
  el("header", { class: "message-sender" }, senderName(message)),
  attachmentList(message),
  el("div", { class: "message-card" },
    message.replyToId ? replyQuote(message) : null,
    el("div", { class: "message-content" }, displayedText(message, page.display.get(message.id)))),
  el("div", { class: "message-reactions" }),
  actionsBar(message));
  document.querySelector(".message-list").append(bubble);
  for (const [emoji, count] of Object.entries(message.reactionSummary ?? {})) {
    renderReactionChip(message.id, { emoji, count, hasCurrentUser: (message.currentUserReactions ?? []).includes(emoji) });
  }
  bubble.scrollIntoView({ block: "end" });
}

function refreshContent(messageId) {
  const message = page.messages.get(messageId);
  const bubble = document.getElementById(`message-${messageId}`);
  if (!message || !bubble) return;
  bubble.querySelector(".message-content").textContent = displayedText(message, page.display.get(messageId));
  bubble.querySelector(".message-actions").replaceWith(actionsBar(message));
}

// MessageReplyPreview.tsx: the replied message's sender and text at the top of the card.
function replyQuote(message) {
  const parent = page.messages.get(message.replyToId);
  const text = message.replyTo?.content ?? parent?.content ?? "";
  const name = message.replyTo?.sender?.displayName || message.replyTo?.sender?.username || senderName(parent ?? {});
  return el("div", { class: "message-reply-quote", "data-reply-to-id": message.replyToId },
    el("span", { class: "message-reply-sender" }, name), el("p", {}, text));
}

// MessageAttachments.tsx builds absolute URLs on the gateway (utils/attachment-url.ts:25-80); an image is
// an <img alt=name> (ImageAttachment.tsx:70-112), an audio file is fetched and played from a blob URL
// (SimpleAudioPlayer.tsx:240-300, use-audio-playback.ts:113-143), a PDF is an iframe and a download link
// (PDFViewerWrapper.tsx:67-141).
function attachmentList(message) {
  const attachments = message.attachments ?? [];
  if (!attachments.length) return null;
  return el("div", { class: "message-attachments" }, ...attachments.map((a) => {
    const href = `${CONFIG.apiUrl}${a.fileUrl}`;
    const name = a.originalName || a.fileName;
    const mime = a.mimeType ?? "";
    if (mime.startsWith("image/")) {
      return el("div", { role: "button", tabindex: "0", "aria-label": `Ouvrir l'image ${name}` },
        el("img", { src: href, alt: name, loading: "lazy", decoding: "async" }));
    }
    if (mime.startsWith("audio/")) return audioPlayer(a, name);
    if (mime === "application/pdf") {
      return el("div", { class: "pdf-attachment" },
        el("iframe", { src: `${href}#toolbar=1&navpanes=1&view=FitH`, title: name }),
        el("span", {}, name),
        el("a", { href, download: name, title: "Télécharger" }, "⬇"));
    }
    return el("a", { href, download: name, title: name }, name);
  }));
}

function audioPlayer(attachment, name) {
  const audio = el("audio", { preload: "metadata" });
  const download = el("a", { href: "#", download: name, title: "Télécharger l'audio", "aria-label": "Télécharger l'audio" }, "⬇");
  const play = el("button", { type: "button", "aria-label": "Lecture" }, "▶");
  play.addEventListener("click", () => (audio.paused ? audio.play() : audio.pause()));
  (async () => {
    const headers = page.auth?.authToken ? { Authorization: `Bearer ${page.auth.authToken}` } : {};
    const response = await fetch(`${CONFIG.apiUrl}${attachment.fileUrl}`, { headers });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const url = URL.createObjectURL(await response.blob());
    audio.src = url;
    download.href = url;
  })().catch((error) => showError("composer-error", `audio: ${error}`));
  return el("div", { class: "audio-attachment" }, play, download, audio);
}

// The actions of MessageActionsBar.tsx (d5983046): the flag toggle (155-181), the language menu
// (184-304), reply (309-332), the quick reactions menu with its 6x5 grid (335-403).
function actionsBar(message) {
  const bar = el("div", { class: "message-actions" });
  const original = message.originalLanguage || "fr";
  const shown = page.display.get(message.id) ?? original;
  const hasOnlyAttachments = !(message.content ?? "").trim() && (message.attachments ?? []).length > 0;
  if (!hasOnlyAttachments) {
    const toggle = el("button", {
      type: "button", class: "language-toggle",
      "aria-label": shown === original ? t("showInUserLanguage") : t("showOriginal"),
    }, languageInfo(original).flag);
    toggle.addEventListener("click", () => switchLanguage(message.id, shown === original ? page.userLanguage : original));
    const count = translationsOf(message).length;
    const languages = el("button", { type: "button", "aria-label": t("selectLanguage"), "aria-haspopup": "menu" },
      "文", count ? el("span", { class: "badge" }, String(count)) : null);
    languages.addEventListener("click", () => openMenu(languages, languageMenu(message)));
    bar.append(toggle, languages);
  }
  const reply = el("button", { type: "button", "aria-label": t("reply") }, "💬");
  reply.addEventListener("click", () => startReply(message));
  const react = el("button", { type: "button", "aria-label": t("addReaction"), "aria-haspopup": "menu" }, "☺");
  react.addEventListener("click", () => openMenu(react, reactionMenu(message)));
  bar.append(reply, react);
  return bar;
}

function switchLanguage(messageId, language) {
  page.display.set(messageId, language);
  refreshContent(messageId);
}

// Radix dropdown menus render in a portal at the end of <body>, not inside the bubble.
function openMenu(trigger, content) {
  closeMenus();
  const menu = el("div", { role: "menu", "data-state": "open", class: "dropdown-menu" }, content);
  document.body.append(menu);
  trigger.setAttribute("aria-expanded", "true");
  menu.addEventListener("click", (event) => event.stopPropagation());
  setTimeout(() => document.addEventListener("click", closeMenus), 0);
}

function closeMenus() {
  document.removeEventListener("click", closeMenus);
  for (const menu of document.querySelectorAll("body > .dropdown-menu")) menu.remove();
  for (const trigger of document.querySelectorAll("[aria-expanded=true]")) trigger.setAttribute("aria-expanded", "false");
}

function languageMenu(message) {
  const original = message.originalLanguage || "fr";
  const shown = page.display.get(message.id);
  const version = (language, text, isOriginal) => {
    const info = languageInfo(language);
    const button = el("button", { type: "button", "data-language": language, "aria-current": shown === language ? "true" : null },
      el("span", {}, info.flag), el("span", { class: "language-name" }, info.name),
      isOriginal ? el("span", { class: "badge" }, t("original")) : null,
      el("p", {}, text));
    button.addEventListener("click", () => {
      closeMenus();
      switchLanguage(message.id, language);
    });
    return button;
  };
  return el("div", { class: "language-versions" },
    version(original, message.content ?? "", true),
    ...translationsOf(message).map((tr) => version(tr.targetLanguage, tr.translatedContent ?? "", false)));
}

function reactionMenu(message) {
  const grid = el("div", { role: "grid", "aria-label": t("quickReactions"), class: "emoji-grid" },
    ...QUICK_EMOJIS.map((emoji) => {
      const button = el("button", { type: "button", "aria-label": `Réagir avec ${emoji}` }, emoji);
      button.addEventListener("click", () => {
        closeMenus();
        if (!fault("page_reaction_lost")) toggleReaction(message.id, emoji, false);
      });
      return button;
    }));
  return el("div", {}, grid, el("button", { type: "button" }, t("moreReactions")));
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

// A reaction as message-reactions.tsx:236-330: a button[aria-pressed] holding the emoji and its count.
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
  chip.replaceChildren(el("span", { class: "reaction-emoji" }, emoji), el("span", { class: "reaction-count" }, String(count)));
}

// --- composer ------------------------------------------------------------------------------

function composerParts() {
  const form = document.getElementById("message-composer");
  return {
    form,
    textarea: form.querySelector("textarea"),
    fileInput: form.querySelector("input[type=file]"),
    attach: form.querySelector(".composer-attach"),
    send: form.querySelector(".composer-send"),
    reply: document.getElementById("composer-reply"),
    attachments: document.getElementById("composer-attachments"),
  };
}

function initComposer() {
  const parts = composerParts();
  parts.form.querySelector(".composer-language").textContent = languageInfo(page.composerLanguage).flag;
  parts.textarea.addEventListener("input", updateSendButton);
  parts.textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !fault("page_enter_not_sending")) {
      event.preventDefault();
      sendMessage();
    }
  });
  parts.form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage();
  });
  parts.attach.addEventListener("click", () => parts.fileInput.click());
  parts.fileInput.addEventListener("change", () => {
    const files = [...parts.fileInput.files];
    parts.fileInput.value = "";
    uploadFiles(files);
  });
  parts.reply.querySelector("button").addEventListener("click", cancelReply);
}

// canSend of message-composer.tsx:293-296: text or an uploaded file, and no upload running.
function updateSendButton() {
  const parts = composerParts();
  const ready = (parts.textarea.value.trim() !== "" || page.attachments.length > 0) && page.uploads === 0;
  parts.send.disabled = !ready;
  parts.attach.setAttribute("aria-label", page.uploads > 0 ? "Upload en cours" : "Ajouter des fichiers");
}

function startReply(message) {
  const parts = composerParts();
  page.replyTo = message.id;
  parts.reply.hidden = false;
  parts.reply.dataset.replyToId = message.id;
  parts.reply.querySelector(".composer-reply-header").textContent = `${t("replyingTo")} ${senderName(message)}`;
  parts.reply.querySelector(".composer-reply-text").textContent = message.content ?? "";
  parts.textarea.focus();
}

function cancelReply() {
  const parts = composerParts();
  page.replyTo = null;
  parts.reply.hidden = true;
  delete parts.reply.dataset.replyToId;
}

const UPLOAD_KINDS = { image: (m) => m.startsWith("image/"), audio: (m) => m.startsWith("audio/"), document: (m) => !m.startsWith("image/") && !m.startsWith("audio/") };

// Fault page_upload_corrupt:<kind>: the file goes out without its last byte.
async function asUploaded(file) {
  const kind = FAULTS.page_upload_corrupt;
  if (kind === undefined || !(UPLOAD_KINDS[kind] ?? (() => true))(file.type)) return file;
  const bytes = await file.arrayBuffer();
  return new File([bytes.slice(0, Math.max(0, bytes.byteLength - 1))], file.name, { type: file.type });
}

// AttachmentService.uploadFiles: POST /attachments/upload, one `files` part per file, at selection time.
async function uploadFiles(files) {
  if (!files.length) return;
  const parts = composerParts();
  const form = new FormData();
  for (const file of files) form.append("files", await asUploaded(file));
  page.uploads += 1;
  updateSendButton();
  showError("composer-error", "");
  try {
    const { status, body } = await api("/attachments/upload", { method: "POST", form });
    const attachments = body?.attachments || body?.data?.attachments;
    if (status < 200 || status >= 300 || !body?.success || !attachments) {
      showError("composer-error", body?.error || `HTTP ${status}`);
      return;
    }
    for (const attachment of attachments) {
      page.attachments.push(attachment);
      parts.attachments.append(el("li", { "data-attachment-id": attachment.id }, attachment.originalName));
    }
  } catch (error) {
    showError("composer-error", String(error));
  } finally {
    page.uploads -= 1;
    updateSendButton();
  }
}

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}|\u{FE0F}|\u{200D}/gu;

async function sendMessage() {
  const parts = composerParts();
  let content = parts.textarea.value.trim();
  if (fault("page_emoji_stripped")) content = content.replace(EMOJI, "");
  if (page.uploads > 0) return showError("composer-error", t("uploading"));
  if (!content && !page.attachments.length) return;
  const payload = { conversationId: page.conversationId, content, originalLanguage: page.composerLanguage };
  if (page.replyTo && !fault("page_reply_lost")) payload.replyToId = page.replyTo;
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

// --- settings: the profile tab ------------------------------------------------------------------

async function initSettings() {
  const user = await requireUser();
  if (!user) return;
  const blank = fault("page_profile_blank");
  const field = (label, type, value) => el("div", { class: "settings-field" },
    el("label", {}, label), el("input", { type, value: blank ? "" : (value ?? ""), disabled: "disabled" }));
  document.getElementById("settings-root").replaceChildren(
    el("h1", {}, user.displayName || user.username || ""),
    field(t("currentEmail"), "email", user.email),
    field(t("currentUsername"), "text", user.username));
}

// --- communities (the real app's "groups") -------------------------------------------------------

async function initGroups() {
  const user = await requireUser();
  if (!user) return;
  const { status, body } = await api("/communities");
  if (status !== 200) return showError("page-error", body?.error || `HTTP ${status}`);
  const groups = Array.isArray(body?.data) ? body.data : [];
  renderGroupList(groups);
  const param = document.body.dataset.groupParam;
  if (!param) return renderGroupDetails(null);
  // groups-layout.tsx:122-144: the identifier is looked up in the list (with or without mshy_), else fetched.
  let group = groups.find((g) => g.identifier === param)
    ?? groups.find((g) => g.identifier === `mshy_${param}` || g.identifier === param.replace(/^mshy_/, ""));
  if (!group) {
    const details = await api(`/communities/${encodeURIComponent(param)}`);
    if (details.status !== 200) {
      showError("page-error", `Erreur lors du chargement du groupe (${details.status})`);
      return renderGroupDetails(null);
    }
    group = details.body?.data ?? details.body;
  }
  if (fault("page_community_missing")) return renderGroupDetails(null);
  renderGroupDetails(group);
  await renderCommunityConversations(group);
}

function renderGroupList(groups) {
  document.querySelector(".groups-list").replaceChildren(
    el("h2", {}, t("communitiesTitle")),
    ...groups.map((g) => {
      const card = el("div", { class: "group-card", "data-identifier": g.identifier },
        el("h3", {}, g.name), g.description ? el("p", {}, g.description) : null,
        el("span", { class: "group-identifier" }, (g.identifier ?? "").replace(/^mshy_/, "")),
        el("span", {}, `👥 ${g._count?.members || 0}`));
      card.addEventListener("click", () => location.assign(`/groups/${g.identifier ?? ""}`));
      return card;
    }));
}

// GroupDetails.tsx: h1 name (68), About with `{group._count?.members || 0} {t('members')}` (141-153): the
// gateway's communitySchema has no _count, so the real page says 0 (defect community-members-count-zero).
function renderGroupDetails(group) {
  const details = document.querySelector(".group-details");
  if (!group) return details.replaceChildren(el("h3", {}, t("selectCommunity")));
  const about = el("div", { class: "group-about" },
    el("h2", {}, t("about")),
    el("p", {}, group.description || ""),
    fault("page_community_members_hidden") ? null : el("span", { class: "group-members" }, `${group._count?.members || 0} ${t("members")}`));
  details.replaceChildren(
    el("h1", {}, group.name),
    el("span", { class: "group-identifier" }, (group.identifier ?? "").replace(/^mshy_/, "")),
    about,
    el("div", { class: "group-conversations" }, el("h2", {}, t("conversations"))));
}

// ConversationsList.tsx: each conversation a clickable div (title in an h3) going to /conversations/<id>.
async function renderCommunityConversations(group) {
  const box = document.querySelector(".group-conversations");
  const { status, body } = await api(`/communities/${group.id}/conversations`);
  const conversations = status === 200 && !fault("page_community_conversations_hidden") ? (body?.data ?? []) : [];
  if (!conversations.length) return box.append(el("h3", {}, t("noConversations")));
  for (const c of conversations) {
    const item = el("div", { class: "community-conversation", "data-conversation-id": c.id },
      el("h3", {}, c.title || `Conversation ${c.id.slice(-4)}`),
      el("p", {}, c.description || "Aucune description"));
    item.addEventListener("click", () => location.assign(`/conversations/${c.id}`));
    box.append(item);
  }
}

// --- start ---------------------------------------------------------------------------------

const PAGES = { login: mountLogin, conversations: initConversations, settings: initSettings, groups: initGroups };
translatePage();
PAGES[document.body.dataset.page]().catch((error) => {
  if (document.getElementById("page-error")) showError("page-error", String(error));
  else console.error(error);
});
