#!/usr/bin/env python3
"""Hugging Face transformers reference for the GPU check (kernels/gpu-check/run.sh).

  hf_reference.py greedy --model DIR --prompt 2,818,5279 --steps 32 --json FILE
      Loads a Hugging Face folder (our test-model writer's: config.json, model*.safetensors, tokenizer files) in
      float32 with eager attention on the GPU, feeds exactly the given token ids (no chat template, no BOS added) and
      greedy-decodes --steps tokens with a plain forward loop over the KV cache (not generate(), which could add or
      stop on tokens). Writes {"tokens": [...], "margins": [...], ...}; margins are top-1 minus top-2 logits per step
      (a divergence at a small margin is a near-tie, not a bug).

  hf_reference.py bench --model DIR --batches 1,8,32,64 --steps 32 --prompt-len 64 --dtype bfloat16 --json FILE
      transformers' own decode speed on this GPU (default attention, i.e. sdpa, eager PyTorch, DynamicCache, no
      torch.compile): per batch size a random prompt of --prompt-len ids, prefill, 2 unmeasured decode steps, then
      --steps greedy decode steps timed between sync(torch) calls. Also measures the card's
      device-to-device copy bandwidth (a 4 GiB tensor copied 10 times, bytes read + written).

  hf_reference.py bandwidth --json FILE
      Only the copy bandwidth.

Exit codes: 0 ok, 1 the run failed (the JSON then holds "error"), 2 torch/transformers missing or bad arguments.
"""
import argparse
import json
import os
import re
import sys
import time
import traceback


DEVICE = "cuda"  # --device; "cpu" only to test this script on a machine without a GPU


def on_cuda():
    return DEVICE.startswith("cuda")


def sync(torch):
    if on_cuda():
        torch.cuda.synchronize()


def free_cache(torch):
    if on_cuda():
        torch.cuda.empty_cache()


def log(msg):
    print(f"[hf_reference] {msg}", flush=True)


def write_json(path, obj):
    if not path:
        return
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def fail(msg, json_path=None, code=1, extra=None):
    print(f"[hf_reference] ERROR: {msg}", file=sys.stderr, flush=True)
    obj = {"error": msg}
    if extra:
        obj.update(extra)
    try:
        write_json(json_path, obj)
    except Exception as e:  # noqa: BLE001 - the error message matters more than the file
        print(f"[hf_reference] (could not write {json_path}: {e})", file=sys.stderr)
    sys.exit(code)


def import_torch(json_path, need_transformers=True):
    try:
        import torch
    except Exception as e:  # noqa: BLE001
        fail(f"cannot import torch: {type(e).__name__}: {e}", json_path, 2)
    transformers = None
    if need_transformers:
        try:
            import transformers
        except Exception as e:  # noqa: BLE001
            fail(f"cannot import transformers: {type(e).__name__}: {e}", json_path, 2)
        try:
            import safetensors  # noqa: F401 - from_pretrained needs it for model.safetensors
        except Exception as e:  # noqa: BLE001
            fail(f"cannot import safetensors: {type(e).__name__}: {e}", json_path, 2)
    if on_cuda() and not torch.cuda.is_available():
        fail(f"torch {torch.__version__} sees no CUDA device (torch.version.cuda={torch.version.cuda})", json_path, 2)
    return torch, transformers


def parse_ints(s, what):
    try:
        vals = [int(x) for x in s.replace(" ", "").split(",") if x != ""]
    except ValueError:
        fail(f"{what} must be comma-separated integers, got {s!r}", None, 2)
    if not vals:
        fail(f"{what} is empty", None, 2)
    return vals


def version_tuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:2]) or (0, 0)


def environment(torch, transformers):
    env = {"device": DEVICE}
    if on_cuda():
        props = torch.cuda.get_device_properties(0)
        env.update({"device": torch.cuda.get_device_name(0),
                    "capability": list(torch.cuda.get_device_capability(0)),
                    "device_memory_gib": round(props.total_memory / 2**30, 1)})
    env.update({
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "python": sys.version.split()[0],
    })
    if transformers is not None:
        env["transformers"] = transformers.__version__
    return env


def strict_fp32(torch):
    """No TF32 in float32 matmuls: the greedy reference should be as exact as float32 gets. Returns what was set."""
    try:
        torch.backends.cuda.matmul.fp32_precision = "ieee"  # torch >= 2.9; older torch raises AttributeError
        return "fp32_precision=ieee"
    except Exception:  # noqa: BLE001
        pass
    try:
        torch.backends.cuda.matmul.allow_tf32 = False
        return "allow_tf32=False"
    except Exception as e:  # noqa: BLE001
        return f"unchanged ({type(e).__name__})"


def read_config(model_dir, json_path):
    cfg_path = os.path.join(model_dir, "config.json")
    if not os.path.isfile(cfg_path):
        raise RuntimeError(f"no config.json in {model_dir}")
    with open(cfg_path) as f:
        return json.load(f)


def load_model(torch, transformers, model_dir, dtype, attn, json_path):
    """AutoModelForCausalLM, falling back to the class config.json names (Gemma3ForCausalLM or
    Gemma3ForConditionalGeneration) if the auto mapping refuses it."""
    cfg = read_config(model_dir, json_path)
    archs = cfg.get("architectures") or []
    kwargs = {}
    # transformers 4.56 renamed torch_dtype to dtype (torch_dtype is deprecated in 5.x)
    kwargs["dtype" if version_tuple(transformers.__version__) >= (4, 56) else "torch_dtype"] = dtype
    if attn:
        kwargs["attn_implementation"] = attn
    log(f"loading {model_dir} ({', '.join(archs) or 'no architectures'}) as {dtype}, attention {attn or 'default'}")
    t0 = time.perf_counter()
    errors = []
    model = None
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    except Exception as e:  # noqa: BLE001
        errors.append(f"AutoModelForCausalLM: {type(e).__name__}: {e}")
        for arch in archs:
            cls = getattr(transformers, arch, None)
            if cls is None:
                continue
            try:
                model = cls.from_pretrained(model_dir, **kwargs)
                break
            except Exception as e2:  # noqa: BLE001
                errors.append(f"{arch}: {type(e2).__name__}: {e2}")
    if model is None:
        raise RuntimeError("could not load the model: " + " | ".join(errors))
    model.to(DEVICE)
    model.eval()
    sync(torch)
    load_s = time.perf_counter() - t0
    log(f"loaded {type(model).__name__} in {load_s:.1f} s, attention {getattr(model.config, '_attn_implementation', '?')}")
    return model, load_s


def logits_kwargs(model):
    """Ask for the last position's logits only, where the model's forward knows how."""
    import inspect
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return {}
    if "logits_to_keep" in params:
        return {"logits_to_keep": 1}
    if "num_logits_to_keep" in params:
        return {"num_logits_to_keep": 1}
    return {}


def cmd_greedy(args):
    torch, transformers = import_torch(args.json)
    prompt = parse_ints(args.prompt, "--prompt")
    matmul = strict_fp32(torch)
    log(f"float32 matmuls: {matmul}")
    env = environment(torch, transformers)
    env["fp32_matmul"] = matmul
    dtype = getattr(torch, args.dtype)
    model, load_s = load_model(torch, transformers, args.model, dtype, args.attn, args.json)
    vocab = model.get_output_embeddings().weight.shape[0] if model.get_output_embeddings() is not None else None
    bad = [t for t in prompt if t < 0 or (vocab is not None and t >= vocab)]
    if bad:
        fail(f"prompt ids out of range for a vocabulary of {vocab}: {bad}", args.json, 1)
    tokens, margins = [], []
    t0 = time.perf_counter()
    with torch.inference_mode():
        ids = torch.tensor([prompt], dtype=torch.long, device=DEVICE)
        out = model(input_ids=ids, use_cache=True)
        past = out.past_key_values
        logits = out.logits[0, -1, :].float()
        for i in range(args.steps):
            top2 = torch.topk(logits, 2)
            nxt = int(top2.indices[0])
            tokens.append(nxt)
            margins.append(round(float(top2.values[0] - top2.values[1]), 4))
            if i == args.steps - 1:
                break
            out = model(input_ids=torch.tensor([[nxt]], dtype=torch.long, device=DEVICE),
                        past_key_values=past, use_cache=True)
            past = out.past_key_values
            logits = out.logits[0, -1, :].float()
    sync(torch)
    decode_s = time.perf_counter() - t0
    log(f"tokens: {tokens}")
    log(f"smallest top1-top2 margin {min(margins):.4f} at step {margins.index(min(margins))}")
    result = {"tokens": tokens, "margins": margins, "prompt": prompt, "steps": args.steps,
              "model": os.path.abspath(args.model), "dtype": args.dtype, "attn_implementation": args.attn,
              "engine": "transformers", "load_s": round(load_s, 2), "decode_s": round(decode_s, 3)}
    result.update(env)
    write_json(args.json, result)
    return 0


def d2d_bandwidth(torch, gib=4.0, iters=10):
    """Device-to-device copy bandwidth: bytes read + written per second (largest tensor that fits, <= gib)."""
    for size_gib in (gib, gib / 2, gib / 4, gib / 8):
        n = int(size_gib * 2**30)
        try:
            src = torch.empty(n, dtype=torch.uint8, device=DEVICE)
            dst = torch.empty_like(src)
        except torch.cuda.OutOfMemoryError:
            free_cache(torch)
            continue
        src.fill_(7)
        dst.copy_(src)  # warm-up
        sync(torch)
        t0 = time.perf_counter()
        for _ in range(iters):
            dst.copy_(src)
        sync(torch)
        dt = time.perf_counter() - t0
        del src, dst
        free_cache(torch)
        moved = 2 * n * iters
        return {"tensor_gib": size_gib, "iters": iters, "bytes_moved": moved, "seconds": round(dt, 5),
                "GB_per_s": round(moved / dt / 1e9, 1), "GiB_per_s": round(moved / dt / 2**30, 1),
                "counts": "bytes read + bytes written"}
    return {"error": "no room on the device for the copy test"}


def cmd_bandwidth(args):
    torch, transformers = import_torch(args.json, need_transformers=False)
    bw = d2d_bandwidth(torch, args.copy_gib, args.copy_iters)
    log(f"device-to-device copy: {bw}")
    result = {"d2d_copy": bw}
    result.update(environment(torch, None))
    write_json(args.json, result)
    return 0


def cmd_bench(args):
    torch, transformers = import_torch(args.json)
    batches = parse_ints(args.batches, "--batches")
    env = environment(torch, transformers)
    result = {"engine": "transformers", "model": os.path.abspath(args.model), "dtype": args.dtype,
              "attn_implementation": args.attn or "default (sdpa)", "prompt_len": args.prompt_len,
              "steps": args.steps, "warmup_steps": args.warmup, "cache": "DynamicCache (eager PyTorch, no compile)",
              "results": []}
    result.update(env)
    # Bandwidth first, while the whole card is free.
    try:
        result["d2d_copy"] = d2d_bandwidth(torch, args.copy_gib, args.copy_iters)
        log(f"device-to-device copy: {result['d2d_copy']}")
    except Exception as e:  # noqa: BLE001
        result["d2d_copy"] = {"error": f"{type(e).__name__}: {e}"}
    write_json(args.json, result)

    dtype = getattr(torch, args.dtype)
    try:
        model, load_s = load_model(torch, transformers, args.model, dtype, args.attn, args.json)
    except Exception as e:  # noqa: BLE001 - keep the bandwidth figure already measured
        traceback.print_exc()
        result["error"] = f"{type(e).__name__}: {e}"
        write_json(args.json, result)
        log(f"ERROR: {result['error']}")
        return 1
    result["load_s"] = round(load_s, 2)
    result["attn_implementation_used"] = getattr(model.config, "_attn_implementation", None)
    cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    vocab = int(getattr(cfg, "vocab_size", 262144))
    hi = min(vocab, 262144)
    extra = logits_kwargs(model)
    gen = torch.Generator(device=DEVICE)
    for b in batches:
        row = {"batch": b}
        out = past = ids = nxt = None
        try:
            gen.manual_seed(1234 + b)
            ids = torch.randint(3, hi, (b, args.prompt_len), device=DEVICE, generator=gen)
            with torch.inference_mode():
                sync(torch)
                t0 = time.perf_counter()
                out = model(input_ids=ids, use_cache=True, **extra)
                nxt = out.logits[:, -1, :].argmax(-1, keepdim=True)
                past = out.past_key_values
                sync(torch)
                row["prefill_ms"] = round((time.perf_counter() - t0) * 1e3, 2)
                for _ in range(args.warmup):
                    out = model(input_ids=nxt, past_key_values=past, use_cache=True, **extra)
                    past = out.past_key_values
                    nxt = out.logits[:, -1, :].argmax(-1, keepdim=True)
                sync(torch)
                t0 = time.perf_counter()
                for _ in range(args.steps):
                    out = model(input_ids=nxt, past_key_values=past, use_cache=True, **extra)
                    past = out.past_key_values
                    nxt = out.logits[:, -1, :].argmax(-1, keepdim=True)
                sync(torch)
                dt = time.perf_counter() - t0
            row["ms_per_step"] = round(dt / args.steps * 1e3, 3)
            row["tokens_per_s"] = round(b * args.steps / dt, 1)
            if on_cuda():
                row["peak_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
            log(f"batch {b:3d}: prefill {row['prefill_ms']} ms, decode {row['ms_per_step']} ms/step, "
                f"{row['tokens_per_s']} tok/s")
        except Exception as e:  # noqa: BLE001 - OOM or anything else: record it, go on with the next batch
            row["error"] = f"{type(e).__name__}: {str(e)[:300]}"
            log(f"batch {b}: {row['error']}")
        finally:
            del out, past, ids, nxt
            free_cache(torch)
            if on_cuda():
                torch.cuda.reset_peak_memory_stats()
        result["results"].append(row)
        write_json(args.json, result)
    return 0


def main():
    p = argparse.ArgumentParser(description="Hugging Face transformers reference for the GPU check")
    sub = p.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("greedy", help="greedy tokens for parity")
    g.add_argument("--model", required=True, help="Hugging Face folder (config.json, *.safetensors)")
    g.add_argument("--prompt", required=True, help="comma-separated token ids, fed as they are")
    g.add_argument("--steps", type=int, default=32)
    g.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    g.add_argument("--attn", default="eager", help="attn_implementation (default eager)")
    g.add_argument("--json", required=True)
    g.add_argument("--device", default="cuda", help="torch device (default cuda; cpu only to test the script)")

    b = sub.add_parser("bench", help="transformers decode speed + copy bandwidth")
    b.add_argument("--model", required=True)
    b.add_argument("--batches", default="1,8,32,64")
    b.add_argument("--steps", type=int, default=32)
    b.add_argument("--warmup", type=int, default=2)
    b.add_argument("--prompt-len", type=int, default=64)
    b.add_argument("--dtype", default="bfloat16", choices=["float32", "bfloat16", "float16"])
    b.add_argument("--attn", default=None, help="attn_implementation (default: transformers' default, sdpa)")
    b.add_argument("--copy-gib", type=float, default=4.0)
    b.add_argument("--copy-iters", type=int, default=10)
    b.add_argument("--json", required=True)
    b.add_argument("--device", default="cuda", help="torch device (default cuda; cpu only to test the script)")

    w = sub.add_parser("bandwidth", help="device-to-device copy bandwidth only")
    w.add_argument("--copy-gib", type=float, default=4.0)
    w.add_argument("--copy-iters", type=int, default=10)
    w.add_argument("--json", required=True)
    w.add_argument("--device", default="cuda", help="torch device (default cuda; cpu only to test the script)")

    args = p.parse_args()
    global DEVICE
    DEVICE = args.device
    if getattr(args, "steps", 1) < 1:
        fail("--steps must be >= 1", None, 2)
    if getattr(args, "model", None) and not os.path.isdir(args.model):
        fail(f"--model {args.model} is not a folder", args.json, 1)
    handler = {"greedy": cmd_greedy, "bench": cmd_bench, "bandwidth": cmd_bandwidth}[args.cmd]
    try:
        return handler(args)
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        fail(f"{type(e).__name__}: {e}", args.json, 1, {"traceback": traceback.format_exc()[-4000:]})


if __name__ == "__main__":
    sys.exit(main())
