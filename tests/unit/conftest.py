"""Fixtures shared by the unit tests."""

from pathlib import Path

import pytest

MODEL = Path(__file__).resolve().parents[2] / "models" / "current.tar.gz"


@pytest.fixture(scope="session")
def trained_agent():
    """The trained model (`make train`), loaded once for every module that asks for it."""
    if not MODEL.exists():
        pytest.skip("no trained model (make train)")
    from rasa.core.agent import Agent

    return Agent.load(str(MODEL))
