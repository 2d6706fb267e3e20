#!/usr/bin/env python3
"""The GPU check's SUMMARY (kernels/gpu-check/run.sh): steps, parity (CPU vs CUDA vs transformers), decode speed
(ours vs transformers, with the effective weight-read bandwidth at batch 1 against the card's copy bandwidth).
Standard library only. Also writes RESULTS/results.json: every step and every JSON result merged into one file.

usage: summarize.py --results DIR [--models DIR] [--prompt IDS] [--steps N] [--expected expected-greedy.json]
"""
import argparse
import glob
import json
import os
import sys


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except Exception as e:  # noqa: BLE001
        return {"error": f"unreadable {os.path.basename(path)}: {type(e).__name__}: {e}"}


def read_steps(res):
    steps = []
    path = os.path.join(res, "steps.tsv")
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 4:
                    steps.append({"step": parts[0], "rc": parts[1], "seconds": parts[2], "note": parts[3]})
    return steps


def model_bytes(models_dir, name):
    """Bytes of weights: the .gguf file, or the *.safetensors of a folder."""
    if not models_dir:
        return None
    gguf = os.path.join(models_dir, name + ".gguf")
    if os.path.isfile(gguf):
        return os.path.getsize(gguf)
    folder = os.path.join(models_dir, name)
    if os.path.isdir(folder):
        files = glob.glob(os.path.join(folder, "*.safetensors"))
        return sum(os.path.getsize(f) for f in files) or None
    return None


def ints(x):
    if isinstance(x, list) and all(isinstance(v, int) for v in x):
        return x
    return None


def find_tokens(obj, *keys):
    """The first list of ints under one of keys (also one level down, e.g. {"cuda": {"tokens": [...]}})."""
    if not isinstance(obj, dict):
        return None
    for k in keys:
        v = obj.get(k)
        if ints(v) is not None:
            return v
        if isinstance(v, dict) and ints(v.get("tokens")) is not None:
            return v["tokens"]
    return None


def agreement(a, b):
    """'n/N' equal positions and the first index where they differ (None if equal)."""
    if a is None or b is None:
        return "-", None
    n = min(len(a), len(b))
    same = sum(1 for i in range(n) if a[i] == b[i])
    first = next((i for i in range(n) if a[i] != b[i]), None)
    if first is None and len(a) != len(b):
        first = n
    return f"{same}/{max(len(a), len(b))}", first


def runs(tokens):
    """[5, 5, 5, 7] -> '[5x3 7]' (random test models repeat tokens a lot)."""
    if tokens is None:
        return "-"
    out, i = [], 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j] == tokens[i]:
            j += 1
        out.append(f"{tokens[i]}x{j - i}" if j - i > 1 else str(tokens[i]))
        i = j
    return "[" + " ".join(out) + "]"


BATCH_KEYS = ("batch", "batch_size", "b", "batchSize")
MS_KEYS = ("ms_per_step", "msPerStep", "step_ms", "ms_per_token", "decode_ms_per_step", "ms")
TPS_KEYS = ("tokens_per_s", "tokensPerS", "tok_per_s", "tokens_per_second", "tok_s", "tps", "throughput")


def bench_rows(obj):
    """{batch: (ms_per_step, tokens_per_s, error)} from a bench JSON of unknown exact shape: the first list of
    objects that carry a batch size, anywhere in it."""
    found = []

    def walk(o):
        if found:
            return
        if isinstance(o, list) and o and all(isinstance(r, dict) for r in o) \
                and any(k in o[0] for k in BATCH_KEYS):
            found.append(o)
            return
        if isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(obj)
    rows = {}
    for r in (found[0] if found else []):
        b = next((r[k] for k in BATCH_KEYS if k in r), None)
        ms = next((r[k] for k in MS_KEYS if isinstance(r.get(k), (int, float))), None)
        tps = next((r[k] for k in TPS_KEYS if isinstance(r.get(k), (int, float))), None)
        if ms is None and tps is not None and b:
            ms = 1000.0 * b / tps
        if tps is None and ms and b:
            tps = 1000.0 * b / ms
        rows[b] = (ms, tps, r.get("error"))
    return rows


def fmt_cell(cell):
    ms, tps, err = cell
    if err and ms is None:
        return "error"
    if ms is None:
        return "?"
    return f"{ms:.2f}ms {tps:,.0f}t/s" if tps is not None else f"{ms:.2f}ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--models", default=None)
    ap.add_argument("--prompt", default="")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--expected", default=None, help="expected-greedy.json (used when its prompt and steps match)")
    args = ap.parse_args()
    expected = {}
    if args.expected and os.path.isfile(args.expected):
        e = load_json(args.expected)
        prompt = [int(x) for x in args.prompt.split(",") if x.strip()] if args.prompt else None
        if isinstance(e, dict) and e.get("prompt") == prompt and (args.steps is None or e.get("steps") == args.steps):
            expected = {k: v.get("tokens") for k, v in (e.get("models") or {}).items() if isinstance(v, dict)}
    res = args.results

    steps = read_steps(res)
    jsons = {os.path.basename(p)[:-5]: load_json(p) for p in sorted(glob.glob(os.path.join(res, "json", "*.json")))}
    out = []
    p = out.append
    p("=" * 100)
    p("SUMMARY gemma-fleet GPU check" + (f" - {jsons['hf-bench-1b-bf16'].get('device')}"
                                           if isinstance(jsons.get("hf-bench-1b-bf16"), dict)
                                           and jsons["hf-bench-1b-bf16"].get("device") else ""))
    p("=" * 100)

    # --- steps
    p("steps:")
    for s in steps:
        mark = "ok  " if s["rc"] == "0" else ("skip" if s["rc"] == "skip" else "FAIL")
        p(f"  {mark} {s['step']:<22} {s['seconds']:>5}s  {'' if s['note'] == 'ok' else s['note']}")

    # --- the engine benchmark's tables, as it printed them
    for elog in sorted(glob.glob(os.path.join(res, "logs", "engine-bench-*.log"))):
        p(os.path.basename(elog)[:-4] + ":")
        with open(elog, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("#") or "\t" in line:
                    p("  " + line.rstrip("\n").replace("\t", "  "))

    # --- kernels: the check's own verdict lines
    klog = os.path.join(res, "logs", "kernels.log")
    if os.path.isfile(klog):
        with open(klog, errors="replace") as f:
            lines = [ln.rstrip() for ln in f if ln.strip()]
        verdict = [ln for ln in lines if any(w in ln.upper() for w in ("PASS", "FAIL", "SUMMARY", "MISMATCH", "ERROR"))]
        shown = (verdict or lines)[-12:]
        p("kernels (GpuCheck kernels, last verdict lines):")
        for ln in shown:
            p("  " + ln[:160])

    # --- parity
    hf = jsons.get("hf-greedy-1b-bf16")
    hf_tokens = find_tokens(hf, "tokens") if isinstance(hf, dict) else None
    parity = {k[len("parity-"):]: v for k, v in jsons.items() if k.startswith("parity-")}
    if parity or hf is not None:
        n_prompt = len([x for x in args.prompt.split(",") if x.strip()]) if args.prompt else "?"
        p(f"parity (greedy tokens from a {n_prompt}-id prompt; n/N equal positions, @i = first difference;")
        p("        expected = our CPU runtime on the kit-building machine, expected-greedy.json):")
        p(f"  {'model':<11} {'cpu vs cuda':<16} {'cuda vs expected':<18} {'cpu vs expected':<17} {'hf vs cuda':<16} {'hf vs cpu':<16}")
        for name in sorted(set(parity) | ({"1b-bf16"} if hf is not None else set())):
            obj = parity.get(name, {})
            cpu = find_tokens(obj, "cpu", "cpu_tokens")
            cuda = find_tokens(obj, "cuda", "cuda_tokens", "gpu")
            exp = expected.get(name)
            h = hf_tokens if name == "1b-bf16" else None
            cells = []
            for a, b in [(cpu, cuda), (cuda, exp), (cpu, exp), (h, cuda), (h, cpu)]:
                s, first = agreement(a, b)
                cells.append(s + ("" if first is None or s == "-" else f" @{first}"))
            err = obj.get("error") if isinstance(obj, dict) else None
            p(f"  {name:<11} {cells[0]:<16} {cells[1]:<18} {cells[2]:<17} {cells[3]:<16} {cells[4]:<16}"
              + (f" error: {str(err)[:100]}" if err else ""))
        if isinstance(hf, dict):
            if hf.get("error"):
                p(f"  transformers greedy: ERROR {hf['error'][:200]}")
            elif hf.get("margins"):
                m = hf["margins"]
                i = m.index(min(m))
                p(f"  transformers greedy (fp32, eager): smallest top1-top2 logit margin {m[i]} at step {i}")
        for name, obj in sorted(parity.items()):
            cpu = find_tokens(obj, "cpu", "cpu_tokens")
            cuda = find_tokens(obj, "cuda", "cuda_tokens", "gpu")
            exp = expected.get(name)
            if cpu != cuda or (exp is not None and cuda != exp) or (name == "1b-bf16" and hf_tokens is not None and hf_tokens != cuda):
                p(f"  {name} tokens: cpu  {runs(cpu)}")
                p(f"  {' ' * len(name)} tokens: cuda {runs(cuda)}")
                if name == "1b-bf16" and hf_tokens is not None:
                    p(f"  {' ' * len(name)} tokens: hf   {runs(hf_tokens)}")
                if exp is not None:
                    p(f"  {' ' * len(name)} tokens: exp  {runs(exp)}")

    # --- bench
    bench = {}
    for k, v in jsons.items():
        if k.startswith("bench-"):
            bench[("cuda", k[len("bench-"):])] = v
        elif k.startswith("hf-bench-"):
            bench[("transformers", k[len("hf-bench-"):])] = v
    copy_bw = None
    for v in jsons.values():
        if isinstance(v, dict) and isinstance(v.get("d2d_copy"), dict) and v["d2d_copy"].get("GB_per_s"):
            copy_bw = v["d2d_copy"]["GB_per_s"]
    if bench:
        batches = sorted({b for v in bench.values() for b in bench_rows(v) if isinstance(b, int)})
        p("decode speed (ms per step, generated tokens/s) and batch-1 weight-read bandwidth:")
        head = f"  {'engine':<13} {'model':<9} {'GiB':>5}  " + "".join(f"{'b=' + str(b):<21}" for b in batches)
        p(head + "b=1 GB/s")
        for (engine, name), obj in sorted(bench.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            rows = bench_rows(obj)
            size = model_bytes(args.models, name)
            gib = f"{size / 2**30:5.2f}" if size else "    ?"
            line = f"  {engine:<13} {name:<9} {gib}  " + "".join(
                f"{fmt_cell(rows[b]) if b in rows else '-':<21}" for b in batches)
            ms1 = rows.get(1, (None,))[0]
            if size and ms1:
                gbs = size / (ms1 / 1e3) / 1e9
                line += f"{gbs:,.0f}" + (f" ({100 * gbs / copy_bw:.0f}% of copy)" if copy_bw else "")
            if not rows:
                err = obj.get("error") if isinstance(obj, dict) else None
                line += ("error: " + str(err)[:120]) if err else ("unrecognized JSON: " + json.dumps(obj)[:150])
            p(line)
        if copy_bw:
            p(f"  device-to-device copy bandwidth (torch, read+write): {copy_bw:,.0f} GB/s")
        p("  (transformers: eager PyTorch + sdpa + DynamicCache, bf16, no torch.compile; GB/s = weight bytes / step time)")

    p("=" * 100)
    print("\n".join(out))

    merged = {"steps": steps, "results": jsons}
    try:
        with open(os.path.join(res, "results.json"), "w") as f:
            json.dump(merged, f, indent=1)
    except OSError as e:
        print(f"(could not write results.json: {e})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
