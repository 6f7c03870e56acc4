// Signet's media console: plain JavaScript over the media API and /console/api/sign.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { source: null, key: null, folder: "", selected: null };
const PREVIEW_SECONDS = 3600;

function authHeader() {
  return "Basic " + btoa(unescape(encodeURIComponent(state.key + ":")));
}

async function api(method, path, body) {
  const init = { method, headers: { Authorization: authHeader() } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(`/${encodeURIComponent(state.source)}${path}`, init);
  const data = resp.status === 204 ? null : await resp.json();
  if (!resp.ok) throw new Error((data && data.message) || `HTTP ${resp.status}`);
  return data;
}

async function sign(paths, tr, expiresIn, preview) {
  const resp = await fetch("/console/api/sign", {
    method: "POST",
    headers: { Authorization: authHeader(), "Content-Type": "application/json" },
    body: JSON.stringify({ source: state.source, paths, tr, expiresIn, preview }),
  });
  const data = await resp.json();
  if (!resp.ok) throw new Error(data.message);
  return data.urls;
}

async function loadSources() {
  const sources = await (await fetch("/console/api/sources")).json();
  $("source").replaceChildren(...sources.map((s) => new Option(s.name, s.name)));
  const saved = JSON.parse(sessionStorage.getItem("signet-console") || "null");
  if (saved) { Object.assign(state, saved); await enter(); }
}

async function login() {
  state.source = $("source").value;
  state.key = $("key").value;
  $("login-error").textContent = "";
  try {
    await api("GET", "/v1/files?limit=1");
  } catch (err) {
    $("login-error").textContent = err.message;
    return;
  }
  sessionStorage.setItem("signet-console", JSON.stringify({ source: state.source, key: state.key }));
  $("key").value = "";
  await enter();
}

async function enter() {
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = `source ${state.source}`;
  await refresh();
}

function logout() {
  sessionStorage.removeItem("signet-console");
  location.reload();
}

async function refresh() {
  $("folder-path").textContent = "/" + state.folder;
  const items = await api("GET", `/v1/files?type=all&sort=ASC_NAME&path=${encodeURIComponent("/" + state.folder)}`);
  const folders = items.filter((i) => i.type === "folder");
  const files = items.filter((i) => i.type === "file");
  $("folders").replaceChildren(...folders.map((f) => {
    const li = document.createElement("li");
    li.textContent = f.name + "/";
    li.onclick = () => { state.folder = f.folderPath.slice(1); refresh(); };
    return li;
  }));
  const thumbs = files.length ? await sign(files.map((f) => f.filePath), "w-240,h-180", PREVIEW_SECONDS, true) : [];
  $("files").replaceChildren(...files.map((f, i) => {
    const li = document.createElement("li");
    li.dataset.fileId = f.fileId;
    const img = document.createElement("img");
    img.src = thumbs[i];
    img.alt = f.name;
    li.append(img, f.name);
    if (f.isPrivateFile) li.classList.add("private");
    li.onclick = () => select(f.fileId);
    return li;
  }));
}

function upload(files) {
  const list = Array.from(files);
  let done = 0;
  const next = () => {
    if (!list.length) { refresh(); return; }
    const file = list.shift();
    const form = new FormData();
    form.append("file", file);
    form.append("fileName", file.name);
    form.append("folder", "/" + state.folder);
    form.append("useUniqueFileName", "false");
    form.append("isPrivateFile", $("upload-private").checked ? "true" : "false");
    if ($("upload-tags").value.trim()) form.append("tags", $("upload-tags").value.trim());
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/${encodeURIComponent(state.source)}/api/v1/files/upload`);
    xhr.setRequestHeader("Authorization", authHeader());
    $("progress").hidden = false;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) $("progress").value = (100 * e.loaded) / e.total; };
    xhr.onload = () => {
      let message;
      try { message = JSON.parse(xhr.responseText).message; } catch (_) { message = null; }
      done += xhr.status === 200 ? 1 : 0;
      $("upload-status").textContent = xhr.status === 200
        ? `Uploaded ${done} file(s)` : `${file.name}: ${message || "HTTP " + xhr.status}`;
      $("progress").value = 100;
      next();
    };
    xhr.onerror = () => { $("upload-status").textContent = `${file.name}: network error`; next(); };
    xhr.send(form);
  };
  next();
}

async function select(fileId) {
  const f = await api("GET", `/v1/files/${fileId}/details`);
  state.selected = f;
  document.querySelectorAll("#files li").forEach((li) => li.classList.toggle("selected", li.dataset.fileId === fileId));
  $("details").hidden = false;
  $("detail-name").textContent = f.name;
  $("detail-path").textContent = f.filePath;
  $("detail-size").textContent = `${f.width} × ${f.height}, ${f.size} bytes`;
  $("detail-private").textContent = f.isPrivateFile ? "private" : "public";
  $("detail-tags").value = (f.tags || []).join(",");
  $("purge-status").textContent = "";
  await preview();
}

let previewTimer = null;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, 300);
}

async function preview() {
  const f = state.selected;
  if (!f) return;
  const tr = $("detail-tr").value.trim();
  try {
    const [local] = await sign([f.filePath], tr, PREVIEW_SECONDS, true);
    const [shared] = await sign([f.filePath], tr, PREVIEW_SECONDS, false);
    $("preview").src = local;
    $("open-url").href = local;
    $("detail-url").value = shared;
  } catch (err) {
    $("detail-url").value = err.message;
  }
}

async function saveTags() {
  const tags = $("detail-tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  const f = await api("PATCH", `/v1/files/${state.selected.fileId}/details`, { tags });
  $("detail-tags").value = (f.tags || []).join(",");
  $("purge-status").textContent = "Tags saved";
}

async function purge() {
  const url = `${location.origin}/${state.source}${encodeURI(state.selected.filePath)}`;
  $("purge-status").textContent = "Purging…";
  try {
    const { requestId } = await api("POST", "/v1/files/purge", { url });
    for (;;) {
      const { status } = await api("GET", `/v1/files/purge/${requestId}`);
      $("purge-status").textContent = `Purge ${status}`;
      if (status === "Completed") break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await preview();
  } catch (err) {
    $("purge-status").textContent = err.message;
  }
}

async function remove() {
  if (!confirm(`Delete ${state.selected.name}?`)) return;
  await api("DELETE", `/v1/files/${state.selected.fileId}`);
  state.selected = null;
  $("details").hidden = true;
  await refresh();
}

async function signMany() {
  $("sign-error").textContent = "";
  const paths = $("sign-paths").value.split("\n").map((p) => p.trim()).filter(Boolean);
  const expires = parseInt($("sign-expires").value, 10);
  try {
    const urls = await sign(paths, $("sign-tr").value.trim(), Number.isFinite(expires) ? expires : null, false);
    $("signed").value = urls.join("\n");
  } catch (err) {
    $("sign-error").textContent = err.message;
  }
}

function copy(id) {
  const field = $(id);
  field.select();
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value);
  else document.execCommand("copy");
}

$("login-button").onclick = login;
$("key").onkeydown = (e) => { if (e.key === "Enter") login(); };
$("logout").onclick = logout;
$("up").onclick = () => { state.folder = state.folder.split("/").slice(0, -1).join("/"); refresh(); };
$("file-input").onchange = (e) => upload(e.target.files);
$("drop").ondragover = (e) => { e.preventDefault(); $("drop").classList.add("over"); };
$("drop").ondragleave = () => $("drop").classList.remove("over");
$("drop").ondrop = (e) => { e.preventDefault(); $("drop").classList.remove("over"); upload(e.dataTransfer.files); };
$("detail-tr").oninput = schedulePreview;
$("save-tags").onclick = saveTags;
$("copy-url").onclick = () => copy("detail-url");
$("purge").onclick = purge;
$("delete").onclick = remove;
$("sign-button").onclick = signMany;
$("copy-signed").onclick = () => copy("signed");
loadSources();
