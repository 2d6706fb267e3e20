// The peer of `gemma-fleet image-bench`: llama.cpp's multimodal path (mtmd + clip, via @fugood/llama.node's prebuilt
// CPU binary) timing one image in a prompt.
//
// Usage: node llama-mm-bench.mjs MODEL.gguf MMPROJ.gguf IMAGE THREADS WARMUP RUNS OUT.json
//
// Each run, on an emptied cache: a completion of a chat turn with the image (n_predict 1), then the same turn without
// it. The binding's timings leave the image out (llama.cpp's prompt timer counts llama_decode only), so the
// vision-tower time and the image's prefill are read from mtmd's own log lines, which it writes to stderr around
// each step (tools/mtmd/mtmd-helper.cpp): "image slice encoded in N ms" (clip: the tower + projector) and "image
// decoded (batch 1/1) in N ms" (the 256 embeddings through the text model), a millisecond resolution. A process
// cannot read its own stderr, so the script runs itself as a child and reads the child's: each run ends with a
// "@@" line carrying the wall times, and the mtmd lines before it belong to that run.
// Writes {"build": {...}, "runs": [{image_wall_ms, text_wall_ms, encode_ms, image_prefill_ms}, ...]}.
import {loadModel, BuildInfo} from "@fugood/llama.node";
import {spawn} from "node:child_process";
import {writeFileSync} from "node:fs";
import {fileURLToPath} from "node:url";

const CHILD = "--child";
const args = process.argv.slice(2);
const child = args[0] === CHILD;
const [modelPath, mmprojPath, imagePath, threadsText, warmupText, runsText, outPath] = child ? args.slice(1) : args;
if (!outPath) {
  console.error("usage: node llama-mm-bench.mjs MODEL.gguf MMPROJ.gguf IMAGE THREADS WARMUP RUNS OUT.json");
  process.exit(2);
}

if (child) {
  await measure();
} else {
  await collect();
}

/** Runs the measurements in a child process and turns its stderr into one record per run. */
async function collect() {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), CHILD, ...args], {stdio: ["ignore", "ignore", "pipe"]});
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  const code = await new Promise((resolve) => proc.on("close", resolve));
  if (code !== 0) {
    console.error(stderr.split("\n").slice(-20).join("\n"));
    process.exit(code ?? 1);
  }
  const runs = [];
  let block = [];
  for (const line of stderr.split("\n")) {
    if (line.startsWith("@@")) {
      const run = JSON.parse(line.slice(2));
      const number = (pattern) => {
        const hit = block.map((l) => l.match(pattern)).find((m) => m);
        if (!hit) {
          console.error("mtmd's timing line " + pattern + " is missing: this binding's llama.cpp logs differently");
          process.exit(1);
        }
        return Number(hit[1]);
      };
      run.encode_ms = number(/image slice encoded in (\d+) ms/);
      run.image_prefill_ms = number(/image decoded \(batch 1\/1\) in (\d+) ms/);
      if (!run.warmup) {
        delete run.warmup;
        runs.push(run);
      }
      block = [];
    } else {
      block.push(line);
    }
  }
  writeFileSync(outPath, JSON.stringify({build: {number: BuildInfo.number, commit: BuildInfo.commit}, runs}));
}

/** The child: loads the model and its mmproj, times each run, ends each with an "@@" line on stderr. */
async function measure() {
  // The same chat turn gemma-fleet's template writes for a user message of one image and this text.
  const text = "Describe this picture.";
  const withImage = "<start_of_turn>user\n<__media__>" + text + "<end_of_turn>\n<start_of_turn>model\n";
  const withoutImage = "<start_of_turn>user\n" + text + "<end_of_turn>\n<start_of_turn>model\n";
  const ctx = await loadModel({
    model: modelPath, n_ctx: 2048, n_batch: 512, n_ubatch: 512, n_threads: Number(threadsText), n_gpu_layers: 0,
    flash_attn_type: "off", ctx_shift: false,
  });
  if (!ctx.initMultimodal({path: mmprojPath, use_gpu: false})) {
    console.error("llama.cpp could not load the mmproj file " + mmprojPath);
    process.exit(1);
  }
  const timed = async (prompt, media) => {
    ctx.clearCache(); // no prompt cache: every run encodes and prefills the image again
    const t0 = performance.now();
    await ctx.completion({prompt, media_paths: media, n_predict: 1, temperature: 0, top_k: 1, seed: 0});
    return performance.now() - t0;
  };
  const warmup = Number(warmupText);
  for (let i = 0; i < warmup + Number(runsText); i++) {
    const imageWall = await timed(withImage, [imagePath]);
    const textWall = await timed(withoutImage, []);
    process.stderr.write("@@" + JSON.stringify({warmup: i < warmup, image_wall_ms: imageWall, text_wall_ms: textWall}) + "\n");
  }
  await ctx.releaseMultimodal();
  await ctx.release();
  process.exit(0);
}
