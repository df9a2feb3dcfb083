"""Questions in plain words: more than two content words rank by any of them, complete matches first."""

from __future__ import annotations

from index.search import parse_query
from index.search._query import content_words
from index.vocab import Vocabulary

QUESTION_DOCS = [
    dict(path="法律法规/物业.md", title="物业管理条例", kind="法律法规",
         body="第一条 为了规范物业管理活动，维护业主和物业服务企业的合法权益。第二条 业主可以成立业主大会。"),
    dict(path="法律法规/消费.md", title="消费者权益保护法", kind="法律法规",
         body="第一条 为保护消费者的合法权益。经营者提供商品或者服务有欺诈行为的，应当按照消费者的要求增加赔偿。"),
    dict(path="法律法规/劳动.md", title="劳动合同法", kind="法律法规",
         body="第一条 为了完善劳动合同制度。用人单位自用工之日起即与劳动者建立劳动关系。用人单位应当支付经济补偿。"),
]


def test_question_words_and_particles_are_dropped() -> None:
    pq = parse_query("请问用人单位不签劳动合同怎么办呢", Vocabulary([]))
    words = content_words(pq)
    assert "怎么办" not in words and "请问" not in words and "呢" not in words
    assert {"用人单位", "劳动合同"} <= set(words)


def test_words_of_procedure_are_the_question_not_its_subject() -> None:
    # 办理 and 手续 ask "how", like 怎么: they pulled laws that mention procedures above the
    # law the question names (benchmarks.query_families, family "question": 0.70 -> 0.77).
    pq = parse_query("请问居住证怎么办理需要什么手续", Vocabulary([]))
    assert content_words(pq) == ["居住证"]


def test_a_word_the_law_does_not_use_does_not_hide_it(make_library) -> None:
    lib = make_library(QUESTION_DOCS, **{"review.required": False})
    # 老板 is nowhere in the law: every-word matching found nothing here.
    res = lib.search("老板不给经济补偿用人单位劳动合同怎么办")
    assert res.hits and res.hits[0].title == "劳动合同法"
    assert "怎么办" not in res.terms


def test_documents_with_every_word_come_first(make_library) -> None:
    docs = [*QUESTION_DOCS,
            dict(path="规范性文件/赔偿.txt", title="关于赔偿标准的通知", body="赔偿 赔偿 赔偿 赔偿 赔偿 商品 赔偿 赔偿。"),
            ]
    lib = make_library(docs, **{"review.required": False})
    res = lib.search("商品欺诈赔偿消费者怎么办")
    titles = [h.title for h in res.hits]
    assert titles[0] == "消费者权益保护法", titles
    assert "关于赔偿标准的通知" in titles, "documents with some of the words follow"


FAMILY_DOCS = [
    dict(path="规范性文件/古树.txt", title="威海市古树名木保护管理办法", body="第一条 为了保护古树名木。"),
    dict(path="法律法规/公积金.md", title="住房公积金管理条例", kind="法律法规", body="第一条 为了加强对住房公积金的管理。"),
    dict(path="规范性文件/停车.txt", title="威海市停车管理办法", body="第一条 为了加强停车管理。"),
]


def test_initials_of_a_title_compound(make_library) -> None:
    lib = make_library(FAMILY_DOCS, **{"review.required": False})
    assert "古树名木" in lib.candidates("gsmm")
    res = lib.search("古树名木")
    assert res.hits and res.hits[0].title == "威海市古树名木保护管理办法"


def test_a_homophone_slip_is_corrected_by_sound(make_library) -> None:
    lib = make_library(FAMILY_DOCS, **{"review.required": False})
    res = lib.search("住房公基金管理条例")
    assert res.hits and res.hits[0].title == "住房公积金管理条例"
    assert res.corrected_query == "住房公积金管理条例"  # the same sound, not the nearest spelling
    assert lib.engine._homophone("住房公基金") == "住房公积金"


RUN_DOCS = [
    dict(path="规范性文件/厂务.txt", title="山东省厂务公开条例", body="第一条 厂务公开。第二条 职工有权了解企业信息，企业应当公开。"),
    dict(path="规范性文件/推进.txt", title="关于推进政务工作的通知", body="各单位要做好政府信息公开，依法公开政府信息。"),
    dict(path="规范性文件/指南.txt", title="政府信息公开指南", body="本指南说明政府信息公开的方式。"),
]


def test_words_typed_as_one_run_prefer_documents_that_hold_the_run(make_library) -> None:
    """信息公开 (jieba: 信息 + 公开): a document that says 信息公开 ranks above one whose title has
    公开 and whose text has 信息 somewhere else."""
    lib = make_library(RUN_DOCS, **{"review.required": False})
    titles = [h.title for h in lib.search("信息公开").hits]
    assert titles[0] == "政府信息公开指南", titles
    assert titles.index("关于推进政务工作的通知") < titles.index("山东省厂务公开条例"), titles
    # Typed with a space the words stand apart: no preference for the run.
    spaced = [h.title for h in lib.search("信息 公开").hits]
    assert set(spaced) == set(titles)


def test_a_vocabulary_word_of_three_words_is_a_name_not_a_question(make_library) -> None:
    lib = make_library(RUN_DOCS, **{"review.required": False})
    assert lib.is_vocabulary_word("政府信息公开")
    res = lib.search("政府信息公开")
    # Every word must occur (政府 is not in the 厂务 document): no any-word question ranking.
    assert "山东省厂务公开条例" not in [h.title for h in res.hits]
    assert {h.title for h in res.hits} == {"关于推进政务工作的通知", "政府信息公开指南"}
