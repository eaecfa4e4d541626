"""The engine's API for the desktop and the CLI: plain frozen dataclasses in and out.

Long calls take `progress(fraction, message)` and `cancelled() -> bool` callables.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from engine import __version__
from engine.errors import Cancelled
from engine.models.registry import ModelRegistry
from engine.resources import resource_path
from engine.runtime import available_providers, create_session

Progress = Callable[[float, str], None] | None
IsCancelled = Callable[[], bool] | None

VERSIONED_PACKAGES = ("onnxruntime", "onnxruntime-gpu", "tokenizers", "numpy", "sqlite-utils",
                      "pyside6-essentials", "torch", "transformers", "optimum", "optimum-onnx")


@dataclass(frozen=True)
class ModelStatus:
    id: str
    task: str
    verified: bool
    problems: tuple[str, ...]
    path: str
    quantization: str | None
    is_default: bool = False
    size_bytes: int = 0


@dataclass(frozen=True)
class DoctorReport:
    version: str
    data_dir: str
    providers_available: tuple[str, ...]
    provider_in_use: str
    fallback_reason: str | None
    models: tuple[ModelStatus, ...]
    versions: dict = field(default_factory=dict)
    self_test_model: str = ""
    threads: int = 0
    python: str = platform.python_version()

    def to_json(self) -> dict:
        out = asdict(self)
        out["providers_available"] = list(self.providers_available)
        out["models"] = [dict(asdict(m), problems=list(m.problems)) for m in self.models]
        return out


def package_versions() -> dict[str, str]:
    """Installed versions, read from metadata (never by importing torch)."""
    found = {}
    for name in VERSIONED_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def model_statuses(data_dir: Path, verify: bool = True) -> tuple[ModelStatus, ...]:
    registry = ModelRegistry(data_dir)
    defaults = set(registry.defaults().values())
    statuses = []
    for entry in registry.list(verify=verify):
        files = entry.manifest.files if entry.manifest else ()
        statuses.append(ModelStatus(
            id=entry.id, task=entry.task, verified=entry.verified, problems=entry.problems,
            path=str(entry.path), quantization=entry.manifest.quantization if entry.manifest else None,
            is_default=entry.id in defaults, size_bytes=sum(int(f.get("bytes", 0)) for f in files)))
    return tuple(statuses)


def doctor(data_dir: Path, device: str = "auto", progress: Progress = None,
           cancelled: IsCancelled = None) -> DoctorReport:
    """Versions, providers, and the provider a real session uses after its self-test."""
    progress = progress or (lambda f, m: None)
    progress(0.1, "verifying models")
    models = model_statuses(data_dir)
    if cancelled and cancelled():
        raise Cancelled("doctor cancelled")
    # Self-test on the default embedder when it is installed and intact; else on a tiny
    # bundled graph, so the answer is always a real session's provider.
    registry = ModelRegistry(data_dir)
    embedder_id = registry.default_id("embedding")
    probe = resource_path("onnx", "selftest.onnx")
    if embedder_id and any(m.id == embedder_id and m.verified for m in models):
        entry = registry.entry(embedder_id, verify=False)
        probe = entry.path / entry.manifest.extra.get("onnx", "model.onnx")
    progress(0.6, "creating a session and running its self-test")
    session = create_session(probe, device=device)
    progress(1.0, "done")
    return DoctorReport(
        version=__version__, data_dir=str(data_dir),
        providers_available=tuple(available_providers()), provider_in_use=session.provider,
        fallback_reason=session.fallback_reason, models=models, versions=package_versions(),
        self_test_model=str(probe), threads=session.threads)


@dataclass(frozen=True)
class TourResult:
    out_dir: str
    files: tuple[str, ...]
    steps: tuple[dict, ...]


def tour(data_dir: Path, out_dir: Path, device: str = "auto", progress: Progress = None,
         cancelled: IsCancelled = None) -> TourResult:
    """Run every workspace that exists on the embedded defaults, headless; write outputs."""
    from engine.models.embedding import get_embedder
    from engine.store import open_store

    progress = progress or (lambda f, m: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    steps, files = [], []

    progress(0.1, "doctor")
    report = doctor(data_dir, device)
    (out_dir / "doctor.json").write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    files.append(str(out_dir / "doctor.json"))
    steps.append({"step": "doctor", "provider": report.provider_in_use})

    if cancelled and cancelled():
        raise Cancelled("tour cancelled")
    progress(0.4, "embedding: semantic similarity on sample sentences")
    embedder = get_embedder(data_dir, device=device)
    queries = ["chest pain spreading to the left arm", "quarterly revenue fell in the west region",
               "a transformer language model pre-trained with masked tokens"]
    corpus = ["Sudden crushing chest pain radiating to the arm can signal a heart attack.",
              "Sales in the western stores dropped this quarter.",
              "BERT is pre-trained by predicting masked words in a sentence.",
              "Our new running shoe is light, breathable and made for long distances."]
    started = time.perf_counter()
    q_vec, c_vec = embedder.embed(queries), embedder.embed(corpus)
    elapsed = time.perf_counter() - started
    sims = q_vec @ c_vec.T
    matches = [{"query": q, "best_match": corpus[int(sims[i].argmax())],
                "cosine": round(float(sims[i].max()), 4)} for i, q in enumerate(queries)]
    result = {"model": embedder.model_id, "provider": embedder.provider, "matches": matches}
    (out_dir / "embedding.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    files.append(str(out_dir / "embedding.json"))
    with open_store(data_dir) as store:
        store.add_run("tour", "embedding", "\n".join(queries), result, model_id=embedder.model_id,
                      provider=embedder.provider, timings={"total_s": round(elapsed, 4)})
    steps.append({"step": "embedding", "model": embedder.model_id, "provider": embedder.provider})

    if cancelled and cancelled():
        raise Cancelled("tour cancelled")
    progress(0.7, "generation: a short answer from the local language model")
    from engine.models.generation import GenerationSettings, Generator

    generator = Generator.from_registry(data_dir, device=device)
    question = "In one sentence, why should patient data stay on the hospital's own computers?"
    answer = generator.generate([{"role": "user", "content": question}],
                                GenerationSettings(max_new_tokens=64))
    gen = {"question": question, "answer": answer.text, "model": answer.model,
           "provider": answer.stats.provider, "tokens": answer.stats.new_tokens,
           "ttft_s": round(answer.stats.ttft_s, 4),
           "tokens_per_s": round(answer.stats.decode_tokens_per_s, 2)}
    (out_dir / "generation.json").write_text(json.dumps(gen, indent=2), encoding="utf-8")
    files.append(str(out_dir / "generation.json"))
    with open_store(data_dir) as store:
        store.add_run("tour", "generation", question, gen, model_id=answer.model,
                      provider=answer.stats.provider, timings={"total_s": answer.stats.total_s})
    steps.append({"step": "generation", "model": answer.model, "provider": answer.stats.provider})
    if cancelled and cancelled():
        raise Cancelled("tour cancelled")
    progress(0.8, "research: import the sample documents, answer two questions with citations")
    research = tour_research(data_dir, out_dir, device)
    files.extend(research["files"])
    steps.append({"step": "research", "imported": research["imported"],
                  "answers": research["modes"], "provider": research["provider"]})
    if cancelled and cancelled():
        raise Cancelled("tour cancelled")
    progress(0.9, "medical: triage of sample messages across the four levels")
    medical = tour_triage(data_dir, out_dir, device)
    files.extend(medical["files"])
    steps.append({"step": "triage", "levels": medical["levels"], "agree": medical["agree"]})
    progress(1.0, "tour finished")
    return TourResult(str(out_dir), tuple(files), tuple(steps))


def tour_triage(data_dir: Path, out_dir: Path, device: str = "auto") -> dict:
    """Triage the project's sample messages (resources/samples/medical); writes triage.json
    and triage.md."""
    from engine.workspaces.medical.triage import triage_text

    messages = json.loads(resource_path("samples", "medical", "tour_messages.json").read_text(encoding="utf-8"))
    results = [triage_text(data_dir, m["text"], device) for m in messages]
    files = [out_dir / "triage.json", out_dir / "triage.md"]
    files[0].write_text(json.dumps([{"text": m["text"], "expected": m["expected"], **r.to_json()}
                                    for m, r in zip(messages, results, strict=True)], indent=2,
                                   ensure_ascii=False), encoding="utf-8")
    lines = ["# Medical: triage of sample messages", ""]
    for m, r in zip(messages, results, strict=True):
        lines += [f"## {r.level.upper()} (sample written as {m['expected']})", "", f"> {m['text']}", "",
                  r.advice, ""] + [f"- {reason}" for reason in r.reasons] + [""]
    lines.append(results[0].disclaimer)
    files[1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"files": [str(f) for f in files], "levels": [r.level for r in results],
            "agree": sum(r.level == m["expected"] for m, r in zip(messages, results, strict=True))}


TOUR_QUESTIONS = ("How much cooler were streets with a continuous tree canopy?",
                  "Which stage of sleep is most linked to the consolidation of declarative memory?")
SAMPLE_COLLECTION = "Enclave samples"


def tour_research(data_dir: Path, out_dir: Path, device: str = "auto") -> dict:
    """Import the project's sample documents (collection "Enclave samples"), answer two
    questions from them and write a short report; writes research.json,
    research-answers.md and research-report.md."""
    from engine.workspaces.research.workspace import ask_question, ingest_paths, write_report

    report = ingest_paths(data_dir, [resource_path("samples", "research")], collection=SAMPLE_COLLECTION,
                          device=device)
    answers = [ask_question(data_dir, q, device=device, collection=SAMPLE_COLLECTION)
               for q in TOUR_QUESTIONS]
    result = {"ingest": report.to_json(), "answers": [a.to_json() for a in answers]}
    files = [out_dir / "research.json", out_dir / "research-answers.md", out_dir / "research-report.md"]
    write_report(data_dir, collection=SAMPLE_COLLECTION, title="Research report: the Enclave samples",
                 out=files[2], device=device)
    files[0].write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    lines = ["# Research: answers from the sample documents", ""]
    for a in answers:
        lines += [f"## {a.question}", "", a.answer, ""]
        lines += [f"{c.number}. {c.document}, page {c.page}: “{c.passage}”" for c in a.citations]
        lines += ["", f"*{a.mode} answer; {a.model} on {a.provider}*", ""]
        lines += [f"> note: {n}" for n in a.notes] + ([""] if a.notes else [])
    files[1].write_text("\n".join(lines), encoding="utf-8")
    return {"files": [str(f) for f in files], "imported": report.count("imported") + report.count("skipped"),
            "modes": [a.mode for a in answers], "provider": answers[-1].provider}
