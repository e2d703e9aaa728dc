// What the prompt asks for, as chips under the editor: the names the same reading
// coloured, in the same colours (the chips carry the classes of the text's runs).
import { $, element } from "./dom.js";

let shown = "";

// `found`: {variables, slots, truncated}; `stopLine`: where reading stopped (-1: the end).
export function showChips(found, stopLine) {
  const key = JSON.stringify([found, stopLine]);
  if (key === shown) return; // most keystrokes change no name
  shown = key;
  for (const [kind, className] of [["variables", "sd-var"], ["slots", "sd-slot-name"]]) {
    const chips = found[kind].map((name) => element("span", "chip " + className, name));
    chips.forEach((chip) => chip.setAttribute("role", "listitem"));
    $("#" + kind).replaceChildren(...chips);
    $("#" + kind + "-row").hidden = chips.length === 0;
  }
  $("#interface-none").hidden = found.variables.length + found.slots.length > 0;
  $("#interface-truncated").hidden = !found.truncated;
  if (found.truncated) {
    $("#interface-truncated").textContent = `This prompt is past the reader's limits: names and ` +
      `colours stop at line ${stopLine}.`;
  }
}
