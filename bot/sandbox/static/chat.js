// The sandbox chat page: plays a persona of the demo class through the control API.
// Every text shown comes from the server as plain text plus entities; the DOM is built
// with createElement/textContent only, never innerHTML, so nothing a user or the bot
// writes can turn into markup.
"use strict";

const ROLE_NAMES = {
  trainee: "学员", manager: "班主任", monitor: "纪律委员", instructor: "授课教师", admin: "管理员",
};
const GROUP_ORDER = ["manager", "monitor", "instructor", "admin", "trainee"];
const GROUP_NAMES = {
  manager: "班主任", monitor: "纪律委员", instructor: "授课教师", admin: "管理员", trainee: "学员",
};
const SAFE_LINK = /^(https?:|tg:|mailto:)/i;

const $ = (id) => document.getElementById(id);
const state = {
  personas: [], userId: null, version: -1, venue: null, shownCount: 0, pendingQuery: null,
  checkingAnswer: false, timezone: "Asia/Shanghai",
};
const WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const data = await response.json();
  if (!data.ok) throw new Error(data.error || data.description || response.statusText);
  return data;
}

function status(text, isError) {
  const node = $("status");
  node.textContent = text || "";
  node.className = isError ? "error" : "";
}

// ------------------------------------------------------------ personas

function primaryRole(persona) {
  return GROUP_ORDER.find((role) => persona.roles.includes(role)) || "trainee";
}

function label(persona) {
  const roles = persona.roles.map((role) => ROLE_NAMES[role] || role).join("、");
  return `${roles} · ${persona.name}`;
}

function fillPicker() {
  const select = $("persona");
  select.replaceChildren();
  for (const group of GROUP_ORDER) {
    const members = state.personas.filter((p) => primaryRole(p) === group);
    if (!members.length) continue;
    const optgroup = el("optgroup", { label: GROUP_NAMES[group] });
    for (const persona of members) {
      optgroup.append(el("option", { value: String(persona.user_id) }, label(persona)));
    }
    select.append(optgroup);
  }
}

function personaFromHash() {
  const match = /u=(\d+)/.exec(location.hash);
  const wanted = match && Number(match[1]);
  if (wanted && state.personas.some((p) => p.user_id === wanted)) return wanted;
  const trainee = state.personas.find((p) => p.roles.length === 1 && p.roles[0] === "trainee");
  return (trainee || state.personas[0]).user_id;
}

function choose(userId) {
  state.userId = userId;
  state.shownCount = 0;
  $("persona").value = String(userId);
  history.replaceState(null, "", `#u=${userId}`);
  refresh();
}

// ------------------------------------------------------------ rendering

function entityNode(entity, text) {
  const inner = text.slice(entity.offset, entity.offset + entity.length);
  switch (entity.type) {
    case "bold": return el("b");
    case "italic": return el("i");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote": case "expandable_blockquote": return el("blockquote");
    case "spoiler": {
      const node = el("span", { class: "spoiler" });
      node.addEventListener("click", () => node.classList.add("shown"));
      return node;
    }
    case "text_link":
      return SAFE_LINK.test(entity.url || "")
        ? el("a", { href: entity.url, target: "_blank", rel: "noopener noreferrer" })
        : el("span");
    case "url": {
      const href = SAFE_LINK.test(inner) ? inner : `http://${inner}`;
      return el("a", { href, target: "_blank", rel: "noopener noreferrer" });
    }
    case "email": return el("a", { href: `mailto:${inner}` });
    case "bot_command":
      return el("a", { class: "command", href: "#", onclick: (e) => { e.preventDefault(); sendText(inner); } });
    default: return el("span");
  }
}

// Telegram's apps make every /command in a message tappable, entity or not: so does the page.
const COMMAND = /(^|[\s（(，,、：:])(\/[A-Za-z][A-Za-z0-9_]{0,31})(?![A-Za-z0-9_\/])/g;

function appendText(parent, text) {
  if (parent.tagName === "A" || parent.tagName === "CODE" || parent.tagName === "PRE") {
    parent.append(text);
    return;
  }
  let pos = 0;
  for (const match of text.matchAll(COMMAND)) {
    const at = match.index + match[1].length;
    if (at > pos) parent.append(text.slice(pos, at));
    const command = match[2];
    parent.append(el("a", { class: "command", href: "#", onclick: (e) => { e.preventDefault(); sendText(command); } }, command));
    pos = at + command.length;
  }
  if (pos < text.length) parent.append(text.slice(pos));
}

// Entities nest (the bot's HTML is parsed into them); offsets are UTF-16 units, as in JS.
function renderEntities(parent, text, start, end, entities) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const stop = Math.min(entity.offset + entity.length, end);
    if (entity.offset > pos) appendText(parent, text.slice(pos, entity.offset));
    const inner = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < stop) inner.push(entities[j++]);
    const node = entityNode(entity, text);
    renderEntities(node, text, Math.max(entity.offset, pos), stop, inner);
    parent.append(node);
    pos = Math.max(pos, stop);
    i = j;
  }
  if (pos < end) appendText(parent, text.slice(pos, end));
}

function formatted(text, entities) {
  const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  const node = el("div", { class: "text" });
  renderEntities(node, text, 0, text.length, sorted);
  return node;
}

function inlineKeyboard(message) {
  const box = el("div", { class: "inline" });
  for (const row of message.inline_keyboard) {
    const line = el("div", { class: "row" });
    for (const button of row) {
      if (button.url && SAFE_LINK.test(button.url)) {
        line.append(el("a", { href: button.url, target: "_blank", rel: "noopener noreferrer" }, button.text));
      } else {
        line.append(el("button", {
          type: "button",
          onclick: () => press(message.message_id, button.callback_data ?? null),
        }, button.text));
      }
    }
    box.append(line);
  }
  return box;
}

function bubble(message) {
  const node = el("div", { class: `msg ${message.from_bot ? "bot" : "mine"}`, "data-id": String(message.message_id) });
  if (message.kind === "photo" && message.file) {
    node.append(el("img", { src: `/control/file/${encodeURIComponent(message.file.file_id)}`, alt: "图片" }));
  }
  if (message.kind === "document" && message.file) {
    node.append(el("a", {
      href: `/control/file/${encodeURIComponent(message.file.file_id)}`,
      download: message.file.file_name || "file",
    }, `📄 ${message.file.file_name || "文件"}`));
  }
  if (message.contact) node.append(`📱 分享了手机号：${message.contact.phone_number}`);
  if (message.location) {
    node.append(`📍 分享了位置：${message.location.latitude.toFixed(5)}, ${message.location.longitude.toFixed(5)}`);
  }
  if (message.text) node.append(formatted(message.text, message.entities));
  if (message.inline_keyboard) node.append(inlineKeyboard(message));
  const clock = hhmm(new Date((message.date || 0) * 1000));
  node.append(el("span", { class: "meta" }, message.edited ? `已编辑 ${clock}` : clock));
  return node;
}

function replyKeyboard(markup) {
  const box = $("keyboard");
  box.replaceChildren();
  const rows = (markup && markup.keyboard) || [];
  box.hidden = rows.length === 0;
  for (const row of rows) {
    const line = el("div", { class: "row" });
    for (const button of row) {
      const text = typeof button === "string" ? button : button.text;
      let onclick = () => sendText(text);
      if (button.request_contact) onclick = () => act("/control/contact", {});
      else if (button.request_location) onclick = () => act("/control/location", {});
      line.append(el("button", { type: "button", onclick }, text));
    }
    box.append(line);
  }
}

function render(chat) {
  const box = $("chat");
  const stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 40 || state.shownCount === 0;
  box.replaceChildren(...chat.messages.map(bubble));
  if (!chat.messages.length) box.append(el("div", { class: "empty" }, "还没有消息。点击「开始」和机器人对话。"));
  $("start").hidden = chat.messages.length > 0;
  replyKeyboard(chat.keyboard);
  $("blocked").checked = chat.blocked;
  if (stick || chat.messages.length > state.shownCount) box.scrollTop = box.scrollHeight;
  state.shownCount = chat.messages.length;
}

// ------------------------------------------------------------ the sandbox's clock

// Times are shown in the class's zone (the sandbox's clock may be days ahead of this one).
function zoned(date) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: state.timezone, month: "numeric", day: "numeric", weekday: "short",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date);
  const get = (type) => (parts.find((p) => p.type === type) || {}).value;
  const days = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
  return { month: Number(get("month")), day: Number(get("day")), weekday: WEEKDAYS[days[get("weekday")]], hour: get("hour"), minute: get("minute") };
}

function hhmm(date) {
  const z = zoned(date);
  return `${z.hour}:${z.minute}`;
}

function showClock(clock) {
  state.timezone = clock.timezone || state.timezone;
  const z = zoned(new Date(clock.now));
  $("clock-now").textContent = `${z.month}月${z.day}日（${z.weekday}）${z.hour}:${z.minute}`;
  for (const button of document.querySelectorAll("[data-move]")) button.disabled = !clock.movable;
}

async function readClock() {
  showClock(await api("/control/clock"));
}

async function moveClock(body) {
  const buttons = document.querySelectorAll("[data-move]");
  for (const button of buttons) button.disabled = true;
  status("正在拨动时钟，期间到点的任务依次执行……");
  try {
    const moved = await api("/control/clock", body);
    showClock(moved);
    status(moved.ran.length ? `时钟已拨动，执行了 ${moved.ran.length} 项定时任务` : "时钟已拨动");
    await refresh();
  } catch (error) {
    status(`无法拨动时钟：${error.message}`, true);
    await readClock().catch(() => {});
  }
}

// ------------------------------------------------------------ the command menu

// The menu Telegram shows behind its menu button: what the bot set for this person
// (setMyCommands, by scope and language), read from the local server.
async function toggleMenu() {
  const menu = $("menu");
  if (!menu.hidden) {
    menu.hidden = true;
    return;
  }
  const { commands } = await api(`/control/commands/${state.userId}`);
  menu.replaceChildren(...commands.map((c) => el("button", {
    type: "button",
    onclick: () => { menu.hidden = true; sendText(`/${c.command}`); },
  }, el("span", { class: "name" }, `/${c.command}`), el("span", { class: "what" }, c.description))));
  if (!commands.length) menu.append(el("div", { class: "empty" }, "机器人还没有为您设置命令菜单"));
  menu.hidden = false;
}

// ------------------------------------------------------------ actions

async function refresh() {
  const userId = state.userId;
  try {
    const chat = await api(`/control/chat/${userId}`);
    if (userId !== state.userId) return; // switched persona meanwhile
    state.version = Math.max(state.version, chat.version);
    render(chat);
    await showAnswer();
  } catch (error) {
    status(`读取聊天失败：${error.message}`, true);
  }
}

async function act(path, body) {
  try {
    const data = await api(path, { user_id: state.userId, ...body });
    status("");
    await refresh();
    return data;
  } catch (error) {
    status(`发送失败：${error.message}`, true);
  }
}

async function press(messageId, data) {
  const sent = await act("/control/press", { message_id: messageId, data });
  if (sent) state.pendingQuery = sent.update.callback_query.id;
  await showAnswer().catch(() => {});
}

// Telegram shows the bot's answer to a button press as a toast, or as an alert: once.
// refresh() and press() both ask, so only one look at a time, and the answer is taken
// before it is shown.
async function showAnswer() {
  const query = state.pendingQuery;
  if (!query || state.checkingAnswer) return;
  state.checkingAnswer = true;
  try {
    const { answer } = await api(`/control/callback/${encodeURIComponent(query)}`);
    if (!answer || state.pendingQuery !== query) return;
    state.pendingQuery = null;
    if (answer.text && answer.show_alert) showAlert(answer.text);
    else if (answer.text) showToast(answer.text);
  } finally {
    state.checkingAnswer = false;
  }
}

function showToast(text) {
  const toast = $("toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(state.toastTimer);
  state.toastTimer = setTimeout(() => { toast.hidden = true; }, 2500);
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").hidden = false;
  $("alert-ok").focus();
}

function sendText(text) {
  if (text.trim()) act("/control/send", { text });
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

// Long-polls the server: returns when anything changed (the bot sent or edited something).
async function watch() {
  for (;;) {
    try {
      const data = await api(`/control/wait?since=${state.version}&timeout=25`);
      if (data.version !== state.version) {
        state.version = data.version;
        await refresh();
        await readClock();
      }
    } catch (error) {
      status("与沙盒的连接中断，正在重试……", true);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

async function main() {
  const data = await api("/control/personas");
  state.personas = data.personas;
  state.venue = data.venue;
  state.timezone = data.timezone || state.timezone;
  $("class-name").textContent = data.class_name;
  fillPicker();
  $("persona").addEventListener("change", (e) => choose(Number(e.target.value)));
  $("start-button").addEventListener("click", () => sendText("/start"));
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("text");
    const text = input.value;
    input.value = "";
    sendText(text);
  });
  $("file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (!file) return;
    act("/control/document", { file_name: file.name, mime_type: file.type || null, content_base64: await readFile(file) });
  });
  for (const button of document.querySelectorAll("[data-move]")) {
    button.addEventListener("click", () => moveClock(JSON.parse(button.dataset.move)));
  }
  $("menu-button").addEventListener("click", () => toggleMenu().catch((e) => status(e.message, true)));
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  await readClock().catch(() => {});
  setInterval(() => readClock().catch(() => {}), 20_000); // the minutes pass on their own too
  $("blocked").addEventListener("change", (e) => act(e.target.checked ? "/control/block" : "/control/unblock", {}));
  choose(personaFromHash());
  watch();
}

main().catch((error) => status(`无法连接沙盒：${error.message}`, true));
