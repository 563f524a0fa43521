"""bot.nlu.evaluate: its default sets, and a report-only set that is measured but never gated."""

import json
from pathlib import Path

import pytest

from bot.nlu import evaluate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_the_blind_sets_are_among_the_default_sets(monkeypatch, tmp_path):
    seen = {}

    async def parse_all(_model, texts):
        seen["texts"] = texts
        return [{"intent": {"name": "greet"}} for _t in texts], 0.0

    monkeypatch.setattr(evaluate, "parse_all", parse_all)
    evaluate.main(["--no-anchor", "--quiet", "--out", str(tmp_path / "eval.json")])
    names = ("blind", "blind2", "blind3", "blind4", "blind5")
    sets = [[t for t, _l, _e in evaluate.load_examples(f"tests/nlu/{name}.yml")] for name in names]
    every_blind_question = [text for questions in sets for text in questions]
    # compared as flags, so that a failure prints no question of the sets
    all_loaded = all(len(questions) > 0 for questions in sets)
    blind_sets_last = seen["texts"][-len(every_blind_question) :] == every_blind_question
    assert all_loaded
    assert blind_sets_last
    assert set(json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))) >= set(names)


@pytest.fixture
def one_question(tmp_path):
    path = tmp_path / "tiny.yml"
    path.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 您好\n', encoding="utf-8")
    return f"tiny={path}"


def _answering(monkeypatch, intent):
    async def parse_all(_model, texts):
        return [{"intent": {"name": intent}} for _t in texts], 0.0

    monkeypatch.setattr(evaluate, "parse_all", parse_all)


def test_a_report_only_set_is_not_held_to_the_accuracy_floor(monkeypatch, tmp_path, one_question):
    _answering(monkeypatch, "goodbye")  # every answer wrong
    out = ["--no-anchor", "--quiet", "--out", str(tmp_path / "eval.json"), "--data", one_question]
    assert evaluate.main([*out, "--min-accuracy", "0.9"]) == 1
    assert evaluate.main([*out, "--min-accuracy", "0.9", "--report-only", "tiny"]) == 0


def test_a_report_only_set_cannot_be_gated(monkeypatch, tmp_path, one_question):
    _answering(monkeypatch, "greet")
    args = ["--no-anchor", "--out", str(tmp_path / "eval.json"), "--data", one_question]
    with pytest.raises(SystemExit) as exit_:
        evaluate.main([*args, "--report-only", "tiny", "--gate", "tiny:0.5:0.5"])
    assert exit_.value.code == 2
    assert not (tmp_path / "eval.json").exists()


def test_outcomes_are_reported_per_style_for_a_set_whose_blocks_carry_one(monkeypatch, tmp_path, capsys):
    path = tmp_path / "styled.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: greet\n  metadata:\n    style: plain\n  examples: |\n    - 您好\n    - 早上好\n"
        "- intent: greet\n  metadata:\n    style: english\n  examples: |\n    - hello\n"
        "- intent: thank\n  metadata:\n    style: english\n  examples: |\n    - thanks\n",
        encoding="utf-8",
    )
    _answering(monkeypatch, "greet")  # right for the greetings, wrong for the thanks
    out = tmp_path / "eval.json"
    assert evaluate.main(["--no-anchor", "--quiet", "--out", str(out), "--data", f"styled={path}"]) == 0
    per_style = json.loads(out.read_text(encoding="utf-8"))["styled"]["per_style"]
    assert per_style["plain"] == {"examples": 2, "right": 1.0, "clarified": 0.0, "cant_help": 0.0, "wrong": 0.0}
    assert per_style["english"]["examples"] == 2
    assert per_style["english"]["right"] == per_style["english"]["wrong"] == 0.5
    assert "styled english (2): right 50.0 %" in capsys.readouterr().out


def test_a_set_without_styles_reports_none(monkeypatch, tmp_path, one_question):
    _answering(monkeypatch, "greet")
    out = tmp_path / "eval.json"
    assert evaluate.main(["--no-anchor", "--quiet", "--out", str(out), "--data", one_question]) == 0
    assert "per_style" not in json.loads(out.read_text(encoding="utf-8"))["tiny"]
