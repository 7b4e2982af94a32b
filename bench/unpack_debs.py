#!/usr/bin/env python3
"""unpack_debs.py — unpack Debian packages (.deb) into a private prefix without dpkg or root.

    python3 bench/unpack_debs.py PREFIX file.deb...

A .deb is an ar archive holding data.tar.{xz,gz,zst,}; its files land under PREFIX as they would under /.
Absolute symbolic links (zlib1g-dev's libz.so -> /lib/x86_64-linux-gnu/libz.so.1.2.13) are re-pointed
inside PREFIX when the target is there, else at the system's file, so nothing dangles into the wrong tree.
Prints one line per package; exits non-zero on a malformed archive.
"""
import io
import os
import sys
import tarfile


def ar_members(blob, name):
    if blob[:8] != b"!<arch>\n":
        raise SystemExit(f"{name}: not a Debian package (no ar header)")
    pos = 8
    while pos + 60 <= len(blob):
        header = blob[pos:pos + 60]
        member = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        pos += 60
        yield member, blob[pos:pos + size]
        pos += size + (size & 1)


def data_tar(path):
    with open(path, "rb") as f:
        blob = f.read()
    for member, payload in ar_members(blob, path):
        if member.startswith("data.tar"):
            if member.endswith(".zst"):
                raise SystemExit(f"{path}: zstd-compressed data is not supported here")
            return tarfile.open(fileobj=io.BytesIO(payload), mode="r:*")
    raise SystemExit(f"{path}: no data.tar member")


def unpack(prefix, path):
    n = 0
    with data_tar(path) as tar:
        for m in tar.getmembers():
            rel = os.path.normpath(m.name.lstrip("./")) if m.name not in (".", "./") else ""
            if not rel or rel.startswith(".."):
                continue
            dst = os.path.join(prefix, rel)
            if m.isdir():
                os.makedirs(dst, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if os.path.lexists(dst):
                os.remove(dst)
            if m.issym():
                os.symlink(m.linkname, dst)
            elif m.islnk():
                os.link(os.path.join(prefix, os.path.normpath(m.linkname.lstrip("./"))), dst)
            elif m.isfile():
                with tar.extractfile(m) as src, open(dst, "wb") as out:
                    out.write(src.read())
                os.chmod(dst, m.mode & 0o777)
                os.utime(dst, (m.mtime, m.mtime))  # the package's times: a rebuild after unpacking again is incremental
            n += 1
    return n


def soname_variants(target):
    """/lib/x86_64-linux-gnu/libz.so.1.2.13 -> the same file in /usr/lib too, then libz.so.1 in both."""
    d, name = os.path.split(target)
    dirs = [d] + ([os.path.join("/usr", d.lstrip("/"))] if d.startswith("/lib") else [])
    names = [name]
    base, sep, ver = name.partition(".so.")
    if sep:
        names.append(f"{base}.so.{ver.split('.')[0]}")
    return [os.path.join(x, n) for n in names for x in dirs]


def fix_absolute_links(prefix):
    """Absolute links point inside the prefix when the file is there, else at the system's copy (same name, or
    the same library by its soname); links with neither are left as they are and reported."""
    fixed, dangling = 0, []
    for dirpath, dirnames, filenames in os.walk(prefix):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                continue
            target = os.readlink(p)
            if not target.startswith("/"):
                continue
            inside = [os.path.join(prefix, t.lstrip("/")) for t in soname_variants(target)]
            for cand in inside + soname_variants(target):
                if os.path.exists(cand):
                    os.remove(p)
                    os.symlink(os.path.relpath(cand, dirpath) if cand.startswith(prefix) else cand, p)
                    fixed += 1
                    break
            else:
                dangling.append(f"{p} -> {target}")
    for d in dangling:
        print(f"unpack_debs: warning: {d} points nowhere")
    return fixed


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    prefix = os.path.abspath(argv[1])
    os.makedirs(prefix, exist_ok=True)
    for deb in argv[2:]:
        print(f"unpack_debs: {os.path.basename(deb)}: {unpack(prefix, deb)} entries")
    print(f"unpack_debs: {fix_absolute_links(prefix)} absolute links re-pointed inside {prefix}")


if __name__ == "__main__":
    main(sys.argv)
