// Renders conversations with Gemma 3's own Jinja chat template through Hugging Face's JS Jinja renderer
// (@huggingface/jinja, what transformers.js uses): the reference for ChatTemplateReferenceTest.
//
// Usage: node chat-template-reference.mjs path/to/tokenizer_config.json < cases.json
// Input:  [{"messages": [{"role": ..., "content": string | [{"type": "text", "text": ...}, {"type": "image"}]}],
//           "add_generation_prompt": bool}, ...]
// Output: one JSON array, per case {"ok": true, "text": ...} or {"ok": false, "error": message}.
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const template = new Template(config.chat_template);
const cases = JSON.parse(readFileSync(0, "utf8"));

const results = cases.map(({ messages, add_generation_prompt }) => {
  try {
    const text = template.render({
      messages,
      add_generation_prompt,
      bos_token: config.bos_token, // raise_exception is built into @huggingface/jinja
    });
    return { ok: true, text };
  } catch (e) {
    return { ok: false, error: String(e.message ?? e) };
  }
});
process.stdout.write(JSON.stringify(results));
