"""The example script of examples/python runs and draws its figure (issue 15)."""

import subprocess
import sys

import numpy as np
from PIL import Image


def test_example_runs_and_draws(repo, tmp_path):
    script = repo / "examples" / "python" / "dosimetry_builtin.py"
    p = subprocess.run([sys.executable, str(script), "--histories", "20000", "--voxel-mm", "16",
                        "--out", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "kidneys" in p.stdout
    png = tmp_path / "dose_example.png"
    img = np.asarray(Image.open(png).convert("L"))
    assert img.shape[1] > 2000, "300 dpi at a double-column width"
    assert img.std() > 10, "not blank"
    assert (tmp_path / "dose_mc" / "dose.nii.gz").exists()
