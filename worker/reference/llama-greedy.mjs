// Reference run through llama.cpp (node-llama-cpp's prebuilt CPU binary): greedy decoding from given token ids.
// Usage: node llama-greedy.mjs MODEL.gguf IDS(comma-separated) STEPS THREADS OUT.json
// Writes {"tokens": [generated ids], "logits": [first step's logits, one per vocabulary entry],
//         "top": [per step, the 8 highest [id, logit] pairs]}.
// The KV cache is F32 so logits compare with an f32 reference; no template or BOS is added: the ids go in as given.
import {getLlama, LlamaLogLevel} from "node-llama-cpp";
import {writeFileSync} from "node:fs";

const [modelPath, idsText, stepsText, threadsText, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node llama-greedy.mjs MODEL.gguf IDS STEPS THREADS OUT.json");
  process.exit(2);
}
const ids = idsText.split(",").map(Number);
const steps = Number(stepsText);
const threads = Number(threadsText);

const llama = await getLlama({gpu: false, build: "never", skipDownload: true, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const context = await model.createContext({
  contextSize: Math.max(256, ids.length + steps + 16),
  batchSize: Math.max(512, ids.length),
  threads,
  flashAttention: false,
  experimentalKvCacheKeyType: "F32",
  experimentalKvCacheValueType: "F32",
});
const sequence = context.getSequence();
const first = {generateNext: {token: true, logits: true, options: {temperature: 0}}};
const next = {generateNext: {token: true, logits: {filter: {tokens: [], includeTop: 8}}, options: {temperature: 0}}};

const generated = [];
const top = [];
let firstLogits = null;
let input = ids.map((id, i) => (i === ids.length - 1 ? [id, first] : id));
for (let step = 0; step < steps; step++) {
  const results = await sequence.controlledEvaluate(input);
  const out = results[input.length - 1].next;
  if (firstLogits === null) {
    firstLogits = new Array(model.tokens.vocabSize ?? out.logits.size).fill(null);
    for (const [token, logit] of out.logits) firstLogits[token] = logit;
  }
  top.push([...out.logits.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8));
  generated.push(out.token);
  input = [[out.token, next]];
}
writeFileSync(outPath, JSON.stringify({tokens: generated, logits: firstLogits, top}));
await context.dispose();
await model.dispose();
await llama.dispose();
