"""Copies a file, replacing every occurrence of one byte string by another
of the same length (a model library's manifest edited in place, to test that
a library built for another ABI or CPU is refused)."""
import sys

src, dst, old, new = sys.argv[1], sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()
assert len(old) == len(new), "the replacement must keep the file's layout"
data = open(src, "rb").read()
count = data.count(old)
if count == 0:
    sys.exit("patch_bytes: %r not found in %s" % (old, src))
open(dst, "wb").write(data.replace(old, new))
