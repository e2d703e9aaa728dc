// The server's template_changes, said for people: "Adds slot summary; removes variable
// name". The comparison itself is the server's; this only words it.

// [verb, kind, names] for each kind of change, in the order a sentence names them.
export function clauses(changes) {
  return [
    ["Adds", "variable", changes.variables_added], ["Adds", "slot", changes.slots_added],
    ["Removes", "variable", changes.variables_removed], ["Removes", "slot", changes.slots_removed],
  ].filter(([, , names]) => names.length);
}

function clause([verb, kind, names], i) {
  return `${i ? verb.toLowerCase() : verb} ${kind}${names.length > 1 ? "s" : ""}`;
}

// The sentence as text ("" when nothing changed).
export function sentence(changes) {
  return clauses(changes).map((c, i) => `${clause(c, i)} ${c[2].join(", ")}`).join("; ");
}

// The sentence into `lead`, each name as code, ending with a full stop.
export function writeSentence(lead, changes, unchanged) {
  const found = clauses(changes);
  lead.replaceChildren(found.length ? "" : unchanged);
  found.forEach((c, i) => {
    lead.append(`${i ? "; " : ""}${clause(c, i)} `);
    c[2].forEach((name, j) => {
      const code = document.createElement("code");
      code.textContent = name;
      lead.append(j ? ", " : "", code);
    });
  });
  if (found.length) lead.append(".");
}
