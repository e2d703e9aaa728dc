// prompt-store editor: save with lineage, share, keep the URL on the shown version.
"use strict";

const state = { currentPromptId: "", savedText: "" };

// -- helpers ------------------------------------------------------------------
function $(selector) {
  return document.querySelector(selector);
}

function setStatus(message) {
  $("#status").textContent = message;
}

function shareUrl(id) {
  return new URL("/p/" + id, window.location.origin).href;
}

// -- saving ---------------------------------------------------------------------
async function save() {
  const text = $("#editor").value;
  const limit = Number($("#max-bytes").value);
  if (new TextEncoder().encode(text).length > limit) {
    setStatus("Too large to save: the limit is " + limit / 1024 + " KiB.");
    return;
  }
  const body = { text: text };
  if (state.currentPromptId) body.parent_id = state.currentPromptId;
  let response;
  try {
    response = await fetch("/api/prompts", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    setStatus("Not saved: the network is unreachable. Your text is still here.");
    return;
  }
  const data = await response.json();
  if (!response.ok) {
    setStatus("Not saved: " + (data.description || data.title));
    return;
  }
  state.savedText = text;
  if (data.id === state.currentPromptId) {
    setStatus("No changes");
    return;
  }
  showVersion(data.id, true);
  setStatus("Saved " + new Date().toLocaleTimeString());
}

function showVersion(id, push) {
  state.currentPromptId = id;
  $("#current-prompt-id").value = id;
  $("#copy-link").hidden = !id;
  if (push) history.pushState({ id: id }, "", "/p/" + id);
}

// -- sharing --------------------------------------------------------------------
async function copyLink() {
  try {
    await navigator.clipboard.writeText(shareUrl(state.currentPromptId));
    setStatus("Link copied");
  } catch (error) {
    setStatus("Copy this link: " + shareUrl(state.currentPromptId));
  }
}

// -- navigation -----------------------------------------------------------------
async function onPopState(event) {
  const id = (event.state && event.state.id) || "";
  if (!id) {
    showVersion("", false);
    $("#editor").value = "";
    return;
  }
  const response = await fetch("/api/prompts/" + id + "/raw");
  if (!response.ok) {
    setStatus("That version could not be loaded.");
    return;
  }
  const text = await response.text();
  $("#editor").value = text;
  state.savedText = text;
  showVersion(id, false);
}

// -- start ------------------------------------------------------------------------
function start() {
  state.currentPromptId = $("#current-prompt-id").value;
  state.savedText = $("#editor").value;
  history.replaceState({ id: state.currentPromptId }, "");
  $("#save").addEventListener("click", save);
  $("#copy-link").addEventListener("click", copyLink);
  window.addEventListener("popstate", onPopState);
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      save();
    }
  });
}

document.addEventListener("DOMContentLoaded", start);
