#!/usr/bin/env python3
"""Repack jars for the GPU kit: drop native libraries for platforms other than linux x86-64, store every entry
uncompressed (the kit's tar.xz then compresses the class files far better than per-entry deflate does).

usage: repack_jars.py SRC_DIR DST_DIR      (every *.jar in SRC_DIR -> DST_DIR, same names)
"""
import os
import re
import sys
import zipfile

NATIVE = re.compile(r"\.(so|dll|dylib|jnilib|a)$", re.I)
# A path naming an OS; natives under one are kept only when it is linux x86-64 (linux/amd64, Linux/x86_64,
# ...-linux-x86_64.so). Natives with no OS in their path are kept.
OS_TOKEN = re.compile(r"(?i)(linux|darwin|mac|osx|win|windows|aix|freebsd|sunos|android)")
LINUX_X64 = re.compile(r"(?i)linux[/_-](amd64|x86_64|x86-64)([/_.-]|$)")


def repack(src, dst):
    kept = dropped = 0
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            name = info.filename
            if NATIVE.search(name) and OS_TOKEN.search(name) and not LINUX_X64.search(name):
                dropped += info.file_size
                continue
            out = zipfile.ZipInfo(name, info.date_time)
            out.external_attr = info.external_attr
            out.compress_type = zipfile.ZIP_STORED
            zout.writestr(out, zin.read(info))
            kept += info.file_size
    return kept, dropped


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src_dir, dst_dir = sys.argv[1], sys.argv[2]
    os.makedirs(dst_dir, exist_ok=True)
    jars = sorted(f for f in os.listdir(src_dir) if f.endswith(".jar"))
    if not jars:
        sys.exit("repack_jars: no jars in " + src_dir)
    for jar in jars:
        src, dst = os.path.join(src_dir, jar), os.path.join(dst_dir, jar)
        kept, dropped = repack(src, dst)
        note = f", dropped {dropped / 1048576:.1f} MiB of foreign natives" if dropped else ""
        print(f"  {jar:58s} {os.path.getsize(src) / 1048576:6.2f} MiB -> {os.path.getsize(dst) / 1048576:6.2f} MiB stored{note}")


if __name__ == "__main__":
    main()
