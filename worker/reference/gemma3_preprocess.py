#!/usr/bin/python3
"""Reference for io.gemmafleet.media: Gemma 3's image pre-processing as Hugging Face transformers does it.

Run with Debian's interpreter (python3-pil 9.4 + python3-numpy), not a pyenv one:

    /usr/bin/python3 worker/reference/gemma3_preprocess.py fixtures  worker/src/test/resources/media
    /usr/bin/python3 worker/reference/gemma3_preprocess.py reference worker/src/test/resources/media \
        worker/src/test/resources/media/reference

Each step is copied from transformers (main branch as of 2026-11, v5 layout; the same logic as v4.5x):
  * transformers/image_utils.py            load_image: PIL.ImageOps.exif_transpose, then image.convert("RGB")
  * transformers/image_transforms.py       convert_to_rgb: image.convert("RGB") when the mode is not RGB
                                           (NOT the alpha-compositing copy that idefics2/mllama carry)
  * transformers/models/gemma3/image_processing_gemma3.py (and image_processing_pil_gemma3.py):
      pan_and_scan on the full-resolution uint8 array, base image first then the crops;
      resize each to (size, size) with PIL BILINEAR (image_transforms.resize -> to_pil_image -> Image.resize,
      reducing_gap None);
      rescale: image.astype(float64) * (1/255), then astype(float32)   (image_transforms.rescale)
      normalize: (image - mean) / std with mean/std as float32 arrays (0.5)  (image_transforms.normalize)
      channels first.

Outputs (little-endian raw files, described by manifest.json):
  <case>.rgb            the decoded image after exif_transpose + convert("RGB"), uint8 HWC
                        (<case>.rgb.sha256, a hash of those bytes, for large images)
  <case>.<size>.f32     pixel_values of the base image, float32 CHW
  <case>.pas<i>.<size>.f32   pixel_values of pan-and-scan crop i
  <clip>.frame<i>.rgb   frame i of an animated clip as PIL composites it, uint8 HWC
  <case>.<size>.sha256  for large sizes (896): SHA-256 of the float32 CHW bytes instead of the bytes
"""
import hashlib
import io
import itertools
import json
import math
import os
import sys

import numpy as np
import PIL
import PIL.Image
import PIL.ImageOps

BILINEAR = PIL.Image.BILINEAR
MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]


# --- transformers' steps, copied ---------------------------------------------------------------

def load_image(path):
    """image_utils.load_image for a local file."""
    image = PIL.Image.open(path)
    image = PIL.ImageOps.exif_transpose(image)
    image = image.convert("RGB")
    return image


def convert_to_rgb(image):
    """image_transforms.convert_to_rgb."""
    if image.mode == "RGB":
        return image
    return image.convert("RGB")


def pan_and_scan(image, min_crop_size, max_num_crops, min_ratio_to_activate):
    """Gemma3ImageProcessor.pan_and_scan on an HWC array (input_data_format LAST)."""
    height, width = image.shape[0], image.shape[1]
    if width >= height:
        if width / height < min_ratio_to_activate:
            return []
        num_crops_w = int(math.floor(width / height + 0.5))
        num_crops_w = min(int(math.floor(width / min_crop_size)), num_crops_w)
        num_crops_w = max(2, num_crops_w)
        num_crops_w = min(max_num_crops, num_crops_w)
        num_crops_h = 1
    else:
        if height / width < min_ratio_to_activate:
            return []
        num_crops_h = int(math.floor(height / width + 0.5))
        num_crops_h = min(int(math.floor(height / min_crop_size)), num_crops_h)
        num_crops_h = max(2, num_crops_h)
        num_crops_h = min(max_num_crops, num_crops_h)
        num_crops_w = 1
    crop_size_w = int(math.ceil(width / num_crops_w))
    crop_size_h = int(math.ceil(height / num_crops_h))
    if min(crop_size_w, crop_size_h) < min_crop_size:
        return []
    crop_positions_w = [crop_size_w * i for i in range(num_crops_w)]
    crop_positions_h = [crop_size_h * i for i in range(num_crops_h)]
    return [image[pos_h:pos_h + crop_size_h, pos_w:pos_w + crop_size_w]
            for pos_h, pos_w in itertools.product(crop_positions_h, crop_positions_w)]


def resize(image, size):
    """image_transforms.resize for a uint8 HWC array: to_pil_image (no rescale), PIL resize, back to numpy."""
    pil = PIL.Image.fromarray(image.astype(np.uint8))
    return np.array(pil.resize((size, size), resample=BILINEAR, reducing_gap=None))


def rescale(image, scale):
    """image_transforms.rescale."""
    return (image.astype(np.float64) * scale).astype(np.float32)


def normalize(image, mean, std):
    """image_transforms.normalize, channels last."""
    if not np.issubdtype(image.dtype, np.floating):
        image = image.astype(np.float32)
    mean = np.array(mean, dtype=image.dtype)
    std = np.array(std, dtype=image.dtype)
    return (image - mean) / std


def pixel_values(rgb, size):
    """resize + rescale + normalize + channels first: one entry of pixel_values."""
    image = resize(rgb, size)
    image = rescale(image, 1 / 255)
    image = normalize(image, MEAN, STD)
    return np.ascontiguousarray(image.transpose(2, 0, 1))


# --- the cases the Java test compares ----------------------------------------------------------

# name -> (file, image sizes, pan-and-scan)
CASES = {
    "rgb_nonsquare": ("rgb_nonsquare.png", [32, 896], False),
    "gray_l": ("gray_l.png", [32], False),
    "palette_p": ("palette_p.png", [32], False),
    "rgba_partial": ("rgba_partial.png", [32], False),
    "la": ("la.png", [32], False),
    "gray16": ("gray16.png", [32], False),
    "rgb_baseline_jpg": ("rgb_baseline.jpg", [32], False),
    "gray_jpg": ("gray.jpg", [32], False),
    "exif3_jpg": ("exif3.jpg", [32], False),
    "exif6_jpg": ("exif6.jpg", [32], False),
    "exif8_jpg": ("exif8.jpg", [32], False),
    "progressive_jpg": ("progressive.jpg", [32], False),
    "first_frame_gif": ("anim.gif", [32], False),
    "bmp24": ("rgb24.bmp", [32], False),
    "bmp8": ("pal8.bmp", [32], False),
    "webp_lossless": ("lossless.webp", [32], False),
    "webp_lossy": ("lossy.webp", [32], False),
    "pan_landscape": ("pan_landscape.png", [32, 896], True),
    "pan_portrait": ("pan_portrait.png", [32], True),
}
# Animated clips: every frame as PIL composites it (seek + convert("RGB")), with PIL's per-frame durations.
CLIPS = {"gif_clip": "anim.gif", "webp_clip": "anim.webp"}
HASH_FROM = 128  # sizes at or above this are stored as a SHA-256 of the float32 bytes
RAW_RGB_MAX = 16384  # larger decoded images are stored as a SHA-256 of their RGB bytes


def reference(image_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    manifest = {"pil": PIL.__version__, "numpy": np.__version__, "cases": []}
    for name, (file, sizes, pas) in CASES.items():
        image = convert_to_rgb(load_image(os.path.join(image_dir, file)))
        rgb = np.array(image)
        if rgb.size <= RAW_RGB_MAX:
            with open(os.path.join(out_dir, name + ".rgb"), "wb") as f:
                f.write(rgb.tobytes())
        else:
            with open(os.path.join(out_dir, name + ".rgb.sha256"), "w") as f:
                f.write(hashlib.sha256(rgb.tobytes()).hexdigest() + "\n")
        crops = pan_and_scan(rgb, 256, 4, 1.2) if pas else []
        entry = {"name": name, "file": file, "width": rgb.shape[1], "height": rgb.shape[0], "sizes": sizes,
                 "crops": [[c.shape[1], c.shape[0]] for c in crops]}
        for size in sizes:
            for label, img in [("", rgb)] + [(".pas%d" % i, c) for i, c in enumerate(crops)]:
                values = pixel_values(img, size).astype("<f4").tobytes()
                stem = os.path.join(out_dir, "%s%s.%d" % (name, label, size))
                if size >= HASH_FROM:
                    with open(stem + ".sha256", "w") as f:
                        f.write(hashlib.sha256(values).hexdigest() + "\n")
                else:
                    with open(stem + ".f32", "wb") as f:
                        f.write(values)
        manifest["cases"].append(entry)
    manifest["clips"] = []
    for name, file in CLIPS.items():
        clip = PIL.Image.open(os.path.join(image_dir, file))
        durations = []
        for i in range(clip.n_frames):
            clip.seek(i)
            durations.append(clip.info.get("duration", 0))
            with open(os.path.join(out_dir, "%s.frame%d.rgb" % (name, i)), "wb") as f:
                f.write(np.array(clip.convert("RGB")).tobytes())
        manifest["clips"].append({"name": name, "file": file, "width": clip.size[0], "height": clip.size[1],
                                  "durations_ms": durations})
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


# --- the test images ---------------------------------------------------------------------------

def _pattern(w, h, seed):
    """A deterministic RGB picture with edges, gradients and a little noise (resampling has work to do)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // max(w - 1, 1))
    g = (y * 255 // max(h - 1, 1))
    b = ((x // 4 + y // 4) % 2) * 200 + 20
    img = np.stack([r, g, b], axis=-1).astype(np.int32) + rng.integers(-12, 13, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _exif(orientation):
    exif = PIL.Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def fixtures(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    p = lambda n: os.path.join(out_dir, n)
    PIL.Image.fromarray(_pattern(40, 27, 1)).save(p("rgb_nonsquare.png"))
    PIL.Image.fromarray(_pattern(33, 20, 2)).convert("L").save(p("gray_l.png"))
    pal = PIL.Image.fromarray(_pattern(30, 30, 3)).quantize(colors=16, method=PIL.Image.Quantize.MEDIANCUT)
    pal.save(p("palette_p.png"), transparency=3)
    rgba = np.dstack([_pattern(31, 23, 4), np.tile(np.linspace(0, 255, 31).astype(np.uint8), (23, 1))])
    PIL.Image.fromarray(rgba, "RGBA").save(p("rgba_partial.png"))
    la = np.dstack([_pattern(25, 19, 5)[:, :, 0], np.tile(np.linspace(255, 0, 19).astype(np.uint8)[:, None], (1, 25))])
    PIL.Image.fromarray(la, "LA").save(p("la.png"))
    g16 = (np.mgrid[0:18, 0:22][1] * 12).astype(np.uint16)  # 0..252: PIL keeps 16-bit grey as mode I and clips
    PIL.Image.fromarray(g16, "I;16").save(p("gray16.png"))
    PIL.Image.fromarray(_pattern(42, 26, 6)).save(p("rgb_baseline.jpg"), quality=90)
    PIL.Image.fromarray(_pattern(42, 26, 7)).convert("L").save(p("gray.jpg"), quality=90)
    for o in (3, 6, 8):
        PIL.Image.fromarray(_pattern(42, 26, 10 + o)).save(p("exif%d.jpg" % o), quality=90, exif=_exif(o))
    PIL.Image.fromarray(_pattern(48, 34, 8)).save(p("progressive.jpg"), quality=85, progressive=True)
    PIL.Image.fromarray(_pattern(24, 16, 9)).convert("CMYK").save(p("cmyk.jpg"), quality=90)
    frames = [PIL.Image.fromarray(_pattern(32, 24, 20 + i)).quantize(colors=32) for i in range(4)]
    frames[0].save(p("anim.gif"), save_all=True, append_images=frames[1:], duration=[100, 200, 300, 400], loop=0)
    PIL.Image.fromarray(_pattern(30, 20, 11)).save(p("rgb24.bmp"))
    PIL.Image.fromarray(_pattern(30, 20, 12)).quantize(colors=16).save(p("pal8.bmp"))
    PIL.Image.fromarray(rgba, "RGBA").save(p("lossless.webp"), lossless=True)
    PIL.Image.fromarray(_pattern(36, 22, 13)).save(p("lossy.webp"), quality=80)
    webp_frames = [PIL.Image.fromarray(_pattern(20, 16, 30 + i)) for i in range(3)]
    webp_frames[0].save(p("anim.webp"), save_all=True, append_images=webp_frames[1:], duration=[150, 150, 300],
                        lossless=True, loop=0)
    # Large, smooth pictures for pan-and-scan (PNG keeps them small and the decode exact).
    y, x = np.mgrid[0:333, 0:1001]
    land = np.stack([x * 255 // 1000, y * 255 // 332, ((x // 50 + y // 50) % 2) * 255], -1).astype(np.uint8)
    PIL.Image.fromarray(land).save(p("pan_landscape.png"), optimize=True)
    y, x = np.mgrid[0:700, 0:300]
    port = np.stack([((x // 30 + y // 30) % 2) * 255, x * 255 // 299, y * 255 // 699], -1).astype(np.uint8)
    PIL.Image.fromarray(port).save(p("pan_portrait.png"), optimize=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fixtures":
        fixtures(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "reference":
        reference(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: gemma3_preprocess.py fixtures OUT_DIR | reference IMAGE_DIR OUT_DIR")
