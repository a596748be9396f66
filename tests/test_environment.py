"""The environment line every executed page ends with."""

import platform
import re
import subprocess

import torch

import gancl
from gancl.book.environment import cpu_model, device_description, environment_line, gancl_commit


def test_environment_line_names_python_torch_gancl_and_the_device():
    line = environment_line("cpu")
    assert line.startswith("Environment: ") and line.count("\n") == 0
    assert f"Python {platform.python_version()}" in line
    assert f"torch {torch.__version__}" in line
    assert f"gancl {gancl.__version__} (commit " in line
    assert f"cpu: {cpu_model()}" in line


def test_commit_of_a_checkout_and_of_something_else(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    assert gancl_commit(repo) == "unknown"  # not a git checkout (a wheel install)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    (repo / "f.txt").write_text("a")
    subprocess.run(git + ["add", "f.txt"], check=True)
    subprocess.run(git + ["commit", "-qm", "c"], check=True)
    head = subprocess.run(git[:3] + ["rev-parse", "--short=10", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert gancl_commit(repo) == head and re.fullmatch(r"[0-9a-f]{10}", head)
    (repo / "f.txt").write_text("b")
    assert gancl_commit(repo) == head + "+dirty"
    (repo / "untracked.txt").write_text("c")  # untracked files do not make a checkout dirty
    (repo / "f.txt").write_text("a")
    assert gancl_commit(repo) == head


def test_auto_device_is_the_trainers_choice():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert device_description("auto") == device_description(expected)
    if not torch.cuda.is_available():
        assert re.search(r"\(\d+ cores, \d+ torch threads\)$", device_description("cpu"))
