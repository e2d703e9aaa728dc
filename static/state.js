// What the page is showing: the version (its id, "" for a new prompt) and its saved text.
export const state = { currentPromptId: "", savedText: "" };
