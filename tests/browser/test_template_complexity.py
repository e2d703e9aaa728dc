"""The editor's template reader in Chromium, on the adversarial prompts of the reliability
suite: the server's caps, the server's answers, and each 200 KiB text read in under 50 ms
(the editor reads the text on every keystroke)."""

from __future__ import annotations

from api.text.interface import extract
from api.text.reader import MAX_PARTS, MAX_SCOPES, MAX_TOKENS
from tests.reliability.template_inputs import GENERATORS

SIZE = 200 * 1024  # the default size limit of a prompt
BUDGET_MS = 50

# The fastest of three reads, timed inside the page.
READ = """async (text) => {
  const { read } = await import("/static/template-interface.js");
  let best = Infinity, found;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    found = read(text);
    best = Math.min(best, performance.now() - started);
  }
  return { found, best };
}"""


def test_the_editor_reads_with_the_servers_caps(page):
    # The caps on names came with issue 20 (imported here, so that the rest of the module
    # runs without them).
    from api.text.reader import MAX_NAME_CHARS, MAX_NAMES

    page.goto("/")
    limits = page.evaluate("import('/static/template-interface.js').then((m) => m.LIMITS)")
    assert limits == {
        "parts": MAX_PARTS,
        "tokens": MAX_TOKENS,
        "scopes": MAX_SCOPES,
        "names": MAX_NAMES,
        "nameChars": MAX_NAME_CHARS,
    }


def test_the_editor_reads_each_200_kib_adversarial_text_as_the_server_in_under_50_ms(page):
    page.goto("/")  # one page for all: a new one per text would take longer than the reads
    slow, different = {}, []
    for name, generate in sorted(GENERATORS.items()):
        text = generate(SIZE)
        result = page.evaluate(READ, text)
        if result["found"] != extract(text):
            different.append(name)
        if result["best"] >= BUDGET_MS:
            slow[name] = f"{result['best']:.1f} ms"
    # Read differently from the server, and read in 50 ms or more:
    assert (different, slow) == ([], {})
