"""The bubblewrap command line: namespaces, an allow-listed read-only view, a private /tmp.

Each run gets new user, network, pid, ipc, uts and cgroup namespaces; ``/usr``, the
Python installation and its library path, the sandbox's own code, a copy of a few
``/etc`` entries and ``/dev/{null,zero,urandom}``, read-only, with the root itself
read-only; a private size-capped tmpfs at ``/tmp`` as the working directory; uid 65534
and no capabilities; no new user namespaces; a new session.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from backends.sandbox.environment import python_path

SCRATCH = "/tmp"
"""The working directory inside bubblewrap: a private tmpfs."""
SANDBOX_UID = 65534
_ETC_FILES = (
    "alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf",
    "passwd", "group", "hosts", "os-release",
)
_DEVICES = ("null", "zero", "urandom")




@functools.cache
def readonly_paths() -> tuple[str, ...]:
    """Directories the sandbox sees, read-only: the OS's and this Python's, nothing else."""
    wanted = {"/usr", "/opt/conda"} if os.path.isdir("/opt/conda") else {"/usr"}
    exe = os.path.realpath(sys.executable)
    wanted |= {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(exe).parent.parent)}
    wanted |= set(python_path())
    # The sandbox's own code (``_inside.py``), not the checkout around it: what a run
    # needs beyond this (a worker file, an engine's state) its caller names.
    wanted.add(str(Path(__file__).resolve().parent))
    real = sorted({os.path.realpath(p) for p in wanted if os.path.exists(p)})
    kept: list[str] = []
    for path in real:
        if path == "/" or any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            continue
        kept.append(path)
    return tuple(kept)


_etc_lock = threading.Lock()
_etc_dir: str | None = None


def _etc_copy() -> str:
    """A private copy of the few /etc entries programs need, bound as the sandbox's /etc.

    One bind instead of one per file (a mount costs time on every run), and nothing else
    of /etc (``shadow``, keys, service credentials) is there to read. Made once per host
    process, so it follows changes such as a new ``ld.so.cache``; removed at exit.
    """
    global _etc_dir
    with _etc_lock:
        if _etc_dir is not None and os.path.isdir(_etc_dir):
            return _etc_dir
        target = tempfile.mkdtemp(prefix="reasoner-etc-")
        os.chmod(target, 0o755)
        for name in _ETC_FILES:
            source = f"/etc/{name}"
            dest = os.path.join(target, name)
            if os.path.islink(source):
                os.symlink(os.readlink(source), dest)
            elif os.path.isdir(source):
                shutil.copytree(source, dest, symlinks=True)
            elif os.path.isfile(source):
                shutil.copy2(source, dest)
        atexit.register(shutil.rmtree, target, ignore_errors=True)  # at first use, not import
        _etc_dir = target
        return target


def _top_level_links() -> list[str]:
    """Recreate /bin, /lib, ... as on the host: symlinks into /usr on merged-usr systems."""
    args: list[str] = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = f"/{name}"
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    return args


def scratch_entries(paths: Sequence[str] | None = None) -> list[str]:
    """The top directories under ``/tmp`` that hold bound paths (by default this Python's).

    The only entries a program finds in its otherwise empty working directory.
    """
    prefix = SCRATCH + "/"
    paths = readonly_paths() if paths is None else paths
    return sorted({prefix + p[len(prefix):].split("/", 1)[0] for p in paths if p.startswith(prefix)})


def _binds_after_scratch(paths: Sequence[str]) -> list[str]:
    """Read-only binds made after the private ``/tmp``, so that paths under it work too.

    A checkout or venv under ``/tmp`` (as in some CI) would otherwise be hidden by the
    tmpfs. Its top directory (``/tmp/checkout``) gets a tiny tmpfs of its own that is
    made read-only once the binds are in, so the program can neither write beside the
    bound paths nor mistake the directory for scratch space.
    """
    tops = [top for top in scratch_entries(paths) if top not in paths]  # a bound top is read-only already
    args: list[str] = []
    for top in tops:
        args += ["--size", str(1024 * 1024), "--perms", "0755", "--tmpfs", top]
    for path in paths:
        args += ["--ro-bind", path, path]
    for top in tops:
        args += ["--remount-ro", top]
    return args


def _covered(path: str, roots: Sequence[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def bwrap_command(
    bwrap: str, argv: Sequence[str], *, scratch_mb: int, seccomp_fd: int | None = None,
    env: Mapping[str, str] | None = None, ro_paths: Sequence[str] = (),
    die_with_parent: bool = True,
) -> list[str]:
    """The bubblewrap command line that runs ``argv`` isolated, ``/tmp`` as its cwd.

    ``ro_paths`` adds files or directories the run needs beyond the defaults (a worker
    file, an engine's compiled state), read-only, at the same (resolved) path.
    ``die_with_parent`` ties the sandbox to the *thread* that starts it (Linux's parent
    death signal follows the thread), right for a run the thread waits for; long-lived
    pool workers end instead when the host's end of their socket closes.
    """
    args = [
        bwrap,
        "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--disable-userns",
        "--new-session", "--cap-drop", "ALL",
        "--hostname", "sandbox",
    ]
    if die_with_parent:
        args.append("--die-with-parent")
    # Paths under /tmp (a checkout or venv there, as in some CI) are bound after the
    # private tmpfs below, which would otherwise hide them.
    readonly = readonly_paths()
    in_scratch = [p for p in readonly if p == SCRATCH or p.startswith(SCRATCH + "/")]
    for path in readonly:
        if path not in in_scratch:
            args += ["--ro-bind", path, path]
    args += _top_level_links()
    args += ["--ro-bind", _etc_copy(), "/etc", "--proc", "/proc"]
    # A few device nodes rather than bwrap's --dev (a tmpfs with /dev/shm, ptys and a
    # dozen mounts): each mount costs time on every run, and /dev stays read-only.
    for name in _DEVICES:
        args += ["--dev-bind", f"/dev/{name}", f"/dev/{name}"]
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        args += ["--symlink", target, f"/dev/{name}"]
    args += ["--size", str(scratch_mb * 1024 * 1024), "--perms", "0700", "--tmpfs", SCRATCH]
    outside = [p for p in readonly if p not in in_scratch]
    extra = [p for p in dict.fromkeys(os.path.realpath(p) for p in ro_paths)
             if not _covered(p, outside)]  # each mount costs time on every run
    args += _binds_after_scratch([*in_scratch, *extra])
    args += [
        "--remount-ro", "/",
        "--chdir", SCRATCH,
        "--clearenv",
    ]
    for key, value in (env or {}).items():
        args += ["--setenv", key, value]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    return [*args, "--", *argv]
