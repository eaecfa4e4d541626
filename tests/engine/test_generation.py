"""The embedded generator (SmolLM2-135M-Instruct, int4) through ONNX Runtime only."""

import json
import subprocess
import sys

import pytest
from cli_runner import run_cli

from engine.errors import EnclaveError
from engine.models.generation import GenerationSettings, GenerationStats, Generator

ASK = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def generator(prepared_dir):
    return Generator.from_registry(prepared_dir, device="cpu")


def test_answers_a_factual_question(generator):
    result = generator.generate(ASK, GenerationSettings(max_new_tokens=32))
    assert "Paris" in result.text
    stats = result.stats
    assert stats.provider == "CPUExecutionProvider" and stats.stopped_by == "eos"
    assert stats.prompt_tokens > 10 and 0 < stats.new_tokens <= 32
    assert stats.ttft_s > 0 and stats.decode_tokens_per_s > 0
    assert "".join(result.pieces) == result.text


def test_streams_pieces_and_respects_max_new_tokens(generator):
    stats = GenerationStats()
    pieces = list(generator.stream([{"role": "user", "content": "Count from one to fifty in words."}],
                                   GenerationSettings(max_new_tokens=8), stats=stats))
    assert len(pieces) >= 2 and stats.new_tokens == 8 and stats.stopped_by == "length"


def test_cancel_keeps_the_partial_text(generator):
    seen = []
    result = generator.generate([{"role": "user", "content": "Write a long story about a ship."}],
                                GenerationSettings(max_new_tokens=64),
                                cancelled=lambda: len(seen) >= 3, on_piece=seen.append)
    assert result.stats.stopped_by == "cancelled"
    assert result.text == "".join(seen) and len(seen) == 3


def test_sampling_is_reproducible_with_a_seed(generator):
    settings = GenerationSettings(max_new_tokens=12, temperature=0.9, top_k=40, top_p=0.9, seed=7)
    prompt = [{"role": "user", "content": "Name a colour."}]
    assert generator.generate(prompt, settings).text == generator.generate(prompt, settings).text


def test_bad_prompts_are_clear_errors(generator):
    with pytest.raises(EnclaveError, match="empty prompt"):
        generator.generate([{"role": "user", "content": "   "}])
    huge = [{"role": "user", "content": "word " * 9000}]
    with pytest.raises(EnclaveError, match="does not fit the context window"):
        generator.generate(huge, GenerationSettings(max_new_tokens=16))


def test_stop_strings_end_the_answer(generator):
    result = generator.generate(ASK, GenerationSettings(max_new_tokens=32, stop=("Paris",)))
    assert result.stats.stopped_by == "stop" and "Paris" not in result.text


def test_generate_cli_json_contract_and_history(model_data_dir):
    proc = run_cli("generate", "What is the capital of France?", "--max-new-tokens", "24",
                   "--json", "--data-dir", str(model_data_dir), check=True)
    out = json.loads(proc.stdout)
    assert {"text", "tokens", "ttft_s", "tokens_per_s", "model", "provider"} <= set(out)
    assert "Paris" in out["text"] and isinstance(out["tokens"], int)
    assert out["provider"] == "CPUExecutionProvider"
    proc = run_cli("history", "search", "capital France", "--json", "--data-dir",
                   str(model_data_dir), check=True)
    assert json.loads(proc.stdout)["runs"][0]["workspace"] == "generate"
    proc = run_cli("generate", "", "--data-dir", str(model_data_dir))
    assert proc.returncode == 2 and "empty prompt" in proc.stderr


def test_generation_runs_without_torch_in_a_fresh_process(prepared_dir):
    code = ("import sys, json; from engine.models.generation import Generator, GenerationSettings; "
            "g = Generator.from_registry(sys.argv[1], device='cpu'); "
            "r = g.generate([{'role': 'user', 'content': 'Hi'}], GenerationSettings(max_new_tokens=4)); "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'transformers', 'optimum', 'PySide6'))))")
    out = subprocess.run([sys.executable, "-c", code, str(prepared_dir)], capture_output=True,
                         text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_incremental_detokenisation_keeps_spaces_and_multibyte_characters(generator):
    from engine.models.generation import _Detokenizer

    text = "Größe, naïve café — 日本語の文章 😀 and   spaced\twords.\nNew line ½ ∑"
    ids = generator.tokenizer.encode(text, add_special_tokens=False).ids
    detok = _Detokenizer(generator.tokenizer, ())
    pieces = [detok.add(i) for i in ids] + [detok.finish()]
    assert "".join(pieces) == generator.tokenizer.decode(ids) == text
    assert not any("\ufffd" in p for p in pieces)


def test_stop_string_split_over_tokens_is_never_emitted(generator):
    from engine.models.generation import _Detokenizer

    ids = generator.tokenizer.encode("The answer is forty-two. User: next question",
                                     add_special_tokens=False).ids
    detok = _Detokenizer(generator.tokenizer, ("User:",))
    pieces = []
    for i in ids:
        pieces.append(detok.add(i))
        if detok.stopped:
            break
    assert detok.stopped and "".join(pieces) == "The answer is forty-two. "
    assert not any("Us" in p for p in pieces)


def test_long_conversations_drop_the_oldest_turns_with_a_notice(generator, monkeypatch):
    monkeypatch.setattr(generator, "context_window", 160)
    history = [{"role": "system", "content": "You are brief."}]
    for i in range(8):
        history += [{"role": "user", "content": f"Tell me fact number {i} about the sea."},
                    {"role": "assistant", "content": f"Fact {i}: the sea is salty and deep."}]
    history.append({"role": "user", "content": "What is the capital of France?"})
    result = generator.generate(history, GenerationSettings(max_new_tokens=24))
    stats = result.stats
    assert stats.dropped_messages > 0 and "left out to fit" in stats.notice
    assert stats.prompt_tokens <= 160 - 24 and result.text
    kept, _, dropped = generator.fit(history, 24)
    assert kept[0]["role"] == "system" and kept[-1] == history[-1] and dropped == stats.dropped_messages


def test_chat_keeps_turns_in_the_store_and_continues(model_data_dir):
    proc = run_cli("chat", "--json", "--max-new-tokens", "24", "--data-dir", str(model_data_dir),
                   input="What is the capital of France?\n\nAnd what language do they speak there?\n/exit\n",
                   check=True)
    turns = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [t["turn"] for t in turns] == [1, 2] and turns[0]["conversation"] == turns[1]["conversation"]
    assert "Paris" in turns[0]["text"]
    proc = run_cli("chat", "--json", "--continue", "--max-new-tokens", "8", "--data-dir",
                   str(model_data_dir), input="Thanks!\n", check=True)
    third = json.loads(proc.stdout.strip().splitlines()[-1])
    assert third["turn"] == 3 and third["conversation"] == turns[0]["conversation"]
    proc = run_cli("history", "search", "language speak", "--json", "--data-dir",
                   str(model_data_dir), check=True)
    assert json.loads(proc.stdout)["runs"][0]["workspace"] == "chat"
    proc = run_cli("chat", "--continue", "nope", "--data-dir", str(model_data_dir), input="hi\n")
    assert proc.returncode == 2 and "no stored conversation 'nope'" in proc.stderr
