"""Research: chunking, hybrid search and answer checking on a small hand-made library
(no PDF parsing here: test_research.py runs the real papers end to end)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.models.embedding import get_embedder
from engine.store import open_store
from engine.workspaces.research import answer as answering
from engine.workspaces.research import library
from engine.workspaces.research.chunking import (
    MAX_WORDS,
    chunk_pages,
    is_heading,
    is_reference_section,
)
from engine.workspaces.research.search import fts_query, query_terms, search

HEART = (
    "Introduction\n\n"
    "Atrial fibrillation is the most common sustained cardiac arrhythmia in adults. "
    "Its prevalence rises steeply with age and it multiplies the risk of ischaemic stroke by five.\n\n"
    "2 Methods\n\n"
    "We enrolled 1,204 patients from twelve centres. Anticoagulation with apixaban was compared "
    "with warfarin over a median follow-up of 1.8 years.\n\n"
    "3 Results\n\n"
    "Apixaban reduced stroke or systemic embolism by 21 percent compared with warfarin, and major "
    "bleeding was 31 percent lower. Mortality did not differ significantly between the groups.")
SOIL = (
    "Abstract\n\n"
    "Soil organic carbon declines under continuous tillage. Cover crops restore carbon stocks by "
    "adding root biomass and reducing erosion between growing seasons.\n\n"
    "We sampled forty fields over six years. Fields with winter rye cover gained 0.3 tonnes of "
    "carbon per hectare per year, while bare fallow fields lost carbon.")


@dataclass(frozen=True)
class FakeParsed:
    path: Path
    title: str
    pages: tuple
    kind: str = "text"
    authors: tuple = ()
    year: int | None = 2020
    abstract: str | None = None
    has_text: bool = True
    warnings: tuple = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256("".join(self.pages).encode()).hexdigest()


def add(store, tmp_path, title, pages, embedder=None, year=2020):
    path = tmp_path / f"{title}.txt"
    path.write_text("\n".join(pages))
    parsed = FakeParsed(path, title, tuple(pages), year=year)
    chunks = chunk_pages(parsed.pages)
    vectors = {}
    if embedder is not None:
        vectors = dict(enumerate(embedder.embed([c.text for c in chunks])))
    return library._write_document(store, parsed, chunks, vectors,
                                   embedder.model_id if embedder else None, "indexed", None)


@pytest.fixture
def lib(model_data_dir, tmp_path):
    embedder = get_embedder(model_data_dir, None, "cpu")
    store = open_store(model_data_dir)
    add(store, tmp_path, "Apixaban trial", [HEART, "References\n\n[1] A. Author, Stroke and warfarin, 2001."],
        embedder, year=2019)
    add(store, tmp_path, "Cover crops", [SOIL], embedder, year=2012)
    yield store, embedder
    store.close()


def test_chunks_are_verbatim_slices_of_one_page_with_sections():
    long_paragraph = " ".join(f"Sentence number {i} talks about arrhythmia and stroke." for i in range(80))
    pages = [HEART, long_paragraph, "References\n\n[1] Smith J. A paper. 2001."]
    chunks = chunk_pages(pages)
    for c in chunks:
        assert pages[c.page - 1][c.start:c.start + len(c.text)] == c.text
        assert len(c.text.split()) <= MAX_WORDS
    assert {c.page for c in chunks} == {1, 2, 3}
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    results = next(c for c in chunks if "21 percent" in c.text)
    assert results.section == "3 Results"
    assert is_reference_section(chunks[-1].section)
    assert is_heading("3.1 Pre-training Tasks") and is_heading("ABSTRACT")
    assert not is_heading("We enrolled 1,204 patients from twelve centres.")


def test_hybrid_search_finds_the_passage_and_respects_filters(lib):
    store, embedder = lib
    hits = search(store, "how much did apixaban lower bleeding", embedder, limit=3)
    assert hits[0].document == "Apixaban trial" and "31 percent" in hits[0].text
    assert hits[0].page == 1 and hits[0].cosine is not None and hits[0].bm25_rank is not None
    assert "**apixaban**" in hits[0].snippet.lower()
    # semantic only: no query word appears in the soil paper, the meaning does
    hits = search(store, "farming practices that store carbon in the ground", embedder, limit=1)
    assert hits[0].document == "Cover crops"
    assert search(store, "apixaban", embedder, year_from=2015)[0].document == "Apixaban trial"
    assert all(h.document == "Cover crops" for h in search(store, "apixaban", embedder, year_to=2015))
    # keyword only (no embedder) still works
    assert search(store, "winter rye", None)[0].document == "Cover crops"


def test_queries_that_look_like_fts_syntax_or_are_huge_do_not_break_search(lib):
    store, embedder = lib
    for query in ['"unbalanced quote', "NEAR(apixaban warfarin)", "a OR AND NOT *", "col:val ^x -y"]:
        search(store, query, embedder)
    huge = " ".join(["apixaban"] + [f"word{i}" for i in range(5000)])
    assert len(query_terms(huge)) <= 48
    assert search(store, huge, embedder)
    assert fts_query(['say "hi"']) == '"say hi"'


def test_extractive_answer_quotes_cited_sentences_verbatim(lib):
    store, embedder = lib
    result = answering.ask(store, "By how much did apixaban reduce stroke compared with warfarin?", embedder)
    assert result.mode == "extractive" and result.citations
    assert "21 percent" in result.answer
    for c in result.citations:
        page = store.db.execute("select p.text from pages p join chunks c on c.document_id = p.document_id "
                                "and c.page = p.page where c.id = ?", [c.chunk_id]).fetchone()[0]
        assert " ".join(c.passage.split()) in " ".join(page.split())
        assert f"[{c.number}]" in result.answer
    assert all("References" not in h.section for h in result.evidence)


def test_irrelevant_question_and_empty_library_get_no_answer(lib, model_data_dir, tmp_path):
    store, embedder = lib
    result = answering.ask(store, "Who won the football world cup in 2018?", embedder)
    assert result.mode == "no_answer" and not result.citations and "relevant" in result.answer
    with open_store(tmp_path / "empty") as empty:
        result = answering.ask(empty, "What reduces stroke?", embedder)
    assert result.mode == "no_answer" and "empty" in result.answer


def test_generated_answers_are_checked_against_the_passages(lib):
    store, embedder = lib
    hits = search(store, "apixaban bleeding stroke", embedder, limit=3, exclude_references=True)
    heart = next(i for i, h in enumerate(hits, start=1) if h.document == "Apixaban trial"
                 and "31 percent" in h.text)
    wrong = next(i for i, h in enumerate(hits, start=1) if i != heart)
    draft = (f"Apixaban reduced major bleeding by 31 percent compared with warfarin [{wrong}]. "
             "The moon is made of green cheese and tastes of apples [1]. "
             f"Mortality did not differ significantly between the groups [{len(hits) + 5}].")
    text, citations, notes = answering.verify(draft, hits)
    assert "green cheese" not in text
    assert "31 percent" in text and "Mortality" in text
    assert all(c.document == "Apixaban trial" for c in citations)
    assert any("corrected" in n for n in notes) and any("removed" in n for n in notes)
    assert answering.verify("Nothing here is supported by anything [1].", hits)[1] == ()


def test_collections_hold_and_release_documents(lib):
    from engine.errors import EnclaveError

    store, embedder = lib
    ids = [d.id for d in library.list_documents(store)]
    assert library.set_collection(store, ids, "cardio") == 2
    assert library.set_collection(store, ids, "cardio") == 0  # already members
    assert library.set_collection(store, ids[:1], "cardio", member=False) == 1
    assert [d.id for d in library.list_documents(store, "cardio")] == ids[1:]
    assert ("cardio", 1) in library.collections(store)
    assert {h.document_id for h in search(store, "stroke carbon", embedder, collection="cardio")} <= set(ids[1:])
    with pytest.raises(EnclaveError, match="no document with id 999"):
        library.set_collection(store, [999], "cardio")
    with pytest.raises(EnclaveError, match="no collection named"):
        library.set_collection(store, ids, "nope", member=False)


def test_large_libraries_match_only_the_selective_terms(tmp_path):
    """Beyond a few thousand passages BM25 scores only the rarer query terms (a word in
    most passages would make it score the whole library); small libraries keep them all."""
    from engine.workspaces.research.search import selective_terms

    with open_store(tmp_path) as store:
        def fill(n: int) -> None:
            store.write(lambda db: db["documents"].insert({"title": "synthetic", "status": "indexed"}))
            store.write(lambda db: db["chunks"].insert_all(
                {"document_id": 1, "page": 1, "ordinal": i, "text": t, "search_text": t}
                for i, t in enumerate(f"models trained on data, passage {i}" + (" zeta" if i % 500 == 0 else "")
                                      for i in range(n))))
        fill(1000)
        assert selective_terms(store, ["models", "zeta"]) == ["models", "zeta"]
        fill(5000)
        assert selective_terms(store, ["models", "trained", "zeta"]) == ["zeta"]
        assert selective_terms(store, ["models", "unknownword"]) == ["models"]  # all common: the rarest
        hits = search(store, "which models mention zeta", None, limit=5)
        assert hits and all("zeta" in h.text for h in hits)


def test_removing_and_importing_a_same_sized_document_refreshes_the_vectors(lib, tmp_path):
    """SQLite reuses row ids after a delete: the index must still see the new passages."""
    store, embedder = lib
    assert search(store, "winter rye cover crops", embedder)[0].document == "Cover crops"
    soil = next(d.id for d in library.list_documents(store) if d.title == "Cover crops")
    library.remove_document(store, soil)
    ocean = SOIL.replace("Soil organic carbon", "Ocean heat content").replace("Cover crops", "Sea ice") \
        .replace("winter rye", "Arctic ice").replace("carbon", "heat").replace("tillage", "warming") \
        .replace("root biomass", "meltwater").replace("erosion", "albedo loss")
    add(store, tmp_path, "Sea ice", [ocean], embedder)
    hit = search(store, "Arctic sea ice melting and ocean warming", embedder)[0]
    assert hit.document == "Sea ice"
    fresh = float(embedder.embed([hit.text])[0] @ embedder.embed(["Arctic sea ice melting and ocean warming"])[0])
    assert abs(hit.cosine - fresh) < 0.01  # the vector of the new passage, not the removed one's
