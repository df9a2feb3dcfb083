"""Text mode's paragraphs and line breaks (no window needed)."""

from __future__ import annotations

from kiosk.app.markup import mark_lines
from kiosk.app.textflow import PIECE_CHARS, paragraphs, wrap


def em(c: str) -> float:
    return 1.0 if ord(c) > 0x2E7F else 0.5


PRINTED = (
    "威海市居民养老服务保障条例\n"
    "\u3000\u3000第一条 为了保障居民基本养老需求，规范养老服务，根据《\n"
    "中华人民共和国老年人权益保障法》等有关法律、法规，结合本\n"
    "市实际，制定本条例。\n"
    "\u3000\u3000第二条 本市行政区域内城乡居民基本养老服务保障及其监\n"
    "督管理工作，适用本条例。\n"
    "— 1 —"
)


def test_printed_lines_become_paragraphs_and_footers_go():
    paras = paragraphs([PRINTED, "第三条 新的一条。"])
    texts = [p.text for p in paras]
    assert texts[0] == "威海市居民养老服务保障条例"
    assert texts[1].startswith("第一条") and texts[1].endswith("制定本条例。")
    assert "\n" not in texts[1], "printed line breaks are joined"
    assert texts[2].startswith("第二条") and texts[2].endswith("适用本条例。")
    assert not any("— 1 —" in t for t in texts), "the page footer is dropped"
    assert paras[-1].text == "第三条 新的一条。" and paras[-1].page == 2


def test_a_paragraph_running_over_a_page_break_stays_whole_on_its_first_page():
    paras = paragraphs(["第四条 一段跨页的文字，一直写到这一页的最后\n— 1 —", "才写完，到这里才结束。"])
    assert [(p.text, p.page) for p in paras] == [("第四条 一段跨页的文字，一直写到这一页的最后才写完，到这里才结束。", 1)]


def test_long_paragraphs_are_cut_into_small_pieces():
    text = "这是一个很长的句子，" * 200
    paras = paragraphs([text])
    assert len(paras) > 1 and all(len(p.text) <= PIECE_CHARS for p in paras)
    assert "".join(p.text for p in paras) == text.strip(), "nothing is lost when cutting"


def test_wrap_keeps_numbers_whole_and_punctuation_off_the_line_start():
    lines = wrap("根据2011年3月7日公布的条例，制定本办法。", 8, em)
    assert "".join(lines) == "根据2011年3月7日公布的条例，制定本办法。"
    assert all(sum(em(c) for c in line) <= 9 for line in lines), "at most one em of overhang"
    assert not any(line[0] in "，。" for line in lines if line)
    assert any("2011" in line for line in lines), "a number is not split"


def test_marks_cover_a_word_broken_over_two_lines_and_text_is_escaped():
    out = mark_lines(["保护公", "路[x]"], ["公路"], "<", ">")
    assert out == "保护<公>\n<路>&bl;x&br;"
