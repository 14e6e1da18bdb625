#!/usr/bin/env python3
"""Print or write the PTX that calm-gpu-pipeline{format=isa} embeds.

gpu-module-to-binary with format=isa stores each kernel module's PTX as the
`assembly` string of a #gpu.object, in MLIR's escaped form (\\0A, \\09, ...).
This unescapes it so that FileCheck and ptxas can read it.

    extract_ptx.py IN.mlir            PTX of every object, to stdout
    extract_ptx.py IN.mlir -o DIR     DIR/<binary>.ptx, one file per object
    extract_ptx.py IN.mlir -o DIR --ptxas PTXAS --arch sm_90
                                      and assemble each with ptxas
    extract_ptx.py IN.mlir --cubins   for binary objects (format=bin or
                                      fatbin): the SM of each embedded cubin
"""
import argparse
import os
import re
import struct
import subprocess
import sys

OBJECT = re.compile(r'gpu\.binary @(\w+)\s.*?assembly = "((?:[^"\\]|\\.)*)"',
                    re.S)


BINARY = re.compile(r'gpu\.binary @(\w+)\s*\[#gpu\.object<#nvvm\.target<[^>]*>, '
                    r'(?:properties = \{[^}]*\}, )?"((?:[^"\\]|\\.)*)"')


def cubin_sms(data):
    """SM numbers of the ELF images (cubins) in a cubin or fatbin."""
    sms, at = [], data.find(b"\x7fELF")
    while at >= 0:
        flags = struct.unpack_from("<I", data, at + 48)[0]
        sms.append((flags >> 8) & 0xFF)
        at = data.find(b"\x7fELF", at + 4)
    return sms


def unescape_bytes(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode()
            i += 1
        elif text[i + 1] in '\\"':
            out += text[i + 1].encode()
            i += 2
        else:
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
    return bytes(out)


def unescape(text):
    return unescape_bytes(text).decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("-o", "--output-dir")
    parser.add_argument("--ptxas", help="ptxas to assemble each object with")
    parser.add_argument("--arch", default="sm_90")
    parser.add_argument("--cubins", action="store_true")
    args = parser.parse_args()
    if args.ptxas and not args.output_dir:
        parser.error("--ptxas needs -o DIR")
    source = sys.stdin.read() if args.input == "-" else open(args.input).read()
    if args.cubins:
        for name, data in BINARY.findall(source):
            blob = unescape_bytes(data)
            kind = "fatbin" if blob[:4] == b"\x50\xed\x55\xba" else "cubin"
            print("%s: %s %s" % (name, kind, " ".join(
                "sm_%d" % sm for sm in cubin_sms(blob))))
        return
    objects = OBJECT.findall(source)
    if not objects:
        sys.exit("extract_ptx.py: no gpu.binary with PTX assembly "
                 "(run calm-gpu-pipeline with format=isa)")
    failed = 0
    for name, assembly in objects:
        ptx = unescape(assembly)
        if not args.output_dir:
            sys.stdout.write(ptx)
            continue
        path = os.path.join(args.output_dir, name + ".ptx")
        with open(path, "w") as f:
            f.write(ptx)
        if args.ptxas:
            run = subprocess.run([args.ptxas, "-arch=" + args.arch, path,
                                  "-o", path + ".cubin"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                failed += 1
                print("ptxas rejected %s:\n%s" % (name, run.stderr))
    if args.ptxas:
        print("ptxas -arch=%s: %d of %d objects assembled" %
              (args.arch, len(objects) - failed, len(objects)))
        sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
