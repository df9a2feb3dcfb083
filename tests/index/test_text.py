"""Normalisation, analysis and the pinyin vocabulary, alone."""

from __future__ import annotations

from index.analysis import ngrams
from index.normalize import normalize
from index.vocab import Vocabulary, word_pinyin


def test_normalize_is_one_for_one():
    raw = "環翠區ＡＢＣ１２３\u200b信息\u3000公開"
    out = normalize(raw)
    assert out == "环翠区abc123 信息 公开"
    assert len(out) == len(raw)


def test_bigrams_are_positioned_at_their_offsets():
    assert list(ngrams("信息公开2012号")) == [("信息", 0), ("息公", 1), ("公开", 2), ("2012", 4), ("号", 8)]
    assert ("信", 0) in list(ngrams("信息", unigrams=True))


def test_pinyin_of_words():
    assert word_pinyin("信息公开") == ("xinxigongkai", "xxgk")
    assert word_pinyin("绿化") == ("lvhua", "lh")


def test_vocabulary_lookup_and_segmentation():
    rows = [(w, df, *word_pinyin(w)) for w, df in [("信息公开", 5), ("政府", 9), ("停车", 4), ("威海", 7), ("小学", 1), ("港口", 1)]]
    v = Vocabulary(rows)
    assert v.lookup("xxgk")[0] == "信息公开"
    assert v.lookup("tingc") == ["停车"]
    assert v.segment("zhengfuxinxigongkai") == ["政府", "信息公开"]
    assert v.segment("weihai tingche") == ["威海", "停车"]
    assert v.segment("zfxxgk") == ["政府", "信息公开"]
    assert v.segment("xxgk") == ["信息公开"]  # one word, not 小学 + 港口
    assert v.segment("qwerty") is None
