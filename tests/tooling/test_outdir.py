"""Output-directory safety (tooling/outdir.py), each rule against temporary directories."""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path

import pytest

from tooling import outdir
from tooling.outdir import MARKER, OutputDirError, check, locked, prepared, stale_siblings


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def write_output(staging: Path, text: str = "new") -> None:
    (staging / "stacks" / "dev").mkdir(parents=True)
    (staging / "stacks" / "dev" / "cdk.tf.json").write_text(text)


def marked(path: Path, content: str = "old") -> Path:
    """An earlier output of the tool: marker plus a stack."""
    (path / "stacks" / "dev").mkdir(parents=True)
    (path / "stacks" / "dev" / "cdk.tf.json").write_text(content)
    (path / MARKER).write_text(outdir.MARKER_TEXT)
    return path


@pytest.fixture(autouse=True)
def isolated_home_and_cwd(tmp_path_factory, monkeypatch):
    """Home and current directory are guarded: keep them away from the directories under test."""
    home = tmp_path_factory.mktemp("home") / "user"
    home.mkdir()
    work = tmp_path_factory.mktemp("work")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    return work


# -- refusals: one error, nothing touched ---------------------------------------------------

@pytest.mark.parametrize("value", ["", "   "])
def test_empty_value_is_refused(value):
    with pytest.raises(OutputDirError, match="empty — fix: pass a directory name"):
        check(value)


def test_root_is_refused():
    with pytest.raises(OutputDirError, match="is the file-system root"):
        check("/")


def test_home_directory_and_its_ancestor_are_refused(tmp_path):
    home = Path(os.environ["HOME"])
    (home / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirError, match="is your home directory"):
        check(str(home))
    with pytest.raises(OutputDirError, match="is an ancestor of your home directory"):
        check(str(home.parent))
    assert (home / "notes.txt").read_text() == "mine"


def test_project_root_and_its_ancestors_are_refused(tmp_path):
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    with pytest.raises(OutputDirError, match="is the project root"):
        check(str(project), protected=(project,))
    with pytest.raises(OutputDirError, match=r"is an ancestor of the project root"):
        check(str(tmp_path), protected=(project,))
    # a directory inside the project is what cdktf.out is: allowed
    assert check(str(project / "cdktf.out"), protected=(project,)) == project / "cdktf.out"


def test_current_directory_given_as_dot_is_refused(isolated_home_and_cwd):
    (isolated_home_and_cwd / "work.txt").write_text("uncommitted")
    for value in (".", "./", ".."):
        with pytest.raises(OutputDirError, match="the current directory"):
            check(value)
    assert (isolated_home_and_cwd / "work.txt").read_text() == "uncommitted"


def test_existing_regular_file_is_refused_and_kept(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("keep me")
    with pytest.raises(OutputDirError, match="exists and is not a directory"):
        with prepared(str(target)) as staging:
            write_output(staging)
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_non_empty_directory_without_marker_is_refused_and_kept(tmp_path):
    mine = tmp_path / "mine"
    (mine / "src").mkdir(parents=True)
    (mine / "src" / "app.py").write_text("print('hi')")
    before = tree(mine)
    with pytest.raises(OutputDirError, match=f"non-empty directory this tool did not write \\(no {MARKER} file\\)"):
        with prepared(str(mine)) as staging:
            write_output(staging)
    assert tree(mine) == before


def test_symbolic_link_is_refused(tmp_path):
    real = marked(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(OutputDirError, match="is a symbolic link"):
        check(str(link))


def test_path_under_a_regular_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputDirError, match="is a file, not a directory"):
        check(str(tmp_path / "file" / "out"))


def test_legacy_output_with_a_foreign_file_is_refused(tmp_path):
    out = tmp_path / "cdktf.out"
    (out / "stacks").mkdir(parents=True)
    (out / "manifest.json").write_text(json.dumps({"version": "0.21.0", "stacks": {}}))
    (out / "notes.md").write_text("mine")
    with pytest.raises(OutputDirError, match="did not write"):
        check(str(out))


def test_a_manifest_that_is_not_cdktfs_does_not_make_a_directory_replaceable(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "my web app"}')
    with pytest.raises(OutputDirError, match="did not write"):
        check(str(out))


# -- what is replaced ------------------------------------------------------------------------

def test_missing_directory_is_created_with_the_marker(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    with prepared(str(out)) as staging:
        write_output(staging)
    assert tree(out) == {MARKER: outdir.MARKER_TEXT.encode(), "stacks/dev/cdk.tf.json": b"new"}


def test_empty_directory_is_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with prepared(str(out)) as staging:
        write_output(staging)
    assert (out / "stacks" / "dev" / "cdk.tf.json").read_text() == "new"
    assert (out / MARKER).is_file()


def test_marked_directory_is_replaced_whole(tmp_path):
    out = marked(tmp_path / "out")
    (out / "stacks" / "retired").mkdir()
    with prepared(str(out)) as staging:
        write_output(staging)
    assert sorted(tree(out)) == [MARKER, "stacks/dev/cdk.tf.json"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_output_written_before_the_marker_existed_is_replaced(tmp_path):
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "dev").mkdir(parents=True)
    (out / "stacks" / "dev" / "cdk.tf.json").write_text("old")
    (out / "manifest.json").write_text(json.dumps({"version": "0.21.0", "stacks": {"dev": {}}}))
    with prepared(str(out)) as staging:
        write_output(staging)
    assert sorted(tree(out)) == [MARKER, "stacks/dev/cdk.tf.json"]


def test_failure_inside_leaves_the_output_and_no_staging(tmp_path):
    out = marked(tmp_path / "out")
    before = tree(out)
    with pytest.raises(KeyboardInterrupt):
        with prepared(str(out)) as staging:
            write_output(staging)
            raise KeyboardInterrupt
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_file_system_error_names_the_path_and_the_reason(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(outdir.tempfile, "mkdtemp", read_only)
    with pytest.raises(OutputDirError) as raised:
        with prepared(str(tmp_path / "out")):
            pass
    assert str(raised.value) == (f"output directory '{tmp_path / 'out'}': cannot write in {tmp_path}: "
                                 "Read-only file system — fix: pass a directory on a writable file system")


# -- stale directories of killed runs --------------------------------------------------------

def test_stale_staging_and_backup_with_marker_are_removed(tmp_path):
    out = marked(tmp_path / "out")
    killed_new = marked(tmp_path / ".out.new-abc123")
    killed_old = marked(tmp_path / ".out.old-4242")
    foreign = tmp_path / ".out.new-mine"  # same pattern, but not the tool's
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    assert stale_siblings(out) == [killed_new, killed_old]
    with prepared(str(out)) as staging:
        write_output(staging)
    assert not killed_new.exists() and not killed_old.exists()
    assert (foreign / "keep.txt").read_text() == "x"


# -- concurrent runs -------------------------------------------------------------------------

def test_second_run_waits_for_the_first_one(tmp_path, capsys):
    out = tmp_path / "out"
    events: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def first():
        with locked(out):
            events.append("first holds")
            holding.set()
            release.wait(10)
            events.append("first releases")

    def second():
        with prepared(str(out)) as staging:
            events.append("second writes")
            write_output(staging)

    a = threading.Thread(target=first)
    a.start()
    holding.wait(10)
    b = threading.Thread(target=second)
    b.start()
    time.sleep(0.5)  # give the second run every chance to (wrongly) go ahead
    assert events == ["first holds"]
    release.set()
    a.join(10)
    b.join(10)
    assert events == ["first holds", "first releases", "second writes"]
    assert f"waiting: another synth is writing {out}" in capsys.readouterr().err
    assert not (tmp_path / ".out.lock").exists()  # the lock file does not outlive the run


def test_a_name_too_long_for_the_file_system_is_one_error_not_a_traceback(tmp_path):
    with pytest.raises(OutputDirError, match="File name too long"):
        with prepared(str(tmp_path / ("x" * 300))):
            pass
