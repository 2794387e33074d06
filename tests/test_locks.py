from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import pytest

from graph_api.locks import FileLock, LockBusy, holders_of, note_of

if TYPE_CHECKING:
    from pathlib import Path


pytestmark = pytest.mark.embedded_only("file locks of the store directory")


def test_shared_locks_coexist_and_exclude_an_exclusive_one(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with FileLock.acquire(path, shared=True), FileLock.acquire(path, shared=True):
        with pytest.raises(LockBusy) as caught:
            FileLock.acquire(path, shared=False)
        if sys.platform == "linux":
            assert caught.value.holders == [os.getpid()]
            assert f"locked by pid {os.getpid()}" in str(caught.value)
    with FileLock.acquire(path, shared=False, note="pid 1, since then") as held:
        assert held.held
        assert note_of(path) == "pid 1, since then"
        with pytest.raises(LockBusy):
            FileLock.acquire(path, shared=True)
    assert not held.held
    assert holders_of(path) == []
    assert note_of(tmp_path / "none") == ""
