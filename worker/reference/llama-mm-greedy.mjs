// Reference run through llama.cpp's multimodal path (mtmd + clip, via @fugood/llama.node's prebuilt CPU binary):
// greedy decoding after a prompt with one image.
//
// Usage: node llama-mm-greedy.mjs MODEL.gguf MMPROJ.gguf IMAGE.png PREFIX_IDS SUFFIX_IDS STEPS THREADS OUT.json
//   PREFIX_IDS, SUFFIX_IDS: comma-separated token ids before and after the image (SUFFIX_IDS may be empty: "").
//   PREFIX_IDS must start with <bos> (2): mtmd always adds it itself, so it is checked and dropped here.
// Writes {"build": {...}, "fed": {...}, "tokens": [generated ids], "pieces": [generated texts]}.
//
// What llama.cpp feeds for one image (tools/mtmd/mtmd.cpp, PROJECTOR_TYPE_GEMMA3; confirmed by this script's
// n_past bookkeeping, see "fed"):
//   <bos> PREFIX... <start_of_image>(255999)  [tokensPerImage image embeddings]  <end_of_image>(256000) SUFFIX...
// mtmd adds only <start_of_image>/<end_of_image> around the embeddings: no "\n\n". Hugging Face's processor expands
// the image to "\n\n<start_of_image>" + soft tokens + "<end_of_image>\n\n", so to match it put 108 ("\n\n") last in
// PREFIX_IDS and first in SUFFIX_IDS. The image occupies tokensPerImage positions (one per embedding, no M-RoPE), is
// decoded as its own batch with causal attention switched off (mtmd_decode_use_non_causal is true for gemma3: the
// image's tokens see each other both ways; text stays causal), then the suffix follows at position
// len(PREFIX) + 1 + tokensPerImage.
//
// Pixels: mtmd resizes to clip.vision.image_size × image_size only when the image has another size (a copy
// otherwise), then computes (x / 255 - image_mean) / image_std with the mmproj's mean/std. Give it a PNG that is
// exactly image_size square and our encoder sees the same pixels.
//
// Generated ids: the binding returns each generated token's text, not its id; the id is recovered by tokenizing the
// text and checking that it is one token whose text is the same. Where that fails the id is null (look at "pieces").
// The prompt ids are checked the same way: the script fails if PREFIX/SUFFIX do not survive the text round trip.
// Image embeddings are not exposed by the binding, so only tokens can be compared.
import {loadModel, BuildInfo} from "@fugood/llama.node";
import {writeFileSync} from "node:fs";

const [modelPath, mmprojPath, imagePath, prefixText, suffixText, stepsText, threadsText, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node llama-mm-greedy.mjs MODEL.gguf MMPROJ.gguf IMAGE.png PREFIX_IDS SUFFIX_IDS STEPS THREADS OUT.json");
  process.exit(2);
}
const ids = (s) => (s.trim() === "" ? [] : s.split(",").map(Number));
const prefix = ids(prefixText);
const suffix = ids(suffixText);
const steps = Number(stepsText);
const threads = Number(threadsText);
const BOS = 2, START_OF_IMAGE = 255999, END_OF_IMAGE = 256000;
if (prefix[0] !== BOS) {
  console.error("PREFIX_IDS must start with <bos> (2): llama.cpp's mtmd always adds it");
  process.exit(2);
}

const ctx = await loadModel({
  model: modelPath, n_ctx: 2048, n_batch: 512, n_ubatch: 512, n_threads: threads, n_gpu_layers: 0,
  flash_attn_type: "off", cache_type_k: "f32", cache_type_v: "f32", ctx_shift: false,
});
if (!ctx.initMultimodal({path: mmprojPath, use_gpu: false})) {
  console.error("llama.cpp could not load the mmproj file " + mmprojPath);
  process.exit(1);
}

// Token ids → text, and a check that llama.cpp tokenizes the text back to exactly those ids.
async function textOf(tokens, what) {
  const text = tokens.length === 0 ? "" : await ctx.detokenize(tokens);
  const back = text === "" ? [] : Array.from((await ctx.tokenize(text)).tokens);
  if (JSON.stringify(back) !== JSON.stringify(tokens)) {
    throw new Error(`${what} ids ${JSON.stringify(tokens)} do not survive llama.cpp's text round trip (got ${JSON.stringify(back)})`);
  }
  return text;
}
const before = await textOf(prefix.slice(1), "PREFIX");
const after = await textOf(suffix, "SUFFIX");

const pieces = [];
const result = await ctx.completion({
  prompt: before + "<__media__>" + after,
  media_paths: [imagePath],
  n_predict: steps, temperature: 0, top_k: 1, seed: 0, ignore_eos: true,
}, (t) => pieces.push(t.token));

const tokens = [];
for (const piece of pieces) {
  const t = Array.from((await ctx.tokenize(piece)).tokens);
  tokens.push(t.length === 1 && (await ctx.detokenize(t)) === piece ? t[0] : null);
}
// tokens_evaluated counts the prompt (image positions included) plus the generated tokens
const imageTokens = result.tokens_evaluated - result.tokens_predicted - prefix.length - 2 - suffix.length;
const out = {
  build: {number: BuildInfo.number, commit: BuildInfo.commit},
  fed: {
    sequence: [...prefix, START_OF_IMAGE, `<${imageTokens} image embeddings, non-causal>`, END_OF_IMAGE, ...suffix],
    image_positions: [prefix.length + 1, prefix.length + imageTokens],
    tokens_evaluated: result.tokens_evaluated,
  },
  tokens, pieces,
};
writeFileSync(outPath, JSON.stringify(out));
console.log(JSON.stringify({build: out.build, fed: out.fed, tokens}));
await ctx.releaseMultimodal();
await ctx.release();
