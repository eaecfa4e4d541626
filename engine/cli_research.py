"""`enclave research ...`: ingest, library, search, ask."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.errors import EnclaveError

SHARED_RESEARCH = Path(__file__).resolve().parents[2] / "shared" / "data" / "research"


def add_parser(sub, common, parser_class) -> None:
    research = sub.add_parser("research", parents=[common],
                              help="a private paper library: ingest, search, cited answers")
    rsub = research.add_subparsers(dest="action", required=True, parser_class=parser_class)
    filters = parser_class(add_help=False)
    filters.add_argument("--collection", help="only documents of this collection")
    filters.add_argument("--year-from", type=int, help="only documents from this year on")
    filters.add_argument("--year-to", type=int, help="only documents up to this year")

    p = rsub.add_parser("ingest", parents=[common], help="import PDF, text, Markdown, HTML and DOCX files or folders")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--collection", help="add the documents to this collection (created when new)")
    p = rsub.add_parser("collect", parents=[common], help="put documents into a collection (or --remove them)")
    p.add_argument("collection")
    p.add_argument("ids", nargs="+", type=int, metavar="DOC_ID", help="document ids (see `research library`)")
    p.add_argument("--remove", action="store_true", help="take them out of the collection")
    p = rsub.add_parser("library", parents=[common], help="the documents in the library")
    p.add_argument("--collection", help="only this collection")
    p = rsub.add_parser("search", parents=[common, filters], help="hybrid keyword + semantic search")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=10)
    p = rsub.add_parser("report", parents=[common], help="a research report for a collection (quoted, cited)")
    p.add_argument("--collection", help="the collection to report on (default: the whole library)")
    p.add_argument("--title", help="the report's title")
    p.add_argument("--out", help="write it to FILE (.md, .html or .json); default: Markdown on stdout")
    p = rsub.add_parser("ask", parents=[common, filters], help="a cited answer from the library")
    p.add_argument("question")
    p.add_argument("--mode", choices=("auto", "generative", "extractive"), default="auto",
                   help="auto: the local generator when installed, checked against the passages "
                        "(default); extractive: the passages' own sentences")


def run(args, data_dir: Path, device: str, emit, progress_printer) -> int:
    from engine.workspaces.research import workspace

    if args.action == "ingest":
        report = workspace.ingest_paths(data_dir, args.paths, collection=args.collection, device=device,
                                        progress=progress_printer(args.json))
        payload = report.to_json()
        lines = [f"{f.status:9} {f.path}" + (f"  ({f.reason})" if f.reason else
                                             f"  {f.pages} pages, {f.chunks} passages")
                 for f in report.files]
        applied = f", {payload['metadata']} reference files applied" if payload["metadata"] else ""
        lines.append(f"{payload['imported']} imported, {payload['skipped']} skipped, "
                     f"{payload['no_text']} without text, {payload['failed']} failed{applied}"
                     f"{' (cancelled)' if report.cancelled else ''}; {payload['pages']} pages, "
                     f"{payload['chunks']} passages")
        emit(args, payload, "\n".join(lines))
        return 0
    if args.action == "collect":
        from engine.store import open_store
        from engine.workspaces.research.library import set_collection

        with open_store(data_dir) as store:
            changed = set_collection(store, args.ids, args.collection, member=not args.remove)
        verb = "taken out of" if args.remove else "added to"
        emit(args, {"collection": args.collection, "changed": changed},
             f"{changed} document{'s' if changed != 1 else ''} {verb} “{args.collection}”")
        return 0
    if args.action == "library":
        docs = workspace.documents(data_dir, args.collection)
        payload = {"documents": [{"id": d.id, "title": d.title, "path": d.path, "kind": d.kind,
                                  "authors": list(d.authors), "year": d.year, "pages": d.pages,
                                  "chunks": d.chunks, "status": d.status,
                                  "collections": list(d.collections), "added": d.added} for d in docs]}
        lines = [f"{d.id:4}  {d.title[:70]:70}  {d.year or '':4}  {d.pages:4} p  {d.status}" for d in docs]
        emit(args, payload, "\n".join(lines) or "the library is empty: `enclave research ingest PATH`")
        return 0
    if args.action == "search":
        if args.limit < 1:
            raise EnclaveError("--limit must be at least 1")
        hits = workspace.search_library(data_dir, args.query, device=device, limit=args.limit,
                                        collection=args.collection, year_from=args.year_from,
                                        year_to=args.year_to)
        payload = {"query": args.query, "results": [h.to_json() for h in hits]}
        lines = [f"{i}. {h.document} — page {h.page}  (score {h.score:.4f})\n   {h.snippet}"
                 for i, h in enumerate(hits, start=1)]
        emit(args, payload, "\n".join(lines) or "no matching passages")
        return 0
    if args.action == "report":
        report = workspace.write_report(data_dir, collection=args.collection, title=args.title,
                                        out=Path(args.out) if args.out else None, device=device,
                                        progress=progress_printer(args.json))
        payload = {**report.to_json(), "out": args.out}
        emit(args, payload, f"report written to {args.out}" if args.out else report.to_markdown())
        return 0
    if args.action == "ask":
        stream = None if args.json else (lambda piece: None)
        result = workspace.ask_question(data_dir, args.question, device=device, mode=args.mode,
                                        collection=args.collection, year_from=args.year_from,
                                        year_to=args.year_to, on_text=stream)
        from engine.workspaces.research.text import readable

        sources = [f"[{c.number}] {c.document}, page {c.page}: “{readable(c.passage)}”" for c in result.citations]
        via = f"{result.mode}" + (f", {result.model} on {result.provider}" if result.model else "")
        text = "\n".join([result.answer, ""] + sources + [f"({via})"] +
                         [f"note: {n}" for n in result.notes])
        emit(args, result.to_json(), text)
        return 0
    print(f"enclave: error: unknown research action {args.action}", file=sys.stderr)
    return 2


def add_bench_parsers(bsub, common) -> None:
    p = bsub.add_parser("research", parents=[common],
                        help="ingest speed, retrieval hit rate, citation check, search at 50,000 passages")
    p.add_argument("--papers", nargs="+", help="PDF files or folders (default: the shared papers and distractors)")
    p.add_argument("--qa", help="JSONL of questions with paper_file (default: shared qa_dev.jsonl)")
    p.add_argument("--chunks", type=int, default=50_000, help="passages in the synthetic search index")
    p.add_argument("--queries", type=int, default=200, help="timed searches at scale")
    p.add_argument("--generative", action="store_true", help="also answer with the local generator (slow)")
    p.add_argument("--out", default="benchmarks", help="folder for the result table")
    p = bsub.add_parser("pubmedqa", parents=[common],
                        help="yes/no/maybe verdicts on PubMedQA (benchmark only; learned part cross-validated)")
    p.add_argument("--items", help="pubmedqa_dev.json (default: the shared copy)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--limit", type=int, help="only the first N items (a quick check)")
    p.add_argument("--out", default="benchmarks", help="folder for the result table")


def _shared(path: str | None, default: Path) -> Path:
    if path:
        return Path(path)
    if not default.exists():
        raise EnclaveError(f"{default} not found: pass the data explicitly")
    return default


def run_bench(args, data_dir: Path, device: str, emit, progress_printer) -> int:
    if args.action == "research":
        from engine.bench.research import run_research_bench

        papers = [Path(p) for p in args.papers] if args.papers else [
            _shared(None, SHARED_RESEARCH / "papers"), _shared(None, SHARED_RESEARCH / "distractors")]
        result = run_research_bench(data_dir, papers=papers, qa_file=_shared(args.qa, SHARED_RESEARCH / "qa_dev.jsonl"),
                                    out_dir=Path(args.out), synthetic_chunks=args.chunks,
                                    search_queries=args.queries, generative=args.generative,
                                    device=device if device != "auto" else "cpu",
                                    progress=progress_printer(args.json))
    else:
        from engine.bench.pubmedqa import run_pubmedqa_bench

        result = run_pubmedqa_bench(data_dir, items_file=_shared(args.items, SHARED_RESEARCH / "pubmedqa_dev.json"),
                                    out_dir=Path(args.out), folds=args.folds, limit=args.limit, device=device,
                                    progress=progress_printer(args.json))
    table = Path(args.out) / f"{args.action}.md"
    emit(args, result, table.read_text(encoding="utf-8") if table.is_file() else f"results in {args.out}")
    return 0
