"""The peak memory of a Celery worker's processes, read from /proc (Linux)."""

from pathlib import Path


def _peak_kib(pid: int) -> int | None:
    """VmHWM (peak resident set) of a process in KiB; None when it is gone or /proc has no such line."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (field 2) is in parentheses and may hold spaces: the ppid follows it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def peak_memory(pid: int) -> str:
    """One line: the peak resident memory of the worker's main process and of its largest pool process."""
    main = _peak_kib(pid)
    pool = [kib for kib in map(_peak_kib, _children(pid)) if kib is not None]
    if main is None:
        return "worker peak memory: unknown (no /proc)"
    largest = f"{max(pool) / 1024:.1f} MiB" if pool else "unknown"
    return (
        f"worker peak memory (VmHWM): main process {main / 1024:.1f} MiB, largest of {len(pool)} pool "
        f"processes {largest}"
    )
