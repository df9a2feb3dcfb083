"""Chinese search on a real library (catalogue + Whoosh index on disk)."""

from __future__ import annotations

from index.models import Filters
from tests.index.conftest import DOCS


def titles(result):
    return [h.title for h in result.hits]


def test_words_in_title_and_body(make_library):
    lib = make_library()
    res = lib.search("停车 收费")
    assert res.total >= 1
    assert res.hits[0].title == "关于调整城区公共停车场收费标准的通知"


def test_exact_title_first_and_current_above_revised(make_library):
    lib = make_library()
    res = lib.search("威海市停车管理办法")
    assert [h.doc_number for h in res.hits[:2]] == ["威政发〔2013〕8号", "威政发〔2008〕21号"]
    assert res.hits[1].validity == "已修订" and res.hits[1].replaced_by == "威政发〔2013〕8号"


def test_title_match_ranks_above_body_only(make_library):
    lib = make_library()
    res = lib.search("停车管理")
    # 收费 notice mentions 停车管理办法 only in its body.
    body_only = titles(res).index("关于调整城区公共停车场收费标准的通知")
    assert body_only > titles(res).index("威海市停车管理办法")


def test_traditional_and_full_width_queries(make_library):
    lib = make_library()
    assert "環翠區全民健身實施計劃" in titles(lib.search("全民健身"))  # simplified query, traditional title
    assert "环翠区人民政府关于做好政府信息公开工作的通知" in titles(lib.search("資訊 政府資訊公開".replace("資訊 ", "")))
    assert lib.search("２０２０年").total >= 1  # full-width digits


def test_single_character_matches_titles(make_library):
    lib = make_library()
    res = lib.search("护")
    assert "护士条例" in titles(res)


def test_phrase_is_a_phrase(make_library):
    lib = make_library()
    # 停车场 and 收费 both occur in the 2013 办法 ("公共停车场应当公示收费标准"), but only
    # the fee notice has 停车场收费 as one run of characters.
    assert titles(lib.search('"停车场收费"')) == ["关于调整城区公共停车场收费标准的通知"]
    assert "威海市停车管理办法" in titles(lib.search("停车场收费"))  # unquoted: the words, anywhere
    assert titles(lib.search("停车场收费"))[0] == "关于调整城区公共停车场收费标准的通知"  # the run ranks first


def test_doc_number_forms(make_library):
    lib = make_library()
    for q in ("威环政发〔2012〕15号", "威环政发[2012]15号", "威环政发（2012）15号", "环政发 2012 15", "威环政发 〔2012〕 15 号"):
        res = lib.search(q)
        assert res.hits and res.hits[0].doc_number == "威环政发〔2012〕15号", q
    assert lib.search("国发 2012 15").total == 0


def test_pinyin_full_initials_and_mixed(make_library):
    lib = make_library()
    expected = "环翠区人民政府关于做好政府信息公开工作的通知"
    for q in ("xxgk", "xinxigongkai", "zhengfuxinxigongkai", "zhengfu xxgk"):
        assert expected in titles(lib.search(q)), q
    assert "威海市停车管理办法" in titles(lib.search("weihai tingche"))


def test_candidates_lead_to_results(make_library):
    lib = make_library()
    cands = lib.candidates("xxgk")
    assert cands[0] == "信息公开"
    for letters in ("xxgk", "tc", "minzheng", "weihai"):
        words = lib.candidates(letters)
        assert words, letters
        for w in words:
            assert lib.search(w).total > 0, (letters, w)


def test_one_wrong_character_still_finds_the_title(make_library):
    lib = make_library()
    res = lib.search("威海市大气污梁防治实施方案")  # 染 -> 梁
    assert res.hits and res.hits[0].title == "威海市大气污染防治实施方案"
    assert res.corrected_query == "威海市大气污染防治实施方案"


def test_no_results_gives_suggestions_not_an_empty_page(make_library):
    lib = make_library()
    res = lib.search("停车 火箭")
    assert res.suggestions, "a query that finds nothing must offer something"
    assert any("停车" in s for s in res.suggestions)


def test_filters_and_facets(make_library):
    lib = make_library()
    res = lib.search("", Filters(topic="交通"))
    assert res.total == 3
    assert res.facets["topic"] == {"交通": 3}
    all_facets = lib.facets()
    assert all_facets["kind"] == {"规范性文件": 7, "法律法规": 1}
    assert all_facets["validity"]["废止"] == 1
    assert lib.search("停车", Filters(valid_only=True)).total == 2
    assert lib.search("", Filters(year=2013)).hits[0].doc_number == "威政发〔2013〕8号"


def test_snippet_marks_matched_words(make_library):
    lib = make_library()
    hit = lib.search("最低生活保障").hits[0]
    assert "<mark>最低生活保障</mark>" in hit.snippet


def test_browse_newest_first(make_library):
    lib = make_library()
    dates = [h.date for h in lib.newest(8)]
    assert dates == sorted(dates, reverse=True) and len(dates) == 8


def test_pending_documents_are_invisible(make_library):
    docs = [dict(d) for d in DOCS]
    docs[2] = dict(docs[2], reviewer="", review_date="")  # the 信息公开 notice has no review record
    lib = make_library(docs)
    assert lib.counts()["pending"] == 1
    assert lib.search("信息公开").total == 0
    assert "信息公开" not in lib.candidates("xxgk")
    assert lib.facets()["kind"]["规范性文件"] == 6
    assert all(h.doc_number != "威环政发〔2012〕15号" for h in lib.newest(20))
    assert [r.meta.title for r in lib.pending()] == ["环翠区人民政府关于做好政府信息公开工作的通知"]


def test_rebuild_gives_identical_results(make_library):
    lib = make_library()
    queries = ["停车", "xxgk", "威环政发[2012]15号", "全民健身", "", "护士"]
    before = [[(h.id, h.score) for h in lib.search(q).hits] for q in queries]
    assert lib.rebuild_index() == len(DOCS)
    after = [[(h.id, h.score) for h in lib.search(q).hits] for q in queries]
    assert before == after
    assert lib.check_index() == []


def test_check_index_finds_differences(make_library):
    lib = make_library()
    doc_id = lib.search("护士条例").hits[0].doc_id
    w = lib._ix.writer()
    w.delete_by_term("doc_id", doc_id)
    w.commit()
    problems = lib.check_index()
    assert any("missing from index" in p and "护士条例" in p for p in problems)


def test_gazette_items_open_the_issue_at_their_page(make_library):
    gazette = dict(
        path="政府公报/2012/公报2012年第1期.pdf", title="威海市环翠区人民政府公报 2012年第1期", kind="政府公报",
        issuer="威海市环翠区人民政府", publish_date="2012-03-31", gazette_year=2012, gazette_issue=1,
        pages=["环翠区人民政府公报 2012年第1期", "目录 关于加强防汛工作的通知……3 关于春季植树造林的意见……4",
               "关于加强防汛工作的通知 各镇要落实防汛责任制，做好汛前检查。", "关于春季植树造林的意见 鼓励全民义务植树。"],
        contents=[dict(title="关于加强防汛工作的通知", page=3), dict(title="关于春季植树造林的意见", page=4)],
    )
    lib = make_library([*DOCS, gazette])
    hit = lib.search("义务植树").hits[0]
    assert hit.title == "关于春季植树造林的意见" and hit.page == 4
    assert lib.document(hit.doc_id).meta.title.startswith("威海市环翠区人民政府公报")
    shelf = lib.gazette_shelf()
    assert list(shelf) == [2012] and shelf[2012][0].title.endswith("2012年第1期")
