"""ENDF-6 text-format helpers shared by the data generators (gen_*_tables.py).

Records are 80 columns: six 11-column fields, then MAT (67-70), MF (71-72), MT (73-75).
"""


def endf_float(s):
    """Parse an 11-column ENDF number: '1.234567+3', ' 1.2345E-5', '-1.2-10', Fortran '1.2D-4', blanks -> 0."""
    s = s.strip().replace("D", "E").replace("d", "e")
    if not s:
        return 0.0
    try:
        return float(s)
    except ValueError:
        pass
    # exponent without 'E': find the last + or - that is not the leading sign
    for i in range(len(s) - 1, 0, -1):
        if s[i] in "+-" and s[i - 1] not in "eE":
            return float(s[:i] + "e" + s[i:])
    raise ValueError(f"bad ENDF number {s!r}")


def endf_int(s):
    s = s.strip()
    return int(s) if s else 0


def read_sections(path):
    """Return {(mf, mt): [66-column data lines]} for an ENDF-6 tape."""
    sections = {}
    with open(path, "r") as fh:
        for line in fh:
            line = line.rstrip("\n").ljust(80)
            try:
                mat, mf, mt = int(line[66:70]), int(line[70:72]), int(line[72:75])
            except ValueError:
                continue
            if mat <= 0 or mf == 0 or mt == 0:
                continue
            sections.setdefault((mf, mt), []).append(line[:66])
    return sections
