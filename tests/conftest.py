"""Fixtures shared by several test files."""

import shutil

import pytest

from roundtrip.setup import init_workspace
from roundtrip.workspace import Workspace


@pytest.fixture(scope="session")
def aura_base(tmp_path_factory):
    """A workspace made once from the bundled Aura example; copy it, never change it."""
    root = tmp_path_factory.mktemp("aura-base") / "aura"
    init_workspace(root, example="aura")
    return root


@pytest.fixture
def aura_ws(aura_base, tmp_path) -> Workspace:
    """A fresh copy of the Aura workspace for one test."""
    root = tmp_path / "aura"
    shutil.copytree(aura_base, root)
    return Workspace(root)
